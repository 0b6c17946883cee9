"""WGAN: each Lipschitz method holds after real training steps, on every backend."""

import keras
import numpy as np
import pytest

from keras_gmgan.datasets import get_mixture_2d
from keras_gmgan.models import WGAN
from keras_gmgan.models.wgan import _chunk, spectral_normalization_layers
from keras_gmgan.networks import build_toy_2d_discriminator, build_toy_2d_generator
from tests.conftest import to_numpy

HIDDEN = (16, 16)


@pytest.fixture
def points():
    return get_mixture_2d("two_modes").sample(128, seed=0)


def _wgan(lipschitz="gp", n_critic=2, **kwargs):
    wgan = WGAN(
        build_toy_2d_generator(2, hidden_units=HIDDEN),
        build_toy_2d_discriminator(HIDDEN, spectral_norm=lipschitz == "spectral"),
        lipschitz=lipschitz,
        n_critic=n_critic,
        seed=0,
        **kwargs,
    )
    wgan.compile(
        d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.0, beta_2=0.9),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.9),
    )
    return wgan


def _largest_singular_value(kernel):
    return float(np.linalg.svd(np.asarray(kernel, dtype="float64"), compute_uv=False)[0])


def test_clipping_keeps_every_critic_weight_within_the_bound(points):
    wgan = _wgan("clip", clip_value=0.05)
    # Start far outside the box, so a step without clipping would show.
    rng = np.random.default_rng(0)
    for variable in wgan.discriminator.trainable_variables:
        variable.assign(rng.normal(0.0, 3.0, variable.shape).astype("float32"))
    history = wgan.fit(points, batch_size=64, epochs=1, verbose=0).history

    assert set(history) == {"d_loss", "g_loss", "wasserstein"}
    weights = [to_numpy(v) for v in wgan.discriminator.trainable_variables]
    assert all(np.all(np.abs(w) <= 0.05 + 1e-7) for w in weights)
    assert all(np.isclose(np.abs(w).max(), 0.05) for w in weights)  # clipped, not reset
    # n_critic critic updates per generator update, both threaded through `fit`.
    assert int(to_numpy(wgan.d_optimizer.iterations)) == 4
    assert int(to_numpy(wgan.g_optimizer.iterations)) == 2


def test_spectral_normalisation_keeps_each_kernel_at_spectral_norm_one(points):
    wgan = _wgan("spectral")
    kernels_before = [to_numpy(layer.kernel) for layer in wgan._spectral_layers]
    assert len(kernels_before) == 3
    assert max(_largest_singular_value(k) for k in kernels_before) > 1.2

    history = wgan.fit(points, batch_size=64, epochs=3, verbose=0).history

    assert np.all(np.isfinite(history["wasserstein"]))
    for layer, before in zip(wgan._spectral_layers, kernels_before):
        assert not np.allclose(to_numpy(layer.kernel), before)
    # The kernel every call uses is the raw one divided by the power-iteration estimate of its
    # spectral norm (one iteration per training call), which converges to the exact one.
    for _ in range(50):
        wgan.discriminator(points[:8], training=True)
    for layer in wgan._spectral_layers:
        effective = to_numpy(layer.normalized_kernel())
        np.testing.assert_allclose(_largest_singular_value(effective), 1.0, atol=0.01)


def test_gradient_penalty_logged_in_the_step_is_zero_for_a_1_lipschitz_critic(points):
    """A linear critic f(x) = w·x has ‖∇f‖ = ‖w‖: penalty (‖w‖ − 1)² and d_loss −W + λ·gp."""
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    wgan = WGAN(build_toy_2d_generator(2, HIDDEN), critic, n_critic=1, gp_weight=10.0)
    wgan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))

    def first_step_logs(norm):
        critic.layers[0].kernel.assign(np.array([[0.6], [0.8]], dtype="float32") * norm)
        return wgan.fit(points, batch_size=64, epochs=1, steps_per_epoch=1, verbose=0).history

    flat = first_step_logs(1.0)
    assert abs(flat["gp"][0]) < 1e-6
    np.testing.assert_allclose(flat["d_loss"][0], -flat["wasserstein"][0], atol=1e-5)
    steep = first_step_logs(3.0)
    np.testing.assert_allclose(steep["gp"][0], 4.0, rtol=1e-4)
    np.testing.assert_allclose(steep["d_loss"][0], -steep["wasserstein"][0] + 40.0, rtol=1e-4)


def test_gp_training_lowers_the_penalty_and_raises_the_estimate(points):
    wgan = _wgan("gp", n_critic=3)
    data = np.concatenate([points] * 4)
    history = wgan.fit(data, batch_size=96, epochs=4, verbose=0).history
    assert history["gp"][-1] < history["gp"][0]
    assert history["wasserstein"][-1] > history["wasserstein"][0]


def test_each_critic_step_gets_its_own_chunk_of_the_batch():
    batch = keras.ops.convert_to_tensor(np.arange(10, dtype="float32")[:, None])
    chunks = [to_numpy(_chunk(batch, i, 3))[:, 0].tolist() for i in range(3)]
    assert chunks == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    # A batch smaller than n_critic is reused rather than left empty.
    short = keras.ops.convert_to_tensor(np.arange(2, dtype="float32")[:, None])
    assert [to_numpy(_chunk(short, i, 1))[:, 0].tolist() for i in range(3)] == [[0], [1], [0]]


def test_save_and_load_round_trip(points, tmp_path):
    wgan = _wgan("spectral", n_critic=3, clip_value=0.02, gp_weight=5.0)
    wgan.fit(points, batch_size=96, epochs=1, verbose=0)
    path = tmp_path / "wgan.keras"
    wgan.save(path)
    loaded = keras.models.load_model(path)

    assert isinstance(loaded, WGAN)
    assert (loaded.lipschitz, loaded.n_critic, loaded.clip_value, loaded.gp_weight) == (
        "spectral",
        3,
        0.02,
        5.0,
    )
    assert len(spectral_normalization_layers(loaded.discriminator)) == 3
    np.testing.assert_allclose(loaded.generate(20, seed=1), wgan.generate(20, seed=1), atol=1e-6)
    for a, b in zip(wgan.d_optimizer.variables, loaded.d_optimizer.variables):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b))
    assert int(to_numpy(loaded.g_optimizer.iterations)) == 2


def test_default_optimizers_are_the_wgan_gp_adam():
    wgan = WGAN(build_toy_2d_generator(2, HIDDEN), build_toy_2d_discriminator(HIDDEN))
    wgan.compile()
    assert wgan.lipschitz == "gp" and wgan.n_critic == 5
    for optimizer in (wgan.d_optimizer, wgan.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.Adam)
        assert float(to_numpy(optimizer.learning_rate)) == pytest.approx(1e-4)
        assert (optimizer.beta_1, optimizer.beta_2) == (0.0, 0.9)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"lipschitz": "weight_clip"}, "Unknown lipschitz='weight_clip'; choose one of clip"),
        ({"n_critic": 0}, "n_critic must be a positive integer"),
        ({"n_critic": 2.5}, "n_critic must be a positive integer"),
        ({"clip_value": 0.0}, "clip_value must be positive"),
        ({"gp_weight": -1.0}, "gp_weight must be >= 0"),
        ({"lipschitz": "spectral"}, "needs a critic built with spectrally normalised layers"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WGAN(build_toy_2d_generator(2, HIDDEN), build_toy_2d_discriminator(HIDDEN), **kwargs)
