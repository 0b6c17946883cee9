"""The 2-D mixtures: the published mode layouts, seeded sampling, clear errors."""

import numpy as np
import pytest

from keras_gmgan.datasets import MIXTURES_2D, Mixture2D, get_mixture_2d, load_mixture_2d


def test_the_three_published_layouts():
    ring, grid, two = (get_mixture_2d(n) for n in ("ring", "grid", "two_modes"))
    assert (ring.num_modes, ring.std) == (8, 0.01)
    np.testing.assert_allclose(np.linalg.norm(ring.means_array, axis=1), 1.0)
    np.testing.assert_allclose(ring.means_array[2], [0.0, 1.0], atol=1e-12)
    assert (grid.num_modes, grid.std) == (25, 0.05)
    assert set(map(tuple, grid.means_array.tolist())) == {
        (float(x), float(y)) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)
    }
    assert two.means == ((0.0, 0.0), (2.0, 0.0)) and two.std == 0.5
    assert set(MIXTURES_2D) == {"ring", "grid", "two_modes"}


def test_samples_are_float32_seeded_and_spread_over_the_modes():
    grid = get_mixture_2d("grid")
    points, modes = grid.sample_with_modes(5000, seed=3)
    assert points.shape == (5000, 2) and points.dtype == np.float32
    np.testing.assert_array_equal(points, grid.sample(5000, seed=3))
    assert not np.array_equal(points, grid.sample(5000, seed=4))
    assert set(np.unique(modes)) == set(range(25))
    offsets = points - grid.means_array[modes]
    np.testing.assert_allclose(offsets.std(axis=0), 0.05, rtol=0.05)
    np.testing.assert_allclose(offsets.mean(axis=0), 0.0, atol=0.005)


def test_load_gives_disjoint_train_and_test_sets():
    x_train, x_test = load_mixture_2d("ring", num_train=1000, num_test=200, seed=0)
    assert x_train.shape == (1000, 2) and x_test.shape == (200, 2)
    assert not np.isin(x_test[:, 0], x_train[:, 0]).any()
    np.testing.assert_array_equal(x_test, load_mixture_2d("ring", 1000, 200, seed=0)[1])


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="Unknown 2-D mixture 'rings'.*grid, ring, two_modes"):
        get_mixture_2d("rings")


def test_bad_mixtures_are_rejected():
    with pytest.raises(ValueError, match=r"\(x, y\) pairs"):
        Mixture2D("bad", ((0.0, 0.0, 0.0),), 0.1)
    with pytest.raises(ValueError, match="std must be positive"):
        Mixture2D("bad", ((0.0, 0.0),), 0.0)
    mixture = Mixture2D("mine", [[0, 0], [1, 1]], 0.1)
    assert mixture.means == ((0.0, 0.0), (1.0, 1.0)) and hash(mixture)
