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


def test_sigma_scale_scales_every_components_spread():
    means = np.array([[-2.0, 0.0, 1.0], [3.0, 1.0, -1.0]])
    latent = MixtureLatent(3, num_components=2, means=means, sigma=0.4, per_dimension_sigma=True)
    spreads = {}
    for scale in (0.5, 1.0, 2.0):
        z, k = latent.sample(4000, seed=keras.random.SeedGenerator(3), sigma_scale=scale)
        spreads[scale] = to_numpy(z) - means[to_numpy(k)]
    # Same seed, same noise: the offsets from the means scale exactly.
    np.testing.assert_allclose(spreads[0.5], 0.5 * spreads[1.0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(spreads[2.0], 2.0 * spreads[1.0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(spreads[2.0].std(axis=0), 0.8, rtol=0.05)


def test_static_weights_are_fixed_and_dynamic_ones_trainable_with_positive_sigma():
    static = MixtureLatent(4, num_components=3, c=0.1, sigma=0.15)
    assert static.trainable_variables == []
    dynamic = MixtureLatent(
        4,
        num_components=3,
        sigma=1.4,
        per_dimension_sigma=True,
        trainable_means=True,
        trainable_sigma=True,
    )
    assert {v.name for v in dynamic.trainable_variables} == {"means", "log_sigma"}
    assert tuple(dynamic.sigmas.shape) == (3, 4)
    np.testing.assert_allclose(to_numpy(dynamic.sigmas), 1.4, rtol=1e-6)
    dynamic.log_sigma.assign(np.full((3, 4), -50.0, dtype="float32"))
    assert np.all(to_numpy(dynamic.sigmas) > 0)


def test_full_covariance_samples_follow_the_cholesky_factors_and_weights():
    scale_tril = np.array([[[1.0, 0.0], [0.8, 0.5]], [[0.3, 0.0], [-0.2, 0.2]]])
    means = np.array([[0.0, 0.0], [10.0, 10.0]])
    latent = MixtureLatent(
        2,
        num_components=2,
        covariance="full",
        means=means,
        scale_tril=scale_tril,
        mixture_weights=[3.0, 1.0],
    )
    z, k = latent.sample(20000, seed=keras.random.SeedGenerator(0))
    z, k = to_numpy(z), to_numpy(k)
    np.testing.assert_allclose(np.bincount(k) / len(k), [0.75, 0.25], atol=0.02)
    for component in range(2):
        expected = scale_tril[component] @ scale_tril[component].T
        np.testing.assert_allclose(np.cov(z[k == component].T), expected, atol=0.05)
    np.testing.assert_allclose(
        to_numpy(latent.covariances), scale_tril @ scale_tril.transpose(0, 2, 1), rtol=1e-6
    )


def test_config_holds_no_weights_and_restores_the_layer_with_its_weights():
    latent = MixtureLatent(
        3,
        num_components=2,
        covariance="full",
        means=np.ones((2, 3)),
        scale_tril=np.stack([np.eye(3), 2 * np.eye(3)]),
        mixture_weights=[0.2, 0.8],
        name="p",
    )
    config = latent.get_config()
    assert config["covariance"] == "full"
    assert not {"means", "scale_tril", "mixture_weights"} & set(config)
    clone = MixtureLatent.from_config(config)
    assert [v.name for v in clone.weights] == [v.name for v in latent.weights]
    clone.set_weights(latent.get_weights())
    a, _ = latent.sample(50, seed=keras.random.SeedGenerator(9))
    b, _ = clone.sample(50, seed=keras.random.SeedGenerator(9))
    np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"covariance": "spherical"}, "covariance must be one of"),
        ({"covariance": "full", "trainable_sigma": True}, "trainable_sigma=False"),
        ({"scale_tril": np.zeros((1, 2, 2))}, "scale_tril needs covariance='full'"),
        ({"covariance": "full", "scale_tril": np.zeros((2, 2))}, "scale_tril must have shape"),
        ({"mixture_weights": [-1.0]}, "mixture_weights"),
    ],
)
def test_bad_covariance_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MixtureLatent(2, **kwargs)


def test_paper_presets():
    normal = MixtureLatent.standard_normal(4)
    assert (normal.num_components, normal.c, normal.sigma) == (1, 0.0, 1.0)
    static = MixtureLatent.static(4, num_components=10, c=0.467, sigma=0.7, seed=0)
    dynamic = MixtureLatent.dynamic(4, num_components=10, c=0.467, sigma=0.7, seed=0)
    assert not static.trainable_weights and not normal.trainable_weights
    assert {w.name for w in dynamic.trainable_weights} == {"means", "log_sigma"}
    # Same seed, same means: the dynamic prior starts where the static one stays.
    np.testing.assert_array_equal(to_numpy(static.means), to_numpy(dynamic.means))
    assert np.abs(to_numpy(static.means)).max() <= 0.467


def test_labels_is_the_deprecated_name_of_components():
    latent = MixtureLatent(3, num_components=4, c=1.0, seed=0)
    with pytest.warns(DeprecationWarning, match="components="):
        _, k = latent.sample(3, labels=[1, 2, 3], seed=keras.random.SeedGenerator(0))
    np.testing.assert_array_equal(to_numpy(k), [1, 2, 3])
    with pytest.raises(ValueError, match="once"):
        latent.sample(3, components=[1, 2, 3], labels=[1, 2, 3])
