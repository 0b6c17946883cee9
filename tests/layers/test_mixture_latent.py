"""The mixture-of-Gaussians latent prior."""

import keras
import numpy as np
import pytest

from keras_gmgan.layers import MixtureLatent
from tests.conftest import to_numpy


def test_single_component_is_standard_normal():
    latent = MixtureLatent(latent_dim=4)
    z, k = latent.sample(20000, seed=keras.random.SeedGenerator(0))
    z = to_numpy(z)
    assert z.shape == (20000, 4) and np.all(to_numpy(k) == 0)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=0.03)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=0.03)


def test_components_are_picked_uniformly_and_sampled_around_their_means():
    means = np.array([[-5.0, 0.0], [0.0, 5.0], [5.0, 0.0]])
    latent = MixtureLatent(2, num_components=3, means=means, sigma=0.1)
    z, k = latent.sample(6000, seed=keras.random.SeedGenerator(1))
    z, k = to_numpy(z), to_numpy(k)
    np.testing.assert_allclose(np.bincount(k) / 6000, [1 / 3] * 3, atol=0.03)
    np.testing.assert_allclose(z, means[k], atol=0.6)
    np.testing.assert_allclose((z - means[k]).std(), 0.1, rtol=0.05)


def test_given_labels_are_respected():
    latent = MixtureLatent(3, num_components=4, c=1.0, seed=0)
    labels = np.array([3, 3, 0, 2])
    _, k = latent.sample(4, labels=labels, seed=keras.random.SeedGenerator(0))
    np.testing.assert_array_equal(to_numpy(k), labels)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"latent_dim": 0}, "latent_dim"),
        ({"latent_dim": 2, "num_components": 0}, "num_components"),
        ({"latent_dim": 2, "sigma": -1.0}, "sigma"),
        ({"latent_dim": 2, "num_components": 2, "means": np.zeros((3, 2))}, "means"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MixtureLatent(**kwargs)
