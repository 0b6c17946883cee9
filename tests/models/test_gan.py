"""The vanilla GAN trains with `fit` under the active backend."""

import keras
import numpy as np
import pytest

from keras_gmgan.models import GAN
from keras_gmgan.networks import (
    build_dcgan_discriminator,
    build_dcgan_generator,
    build_mlp_discriminator,
    build_mlp_generator,
)
from tests.conftest import to_numpy


def _tiny_gan(kind="mlp", seed=0):
    if kind == "mlp":
        generator = build_mlp_generator(16, (8, 8, 1), hidden_units=(32, 32))
        discriminator = build_mlp_discriminator((8, 8, 1), hidden_units=(32, 32))
    else:
        generator = build_dcgan_generator(16, (8, 8, 1), base_filters=4)
        discriminator = build_dcgan_discriminator((8, 8, 1), base_filters=4)
    gan = GAN(generator, discriminator, seed=seed)
    gan.compile()
    return gan


def _weights(model):
    return [np.array(w) for w in model.get_weights()]


@pytest.mark.parametrize("kind", ["mlp", "dcgan"])
def test_fit_trains_both_players(tiny_images, kind):
    gan = _tiny_gan(kind)
    g_before, d_before = _weights(gan.generator), _weights(gan.discriminator)

    history = gan.fit(tiny_images, batch_size=16, epochs=2, verbose=0)

    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    for values in history.history.values():
        assert len(values) == 2 and np.all(np.isfinite(values))
    assert 0 < history.history["d_real"][-1] < 1
    assert any(not np.allclose(a, b) for a, b in zip(g_before, _weights(gan.generator)))
    assert any(not np.allclose(a, b) for a, b in zip(d_before, _weights(gan.discriminator)))
    # Under JAX a second optimizer outside `model.optimizer` silently never updates.
    assert int(to_numpy(gan.d_optimizer.iterations)) == 8
    assert int(to_numpy(gan.g_optimizer.iterations)) == 8
    assert int(to_numpy(gan.optimizer.iterations)) == 8


def test_batch_norm_statistics_update_during_fit(tiny_images):
    gan = _tiny_gan("dcgan")
    moving_means = [w for w in gan.generator.non_trainable_weights if "moving_mean" in w.path]
    assert moving_means and all(np.all(to_numpy(w) == 0) for w in moving_means)
    gan.fit(tiny_images, batch_size=16, epochs=1, verbose=0)
    assert any(np.any(to_numpy(w) != 0) for w in moving_means)


def test_discriminator_learns_to_separate_real_from_fake():
    """A few hundred steps on a fixed point make D(x) rise and D(G(z)) fall: the loss moves."""
    data = np.full((256, 2), 3.0, dtype="float32")
    gan = GAN(
        build_mlp_generator(2, (2,), hidden_units=(16,), output_activation="linear"),
        build_mlp_discriminator((2,), hidden_units=(16,)),
        seed=0,
    )
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-4))
    history = gan.fit(data, batch_size=64, epochs=30, verbose=0).history
    assert history["d_loss"][-1] < history["d_loss"][0] - 0.3
    assert history["d_real"][-1] > history["d_fake"][-1]


def test_steps_per_epoch_and_callbacks(tiny_images):
    gan = _tiny_gan()
    seen = []
    callback = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs))
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    dataset_like = np.concatenate([tiny_images] * 4)
    gan.fit(
        dataset_like,
        batch_size=16,
        epochs=2,
        steps_per_epoch=3,
        verbose=0,
        callbacks=[callback, scheduler],
    )
    assert len(seen) == 2 and "g_loss" in seen[0]
    assert int(to_numpy(gan.g_optimizer.iterations)) == 6
    assert np.isclose(float(to_numpy(gan.d_optimizer.learning_rate)), 2e-4 * 0.25)


def test_same_seed_gives_same_first_step_losses(tiny_images):
    def first_step_losses():
        keras.utils.set_random_seed(7)
        gan = _tiny_gan(seed=3)
        history = gan.fit(tiny_images[:16], batch_size=16, epochs=1, verbose=0, shuffle=False)
        return history.history["d_loss"][0], history.history["g_loss"][0]

    first, second = first_step_losses(), first_step_losses()
    np.testing.assert_allclose(first, second, rtol=1e-6)


def test_generate_is_repeatable_and_shaped():
    gan = _tiny_gan()
    a, b = gan.generate(10, seed=5, batch_size=4), gan.generate(10, seed=5, batch_size=4)
    assert a.shape == (10, 8, 8, 1)
    np.testing.assert_allclose(a, b)
    assert np.all(np.abs(a) <= 1)
    assert not np.allclose(a, gan.generate(10, seed=6))


def test_one_optimizer_for_both_players_is_rejected():
    gan = _tiny_gan()
    optimizer = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="two optimizer instances"):
        gan.compile(d_optimizer=optimizer, g_optimizer=optimizer)


def test_save_and_load_restores_weights_and_both_optimizers(tiny_images, tmp_path):
    gan = _tiny_gan()
    gan.fit(tiny_images, batch_size=16, epochs=1, verbose=0)
    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, GAN)
    np.testing.assert_allclose(loaded.generate(6, seed=1), gan.generate(6, seed=1), atol=1e-6)
    for original, restored in (
        (gan.d_optimizer, loaded.d_optimizer),
        (gan.g_optimizer, loaded.g_optimizer),
    ):
        for a, b in zip(original.variables, restored.variables):
            np.testing.assert_allclose(to_numpy(a), to_numpy(b))
    loaded.fit(tiny_images, batch_size=16, epochs=1, verbose=0)
    assert int(to_numpy(loaded.g_optimizer.iterations)) == 8


