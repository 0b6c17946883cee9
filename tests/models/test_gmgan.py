"""The unsupervised GM-GAN: static and dynamic mixture priors, BCE and WGAN-GP objectives."""

import keras
import numpy as np
import pytest

from keras_gmgan import losses
from keras_gmgan.backend import minimize
from keras_gmgan.layers import MixtureLatent
from keras_gmgan.models import GMGAN
from keras_gmgan.networks import build_mlp_discriminator, build_mlp_generator
from tests.conftest import to_numpy


def _tiny_gmgan(dynamic=False, seed=0, **kwargs):
    latent = MixtureLatent(
        4,
        num_components=3,
        c=1.0,
        sigma=0.3,
        per_dimension_sigma=dynamic,
        trainable_means=dynamic,
        trainable_sigma=dynamic,
        seed=seed,
        name="latent",
    )
    model = GMGAN(
        build_mlp_generator(4, (8, 8, 1), hidden_units=(16,)),
        build_mlp_discriminator((8, 8, 1), hidden_units=(16,)),
        latent,
        seed=seed,
        **kwargs,
    )
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
    return model


def _values(variables):
    return [to_numpy(v).copy() for v in variables]


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_fit_keeps_a_static_prior_and_learns_a_dynamic_one(tiny_images, dynamic):
    model = _tiny_gmgan(dynamic=dynamic)
    prior_before = _values(model.latent.weights)
    generator_before = _values(model.generator.weights)

    history = model.fit(tiny_images, batch_size=16, epochs=1, verbose=0).history

    assert all(np.isfinite(v[-1]) for v in history.values())
    assert any(
        not np.allclose(a, b) for a, b in zip(generator_before, _values(model.generator.weights))
    )
    means, log_sigma, weights = _values(model.latent.weights)
    np.testing.assert_array_equal(weights, prior_before[2])
    if dynamic:
        assert not np.allclose(means, prior_before[0]) and np.all(np.isfinite(means))
        assert not np.allclose(log_sigma, prior_before[1]) and np.all(np.isfinite(log_sigma))
        assert np.all(to_numpy(model.latent.sigmas) > 0)
    else:
        np.testing.assert_array_equal(means, prior_before[0])
        np.testing.assert_array_equal(log_sigma, prior_before[1])


def test_generator_loss_gradients_reach_a_dynamic_prior_and_are_finite():
    """One SGD step with learning rate 1 moves each variable by minus its gradient."""
    model = _tiny_gmgan(dynamic=True)
    labels, noise = model.latent.sample_noise(32, seed=keras.random.SeedGenerator(0))

    def generator_loss():
        fake = model.generator(model.latent((labels, noise)), training=True)
        return losses.generator_non_saturating(model.discriminator(fake)), ()

    before = _values(model.latent.trainable_variables)
    minimize(generator_loss, model.latent.trainable_variables, keras.optimizers.SGD(1.0))
    for name, old, new in zip(
        ("means", "log_sigma"), before, _values(model.latent.trainable_variables)
    ):
        gradient = old - new
        assert np.all(np.isfinite(gradient)), name
        used = np.unique(to_numpy(labels))
        assert np.all(np.abs(gradient[used]).sum(axis=1) > 0), name
    assert any(v is model.latent.means for v in model.generator_variables)
    assert _tiny_gmgan(dynamic=False).latent.trainable_variables == []


def test_generate_with_zero_sigma_scale_maps_the_component_means():
    model = _tiny_gmgan()
    images = model.generate(6, labels=[0, 1, 2, 2, 1, 0], sigma_scale=0.0, seed=1)
    means = to_numpy(model.latent.means)[[0, 1, 2, 2, 1, 0]]
    np.testing.assert_allclose(images, to_numpy(model.generator(means)), atol=1e-6)
    spread = lambda s: model.generate(200, labels=0, sigma_scale=s, seed=2).std(axis=0).mean()  # noqa: E731
    assert spread(0.1) < spread(1.0) < spread(3.0)
    with pytest.raises(ValueError, match=r"in \[0, 2\]"):
        model.generate(2, labels=3)


def test_wgan_gp_trains_the_critic_n_critic_times_and_logs_the_penalty(tiny_images):
    model = _tiny_gmgan(dynamic=True, loss="wgan-gp", n_critic=3, gp_weight=5.0)
    history = model.fit(tiny_images, batch_size=16, epochs=1, verbose=0).history
    assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake", "gp"}
    assert all(np.isfinite(v[-1]) for v in history.values())
    assert history["gp"][-1] > 0
    assert int(to_numpy(model.g_optimizer.iterations)) == 4
    assert int(to_numpy(model.d_optimizer.iterations)) == 12


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"loss": "hinge"}, "loss must be one of"),
        ({"n_critic": 5}, "n_critic=5 needs loss='wgan-gp'"),
        ({"loss": "wgan-gp", "n_critic": 0}, "n_critic must be a positive integer"),
        ({"loss": "wgan-gp", "gp_weight": -1.0}, "gp_weight"),
    ],
)
def test_bad_gmgan_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _tiny_gmgan(**kwargs)


@pytest.mark.parametrize(
    "kwargs", [{}, {"dynamic": True}, {"dynamic": True, "loss": "wgan-gp", "n_critic": 2}]
)
def test_save_and_load_keeps_the_prior_and_the_samples(tmp_path, kwargs):
    model = _tiny_gmgan(**kwargs)
    # Move the prior away from its initial values: only the weights file can restore them.
    model.latent.means.assign(np.random.default_rng(0).normal(size=(3, 4)).astype("float32"))
    path = tmp_path / "gmgan.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, GMGAN)
    assert loaded.get_config()["loss"] == model.adversarial_loss
    assert loaded.n_critic == model.n_critic and loaded.gp_weight == model.gp_weight
    for a, b in zip(model.latent.weights, loaded.latent.weights):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    np.testing.assert_allclose(
        loaded.generate(8, seed=3, sigma_scale=0.5),
        model.generate(8, seed=3, sigma_scale=0.5),
        atol=1e-6,
    )
