"""Mode coverage measures on samples whose answer is known."""

import math

import numpy as np
import pytest

from keras_gmgan.datasets import get_mixture_2d
from keras_gmgan.metrics import (
    evaluate_mixture_2d,
    high_quality_fraction,
    mode_histogram,
    modes_captured,
    nearest_modes,
    reverse_kl,
)


def test_true_grid_samples_cover_every_mode_with_high_quality():
    grid = get_mixture_2d("grid")
    result = evaluate_mixture_2d(grid.sample(2500, seed=0), grid)
    assert result["modes_captured"] == 25 and result["num_modes"] == 25
    assert result["high_quality"] > 0.99  # 3 std in 2-D holds 98.9 %; the rest are rare
    assert result["reverse_kl"] < 0.01


def test_true_ring_samples_are_all_high_quality():
    ring = get_mixture_2d("ring")
    result = evaluate_mixture_2d(ring.sample(2500, seed=1), ring)
    assert result["modes_captured"] == 8 and result["high_quality"] > 0.98
    assert result["reverse_kl"] < 0.01


def test_samples_collapsed_onto_one_mean_capture_one_mode():
    grid = get_mixture_2d("grid")
    collapsed = np.tile(grid.means_array[7], (2500, 1)) + 0.01
    result = evaluate_mixture_2d(collapsed, grid)
    assert result["modes_captured"] == 1 and result["high_quality"] == 1.0
    np.testing.assert_allclose(result["reverse_kl"], math.log(25), rtol=1e-9)


def test_half_the_modes_and_off_mode_samples():
    ring = get_mixture_2d("ring")
    points, modes = ring.sample_with_modes(4000, seed=2)
    half = points[modes < 4]
    far = np.full((len(half), 2), 5.0)  # nowhere near a mode: low quality
    result = evaluate_mixture_2d(np.concatenate([half, far]), ring)
    assert result["modes_captured"] == 4
    np.testing.assert_allclose(result["high_quality"], 0.5, atol=0.01)
    np.testing.assert_allclose(result["reverse_kl"], math.log(2), atol=0.01)


def test_no_high_quality_sample_gives_infinite_kl_and_nan_counts_as_low_quality():
    grid = get_mixture_2d("grid")
    samples = np.array([[1.0, 1.0], [np.nan, 0.0], [np.inf, np.inf]])
    histogram = mode_histogram(samples, grid.means_array, grid.std)
    assert histogram.sum() == 0 and modes_captured(histogram) == 0
    assert high_quality_fraction(histogram, 3) == 0.0
    assert reverse_kl(histogram) == math.inf


def test_nearest_modes_and_threshold():
    means = np.array([[0.0, 0.0], [2.0, 0.0]])
    modes, distances = nearest_modes(np.array([[0.2, 0.0], [1.9, 0.0], [1.2, 0.0]]), means)
    np.testing.assert_array_equal(modes, [0, 1, 1])
    np.testing.assert_allclose(distances, [0.2, 0.1, 0.8])
    # 3 std of 0.1 = 0.3: the third point is too far from both.
    np.testing.assert_array_equal(
        mode_histogram([[0.2, 0.0], [1.9, 0.0], [1.2, 0.0]], means, 0.1), [1, 1]
    )


def test_reverse_kl_against_given_weights():
    np.testing.assert_allclose(reverse_kl(np.array([3, 1]), weights=np.array([0.75, 0.25])), 0.0)
    assert reverse_kl(np.array([1, 1, 0, 0])) == pytest.approx(math.log(2))


def test_non_2d_samples_are_rejected():
    with pytest.raises(ValueError, match=r"\(N, 2\) array.*2-D mixtures only"):
        evaluate_mixture_2d(np.zeros((10, 3)), get_mixture_2d("ring"))
