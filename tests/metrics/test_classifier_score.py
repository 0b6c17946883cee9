"""Classifier score, class histogram, classes covered and conditional accuracy."""

import numpy as np
import pytest

from keras_gmgan.metrics.classifier_score import (
    class_histogram,
    classes_covered,
    classifier_score,
    conditional_accuracy,
)


def test_confident_balanced_predictions_score_the_number_of_classes():
    probabilities = np.eye(10)[np.arange(1000) % 10]
    score, std = classifier_score(probabilities, splits=10)
    assert score == pytest.approx(10.0, rel=1e-6) and std == pytest.approx(0.0, abs=1e-6)


def test_one_class_or_no_confidence_scores_one():
    assert classifier_score(np.eye(10)[np.zeros(100, int)])[0] == pytest.approx(1.0)
    assert classifier_score(np.full((100, 10), 0.1))[0] == pytest.approx(1.0)


def test_two_balanced_confident_classes_score_two():
    probabilities = np.eye(10)[np.arange(100) % 2]
    assert classifier_score(probabilities, splits=1)[0] == pytest.approx(2.0)


def test_histogram_and_covered_classes():
    predicted = np.array([0] * 500 + [1] * 480 + [2] * 15 + [3] * 5)
    histogram = class_histogram(np.eye(10)[predicted])
    assert histogram.tolist() == [500, 480, 15, 5, 0, 0, 0, 0, 0, 0]
    # A class needs 1 % of the 1000 samples (10) to count.
    assert classes_covered(histogram) == 3
    assert classes_covered(histogram, min_share=0.0) == 4


def test_conditional_accuracy():
    probabilities = np.eye(3)[[0, 1, 2, 2]]
    assert conditional_accuracy(probabilities, [0, 1, 2, 0]) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="labels for"):
        conditional_accuracy(probabilities, [0, 1])
