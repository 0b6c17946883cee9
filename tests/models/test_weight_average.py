"""The generator's moving average (`ema_decay`): updates, sampling, saving and resuming."""

import keras
import numpy as np
import pytest

from keras_gmgan.layers import MixtureLatent
from keras_gmgan.models import GAN, GMGAN, WGAN, SupervisedGMGAN
from keras_gmgan.models.weight_average import WeightAverage
from keras_gmgan.networks import build_mlp_discriminator, build_mlp_generator
from tests.conftest import to_numpy

SHAPE = (8, 8, 1)


def _networks(outputs=1):
    return (
        build_mlp_generator(4, SHAPE, hidden_units=(16,)),
        build_mlp_discriminator(SHAPE, hidden_units=(16,), num_outputs=outputs),
    )


def _model(kind="gan", ema_decay=0.5, seed=0):
    keras.utils.set_random_seed(seed)  # the same initial weights for the same seed
    if kind == "gan":
        model = GAN(*_networks(), seed=seed, ema_decay=ema_decay)
    elif kind == "wgan":
        model = WGAN(*_networks(), lipschitz="clip", n_critic=2, seed=seed, ema_decay=ema_decay)
    else:
        latent = MixtureLatent(
            4, num_components=3, c=1.0, sigma=0.5, trainable_means=True, trainable_sigma=True,
            seed=seed, name="latent",
        )  # fmt: skip
        if kind == "gmgan-dynamic":
            model = GMGAN(*_networks(), latent, seed=seed, ema_decay=ema_decay)
        else:
            model = SupervisedGMGAN(*_networks(outputs=4), latent, seed=seed, ema_decay=ema_decay)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
    return model


def _data(n=64):
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (n, *SHAPE)).astype("float32"), np.arange(n) % 3


class _GeneratorValues(keras.callbacks.Callback):
    """Records the generator player's variables after every step (the EMA's inputs)."""

    def __init__(self):
        super().__init__()
        self.values = []

    def on_train_begin(self, logs=None):
        self.values.append([to_numpy(v) for v in self.model.generator_variables])

    def on_train_batch_end(self, batch, logs=None):
        self.values.append([to_numpy(v) for v in self.model.generator_variables])


def _reference_average(values, decay):
    """The documented formula in NumPy: a_t = d_t a_(t-1) + (1 - d_t) w_t, a_0 = w_0."""
    average = [np.array(v, dtype="float64") for v in values[0]]
    for step, weights in enumerate(values[1:], start=1):
        d = min(decay, (1 + step) / (10 + step))
        average = [d * a + (1 - d) * w for a, w in zip(average, weights)]
    return average


def _fit(model, x, y, steps, callbacks=()):
    kind_uses_labels = isinstance(model, SupervisedGMGAN)
    return model.fit(
        x[: 16 * steps],
        y[: 16 * steps] if kind_uses_labels else None,
        batch_size=16,
        epochs=1,
        shuffle=False,
        verbose=0,
        callbacks=list(callbacks),
    )


def test_the_average_follows_the_decay_formula_step_by_step():
    """decay 0.5: the first 8 steps use the warm-up decay (1+t)/(10+t), the rest 0.5."""
    model = _model("gan", ema_decay=0.5)
    x, y = _data()
    recorder = _GeneratorValues()
    _fit(model, x, y, steps=4, callbacks=[recorder])
    _fit(model, np.concatenate([x, x]), y, steps=8, callbacks=[recorder])
    values = recorder.values[:5] + recorder.values[6:]  # the second fit's start repeats step 4
    assert len(values) == 13
    expected = _reference_average(values, 0.5)
    for average, reference in zip(model.generator_average.averages, expected):
        np.testing.assert_allclose(to_numpy(average), reference, rtol=1e-5, atol=1e-6)
    # The average lags the trained weights.
    assert not np.allclose(to_numpy(model.generator_average.averages[0]), values[-1][0])


@pytest.mark.parametrize("kind", ["wgan", "gmgan-dynamic", "gmgan-supervised"])
def test_every_model_updates_the_average_after_its_generator_step(kind):
    model = _model(kind, ema_decay=0.9)
    x, y = _data()
    recorder = _GeneratorValues()
    _fit(model, x, y, steps=2, callbacks=[recorder])
    expected = _reference_average(recorder.values, 0.9)
    averaged = model.generator_variables
    assert len(model.generator_average.averages) == len(averaged)
    if kind != "wgan":  # the learned means and σ are averaged with the generator
        assert any(v is model.latent.means for v in averaged)
    for average, reference in zip(model.generator_average.averages, expected):
        np.testing.assert_allclose(to_numpy(average), reference, rtol=1e-5, atol=1e-6)


