"""The mode-balance figures of a class histogram."""

import math

import numpy as np
import pytest

from keras_gmgan.metrics import class_balance, class_histogram


def test_a_perfectly_balanced_sample_has_ratio_one_and_no_divergence():
    histogram = class_histogram(np.eye(10)[np.arange(1000) % 10])
    balance = class_balance(histogram)
    assert balance["class_share_ratio"] == pytest.approx(1.0)
    assert balance["class_kl_to_uniform"] == pytest.approx(0.0, abs=1e-12)


def test_a_one_class_sample_has_infinite_ratio_and_kl_log_k():
    histogram = class_histogram(np.eye(10)[np.full(500, 3)])
    balance = class_balance(histogram)
    assert balance["class_share_ratio"] == math.inf
    assert balance["class_kl_to_uniform"] == pytest.approx(math.log(10))


def test_an_uneven_sample_matches_the_formulas():
    counts = np.array([20, 17, 1.4, 3.4, 10, 10, 10, 10, 9.1, 9.1]) * 10
    shares = counts / counts.sum()
    balance = class_balance(counts)
    assert balance["class_share_ratio"] == pytest.approx(20 / 1.4)
    expected_kl = float(np.sum(shares * np.log(shares / 0.1)))
    assert balance["class_kl_to_uniform"] == pytest.approx(expected_kl)
    # Missing classes count in the ratio but add nothing to the divergence's sum.
    assert class_balance([5, 5, 0])["class_kl_to_uniform"] == pytest.approx(math.log(3 / 2))


@pytest.mark.parametrize("bad", [[], [0, 0], [3, -1]])
def test_empty_or_negative_histograms_are_refused(bad):
    with pytest.raises(ValueError, match="non-negative counts"):
        class_balance(bad)
