"""The balanced labelled subset for semi-supervised training."""

import numpy as np
import pytest

from keras_gmgan.datasets import semi_supervised_split


def test_split_is_balanced_disjoint_complete_and_repeatable():
    labels = np.repeat(np.arange(10), 50)
    np.random.default_rng(0).shuffle(labels)
    labeled, unlabeled = semi_supervised_split(labels, 100, seed=3)
    assert len(labeled) == 100
    np.testing.assert_array_equal(np.bincount(labels[labeled]), [10] * 10)
    assert not set(labeled) & set(unlabeled)
    assert len(labeled) + len(unlabeled) == len(labels)
    again, _ = semi_supervised_split(labels, 100, seed=3)
    np.testing.assert_array_equal(labeled, again)
    other, _ = semi_supervised_split(labels, 100, seed=4)
    assert not np.array_equal(labeled, other)


def test_remainder_goes_to_first_classes_and_bad_counts_raise():
    labels = np.repeat(np.arange(3), 10)
    labeled, _ = semi_supervised_split(labels, 7, seed=0)
    np.testing.assert_array_equal(np.bincount(labels[labeled]), [3, 2, 2])
    with pytest.raises(ValueError, match="n_labeled"):
        semi_supervised_split(labels, 2)
    few_twos = np.array([0] * 10 + [1] * 10 + [2] * 3)
    with pytest.raises(ValueError, match="only 3 examples"):
        semi_supervised_split(few_twos, 15)