@pytest.mark.parametrize(
    "kwargs, logs",
    [
        ({"loss": "hinge"}, {"d_loss", "g_loss", "d_real", "d_fake"}),
        ({"loss": "wasserstein", "lipschitz": "clip", "n_critic": 2}, None),
        ({"loss": "wgan-gp", "n_critic": 2}, {"d_loss", "g_loss", "d_real", "d_fake", "gp"}),
    ],
    ids=["hinge", "wasserstein-clip", "wgan-gp"],
)
def test_any_table_loss_trains_and_round_trips(tiny_images, tmp_path, kwargs, logs):
    from keras_gmgan.layers import MixtureLatent

    latent = MixtureLatent.dynamic(16, num_components=3, c=1.0, sigma=0.5, seed=0)
    gan = GAN(
        build_mlp_generator(16, (8, 8, 1), hidden_units=(8,)),
        build_mlp_discriminator((8, 8, 1), hidden_units=(8,)),
        latent,
        seed=0,
        **kwargs,
    )
    gan.compile()
    history = gan.fit(tiny_images[:32], batch_size=16, epochs=1, verbose=0).history
    assert set(history) == (logs or {"d_loss", "g_loss", "d_real", "d_fake"})
    assert all(np.isfinite(values[-1]) for values in history.values())
    # n_critic discriminator updates per generator update, two generator updates.
    assert int(to_numpy(gan.d_optimizer.iterations)) == 2 * gan.n_critic
    if kwargs.get("lipschitz") == "clip":
        assert all(np.abs(to_numpy(v)).max() <= 0.01 + 1e-7 for v in gan.discriminator.weights)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert type(loaded) is GAN
    assert (loaded.adversarial_loss, loaded.lipschitz, loaded.n_critic) == (
        gan.adversarial_loss,
        gan.lipschitz,
        gan.n_critic,
    )
    np.testing.assert_allclose(loaded.generate(4, seed=1), gan.generate(4, seed=1), atol=1e-6)


def test_gmgan_wgan_gp_and_wgan_gp_are_the_gan_step():
    from keras_gmgan.models import GMGAN, WGAN

    generator = build_mlp_generator(16, (8, 8, 1), hidden_units=(8,))
    discriminator = build_mlp_discriminator((8, 8, 1), hidden_units=(8,))
    gmgan = GMGAN(generator, discriminator, loss="wgan-gp")
    wgan = WGAN(generator, discriminator, lipschitz="gp")
    assert type(gmgan).train_step is GAN.train_step and type(wgan).train_step is GAN.train_step
    assert gmgan.lipschitz == wgan.lipschitz == "gp"
    assert gmgan.objective.discriminator is wgan.objective.discriminator
    assert (gmgan.critic_batches, wgan.critic_batches) == ("repeat", "split")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"loss": "lsgan"}, "Unknown adversarial loss 'lsgan'; choose one of bce, "),
        ({"loss": "wasserstein"}, "needs a Lipschitz discriminator"),
        ({"loss": "wgan-gp", "lipschitz": "clip"}, "comes with lipschitz='gp'"),
        ({"lipschitz": "spectral"}, "needs a critic built with spectrally normalised layers"),
        ({"critic_batches": "all"}, "critic_batches must be one of repeat, split"),
    ],
)
def test_bad_gan_settings_raise_one_line_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GAN(
            build_mlp_generator(16, (8, 8, 1), hidden_units=(8,)),
            build_mlp_discriminator((8, 8, 1), hidden_units=(8,)),
            **kwargs,
        )


class _BatchMean(keras.layers.Layer):
    """A custom layer that mixes samples: each row minus the batch's mean."""

    def call(self, x):
        return x - keras.ops.mean(x, axis=0, keepdims=True)


def _discriminator_with(layer):
    x = keras.Input((8, 8, 1))
    h = layer(keras.layers.Flatten()(x))
    return keras.Model(x, keras.layers.Dense(1)(h))


def _assert_scores_are_each_batchs_own(gan):
    """`gan._score(real, fake)` gives each batch the scores of a discriminator call of its own."""
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (6, 8, 8, 1)).astype("float32")
    fake = rng.uniform(-1, 1, (6, 8, 8, 1)).astype("float32")
    for batch, scores in zip((real, fake), gan._score(real, fake)):
        own = gan.discriminator(batch, training=True)
        np.testing.assert_allclose(to_numpy(scores), to_numpy(own), atol=1e-5)


@pytest.mark.parametrize("kind", ["mlp", "dcgan"])
def test_real_and_fake_are_scored_in_one_call_with_their_own_scores(kind):
    """The shipped discriminators map each sample alone, so one call scores both batches,
    and each sample gets the score it gets in a call of its own."""
    gan = _tiny_gan(kind)
    assert gan._scores_in_one_call
    _assert_scores_are_each_batchs_own(gan)


class _CenteringDiscriminator(keras.Model):
    """A subclassed model of per-sample layers whose own call mixes samples."""

    def __init__(self):
        super().__init__()
        self.flatten = keras.layers.Flatten()
        self.score = keras.layers.Dense(1)

    def call(self, x):
        h = self.flatten(x)
        return self.score(h - keras.ops.mean(h, axis=0, keepdims=True))


@pytest.mark.parametrize(
    "discriminator",
    [
        lambda: _discriminator_with(keras.layers.BatchNormalization()),
        lambda: _discriminator_with(_BatchMean()),
        _CenteringDiscriminator,
    ],
    ids=["batch_norm", "custom_layer", "subclassed_model"],
)
def test_a_discriminator_that_mixes_samples_scores_real_and_fake_apart(discriminator):
    generator = build_mlp_generator(16, (8, 8, 1), hidden_units=(32,))
    gan = GAN(generator, discriminator(), seed=0)
    assert not gan._scores_in_one_call
    _assert_scores_are_each_batchs_own(gan)