def _outputs_with(model, values, n, seed):
    """What the generator makes from generate's latents with the given trainable values."""
    z, _ = model.latent.sample_numpy(n, np.random.default_rng(seed))
    generator = model.generator
    trainable = values[: len(generator.trainable_variables)]
    outputs, _ = generator.stateless_call(
        trainable, [v.value for v in generator.non_trainable_variables], z, training=False
    )
    return to_numpy(outputs)


def test_generate_samples_the_average_unless_raw_weights_are_asked_for():
    model = _model("gan", ema_decay=0.9)
    x, y = _data()
    _fit(model, x, y, steps=4)
    raw = [to_numpy(v) for v in model.generator_variables]
    averages = [to_numpy(v) for v in model.generator_average.averages]

    default = model.generate(10, seed=3)
    np.testing.assert_allclose(model.generate(10, seed=3, weights="ema"), default)
    np.testing.assert_allclose(default, _outputs_with(model, averages, 10, 3), atol=1e-5)
    raw_samples = model.generate(10, seed=3, weights="raw")
    np.testing.assert_allclose(raw_samples, _outputs_with(model, raw, 10, 3), atol=1e-5)
    assert np.abs(default - raw_samples).max() > 1e-3
    # Sampling leaves the trained weights in place.
    for variable, value in zip(model.generator_variables, raw):
        np.testing.assert_array_equal(to_numpy(variable), value)
    # An enclosing choice holds for the calls inside it.
    with model.sampling_weights("raw"):
        np.testing.assert_allclose(model.generate(10, seed=3), raw_samples)
    with pytest.raises(ValueError, match="weights must be one of ema, raw"):
        model.generate(2, weights="average")


def test_a_model_without_an_average_samples_its_weights_and_refuses_ema():
    model = _model("gan", ema_decay=None)
    assert model.generator_average is None and model.get_config()["ema_decay"] is None
    np.testing.assert_allclose(model.generate(4, seed=1), model.generate(4, seed=1, weights="raw"))
    with pytest.raises(ValueError, match="keeps no moving average"):
        model.generate(4, weights="ema")
    with pytest.raises(ValueError, match="ema_decay must lie in"):
        _model("gan", ema_decay=1.0)


def test_the_average_is_saved_reloaded_and_resumed_exactly(tmp_path):
    x, y = _data()
    straight = _model("gan", ema_decay=0.5)
    _fit(straight, x, y, steps=4)

    first = _model("gan", ema_decay=0.5)
    _fit(first, x, y, steps=2)
    path = tmp_path / "gan.keras"
    first.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.get_config()["ema_decay"] == 0.5
    for a, b in zip(first.generator_average.averages, loaded.generator_average.averages):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    np.testing.assert_allclose(loaded.generate(6, seed=2), first.generate(6, seed=2), atol=1e-6)
    np.testing.assert_allclose(
        loaded.generate(6, seed=2, weights="raw"), first.generate(6, seed=2, weights="raw"),
        atol=1e-6,
    )  # fmt: skip

    _fit(loaded, x[32:], y[32:], steps=2)
    for a, b in zip(straight.generator_average.averages, loaded.generator_average.averages):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loaded.generate(6, seed=2), straight.generate(6, seed=2), atol=1e-5)


def test_reset_restarts_the_average_from_the_weights():
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    average = WeightAverage(keras.layers.Layer(), layer.trainable_variables, 0.9, name="avg")
    layer.kernel.assign(np.ones((3, 2)))
    assert not np.allclose(to_numpy(average.averages[0]), 1.0)
    average.reset()
    np.testing.assert_array_equal(to_numpy(average.averages[0]), np.ones((3, 2)))


def test_a_copy_with_a_new_prior_keeps_the_generator_average():
    from keras_gmgan.models import with_latent

    model = _model("gan", ema_decay=0.9)
    x, y = _data()
    _fit(model, x, y, steps=3)
    prior = MixtureLatent(4, num_components=2, c=0.5, sigma=0.7, seed=1, name="latent")
    copy = with_latent(model, prior)
    for a, b in zip(copy.generator_average.averages, model.generator_average.averages):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    z, _ = prior.sample_numpy(5, np.random.default_rng(4))
    averages = [to_numpy(v) for v in model.generator_average.averages]
    expected, _ = model.generator.stateless_call(averages, [], z, training=False)
    np.testing.assert_allclose(copy.generate(5, seed=4), to_numpy(expected), atol=1e-5)
