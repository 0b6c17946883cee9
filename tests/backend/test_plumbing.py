"""The backend plumbing: minimise, input gradients (first and second order)."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_gmgan.backend import input_gradient, minimize
from tests.conftest import to_numpy


def _finite_difference(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        grad[index] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def _cubic(x):
    """A smooth non-linear scalar function: Σ x³ + sin(x)·x."""
    return ops.sum(x**3 + ops.sin(x) * x)


def test_input_gradient_matches_finite_differences():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    analytic = to_numpy(input_gradient(_cubic, ops.convert_to_tensor(x, "float32")))
    reference = _finite_difference(lambda v: np.sum(v**3 + np.sin(v) * v), x)
    np.testing.assert_allclose(analytic, reference, rtol=1e-4, atol=1e-4)


def test_input_gradient_is_differentiable_again():
    """The gradient-penalty case: minimise a loss built from an input gradient.

    For f_w(x) = Σ w·x³, ∂f/∂x = 3 w x², and the penalty Σ (∂f/∂x)² = Σ 9 w² x⁴ has
    d/dw = 18 w x⁴. One SGD step with learning rate 1 moves w by exactly that.
    """
    w = keras.Variable(np.array([0.7, -0.4], dtype="float32"))
    x = ops.convert_to_tensor(np.array([1.1, 0.6], dtype="float32"))

    def penalty():
        grad = input_gradient(lambda v: ops.sum(w * v**3), x)
        return ops.sum(grad**2), grad

    w0 = to_numpy(w).astype("float64")
    x64 = np.array([1.1, 0.6])
    loss, grad = minimize(penalty, [w], keras.optimizers.SGD(learning_rate=1.0))
    np.testing.assert_allclose(to_numpy(grad), 3 * w0 * x64**2, rtol=1e-5)
    np.testing.assert_allclose(float(to_numpy(loss)), np.sum(9 * w0**2 * x64**4), rtol=1e-5)
    expected_w = w0 - 18 * w0 * x64**4
    np.testing.assert_allclose(to_numpy(w), expected_w, rtol=1e-5)


def test_minimize_moves_only_the_given_variables():
    a = keras.Variable(np.array([2.0], dtype="float32"))
    b = keras.Variable(np.array([3.0], dtype="float32"))
    optimizer = keras.optimizers.SGD(learning_rate=0.1)

    loss, aux = minimize(lambda: (ops.sum((a * b) ** 2), a * b), [a], optimizer)

    assert float(to_numpy(loss)) == 36.0
    np.testing.assert_allclose(to_numpy(aux), [6.0])
    np.testing.assert_allclose(to_numpy(a), [2.0 - 0.1 * 2 * 6.0 * 3.0], rtol=1e-6)
    np.testing.assert_allclose(to_numpy(b), [3.0])
    assert int(to_numpy(optimizer.iterations)) == 1


def test_minimize_sums_repeated_rows_of_a_gathered_variable():
    """A mixture mean drawn by several samples in a batch gets one Adam step, not √m of them.

    Adam's first step moves each coordinate by lr · g / (|g| + ε) ≈ ±lr. Row 0 is gathered
    three times, so its gradient must be summed before Adam squares it; row 2 is never drawn.
    """
    means = keras.Variable(np.zeros((3, 2), dtype="float32"))
    weights = ops.convert_to_tensor([[1.0, 1.0], [1.0, -2.0], [1.0, 1.0], [2.0, 2.0]], "float32")

    def loss_fn():
        picked = ops.take(means, np.array([0, 0, 0, 1], dtype="int32"), axis=0)
        return ops.sum(picked * weights), ()

    minimize(loss_fn, [means], keras.optimizers.Adam(learning_rate=1.0))
    # Summed gradient: row 0 (3, 0), row 1 (2, 2), row 2 (0, 0).
    np.testing.assert_allclose(to_numpy(means), [[-1.0, 0.0], [-1.0, -1.0], [0.0, 0.0]], atol=1e-4)


def _keras_adam_reference(w, grads, lr, beta1, beta2, epsilon):
    """Keras' Adam in float64: ε is added to √v, the step scaled by √(1 − β₂ᵗ) / (1 − β₁ᵗ)."""
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, grad in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        alpha = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
        w = w - alpha * m / (np.sqrt(v) + epsilon)
    return w


def test_minimize_takes_keras_adam_steps():
    """Every backend's `minimize` moves the variables as Keras' Adam does (under torch on a
    CPU through the fused kernel, `_fuse_adam_updates`). A large ε makes its placement count:
    ε added to √v and ε added to √v / √(1 − β₂ᵗ) differ by 10 % of the step here."""
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(3, 4)).astype("float32")
    targets = [rng.normal(size=(3, 4)).astype("float32") for _ in range(5)]
    w = keras.Variable(w0)
    optimizer = keras.optimizers.Adam(learning_rate=0.05, beta_1=0.5, beta_2=0.99, epsilon=0.1)
    grads = []
    for target in targets:
        # d/dw Σ (w − target)² / 2 = w − target, taken at the variable's current value.
        grads.append(to_numpy(w).astype("float64") - target)
        minimize(lambda t=target: (ops.sum((w - t) ** 2) / 2, ()), [w], optimizer)
        reference = _keras_adam_reference(w0.astype("float64"), grads, 0.05, 0.5, 0.99, 0.1)
        np.testing.assert_allclose(to_numpy(w), reference, rtol=1e-5, atol=1e-6)
    assert int(to_numpy(optimizer.iterations)) == 5


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="torch's fused Adam step")
def test_fused_adam_step_is_installed_and_not_saved():
    """`minimize` gives a Keras Adam the fused step on the instance only: its config and a
    fresh Adam from that config are unchanged, and an AMSGrad Adam keeps Keras' own loop."""
    w = keras.Variable(np.ones((2, 2), dtype="float32"))
    optimizer = keras.optimizers.Adam(learning_rate=0.1)
    config = optimizer.get_config()
    minimize(lambda: (ops.sum(w**2), ()), [w], optimizer)
    assert "_parallel_update_step" in vars(optimizer)
    assert optimizer.get_config() == config
    assert "_parallel_update_step" not in vars(keras.optimizers.Adam.from_config(config))

    amsgrad = keras.optimizers.Adam(learning_rate=0.1, amsgrad=True)
    v = keras.Variable(np.ones((2, 2), dtype="float32"))
    for _ in range(3):
        minimize(lambda: (ops.sum(v**3), ()), [v], amsgrad)
    reference = keras.Variable(np.ones((2, 2), dtype="float32"))
    plain = keras.optimizers.Adam(learning_rate=0.1, amsgrad=True)
    for _ in range(3):
        grad = 3 * to_numpy(reference) ** 2
        plain.apply([ops.convert_to_tensor(grad)], [reference])
    np.testing.assert_allclose(to_numpy(v), to_numpy(reference), rtol=1e-6)
