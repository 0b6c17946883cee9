"""SpectralDense: W / σ(W) in every call, σ by power iteration, gradients through σ."""

import keras
import numpy as np
import pytest

from keras_gmgan.backend import minimize
from keras_gmgan.layers import SpectralDense
from tests.conftest import to_numpy


def _layer(seed=0):
    layer = SpectralDense(4, use_bias=True)
    layer.build((None, 6))
    rng = np.random.default_rng(seed)
    layer.kernel.assign(rng.normal(0, 2.0, (6, 4)).astype("float32"))
    layer.bias.assign(rng.normal(size=4).astype("float32"))
    return layer


def test_the_effective_kernel_has_spectral_norm_one_after_power_iterations():
    layer = _layer()
    x = np.eye(6, dtype="float32")
    for _ in range(30):
        layer(x, training=True)
    kernel = to_numpy(layer.kernel)
    effective = kernel / np.linalg.svd(kernel, compute_uv=False)[0]
    np.testing.assert_allclose(to_numpy(layer.normalized_kernel()), effective, rtol=1e-4, atol=1e-5)
    # Inference uses the same normalised kernel and does not move u.
    u = to_numpy(layer.vector_u).copy()
    out = to_numpy(layer(x))
    np.testing.assert_allclose(out, x @ effective + to_numpy(layer.bias), rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(to_numpy(layer.vector_u), u)
    # The stored kernel stays the raw weights.
    assert np.linalg.svd(kernel, compute_uv=False)[0] > 2.0


def test_gradient_flows_through_sigma():
    """Scaling W leaves W / σ(W) unchanged, so the gradient has no component along W."""
    layer = _layer(1)
    x = np.random.default_rng(2).normal(size=(8, 6)).astype("float32")
    for _ in range(30):
        layer(x, training=True)
    before = to_numpy(layer.kernel).copy()
    minimize(
        lambda: (keras.ops.sum(layer(x) ** 2), ()),
        [layer.kernel],
        keras.optimizers.SGD(learning_rate=1e-3),
    )
    step = to_numpy(layer.kernel) - before
    assert np.abs(step).max() > 0
    cosine = np.sum(step * before) / (np.linalg.norm(step) * np.linalg.norm(before))
    assert abs(cosine) < 1e-3


def test_config_round_trip_and_bad_power_iterations():
    layer = SpectralDense(3, power_iterations=2, activation="relu")
    clone = SpectralDense.from_config(layer.get_config())
    assert clone.power_iterations == 2 and clone.units == 3
    with pytest.raises(ValueError, match="power_iterations must be >= 1"):
        SpectralDense(3, power_iterations=0)
