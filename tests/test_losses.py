"""Adversarial losses and the gradient penalty."""

import keras
import numpy as np
from keras import ops

from keras_gmgan import losses
from keras_gmgan.backend import minimize
from tests.conftest import to_numpy


def _linear_critic(slope):
    """f(x) = slope · Σ x / √d: a linear critic whose gradient norm is exactly |slope|."""
    critic = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, use_bias=False)])
    critic.layers[0].kernel.assign(np.full((4, 1), slope / 2.0, dtype="float32"))
    return critic


def test_gradient_penalty_is_zero_for_a_1_lipschitz_linear_critic():
    real = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    penalty = losses.gradient_penalty(
        _linear_critic(1.0), real, real + 1.0, seed=keras.random.SeedGenerator(0)
    )
    assert abs(float(to_numpy(penalty))) < 1e-6


def test_gradient_penalty_is_positive_for_a_steep_critic_and_trainable():
    real = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    critic = _linear_critic(3.0)
    penalty = losses.gradient_penalty(critic, real, real + 1.0, seed=keras.random.SeedGenerator(0))
    np.testing.assert_allclose(float(to_numpy(penalty)), (3.0 - 1.0) ** 2, rtol=1e-5)

    optimizer = keras.optimizers.SGD(0.05)
    seed = keras.random.SeedGenerator(0)
    for _ in range(20):
        minimize(
            lambda: (losses.gradient_penalty(critic, real, real + 1.0, seed=seed), ()),
            critic.trainable_variables,
            optimizer,
        )
    final = losses.gradient_penalty(critic, real, real + 1.0, seed=seed)
    assert float(to_numpy(final)) < 0.1


def test_bce_losses_match_their_definitions():
    real, fake = np.array([2.0, -1.0]), np.array([0.5, -3.0])
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    expected_d = -np.mean(np.log(sigmoid(real))) - np.mean(np.log(1 - sigmoid(fake)))
    expected_g = -np.mean(np.log(sigmoid(fake)))
    got_d = losses.discriminator_bce(ops.convert_to_tensor(real), ops.convert_to_tensor(fake))
    got_g = losses.generator_non_saturating(ops.convert_to_tensor(fake))
    np.testing.assert_allclose(float(to_numpy(got_d)), expected_d, rtol=1e-6)
    np.testing.assert_allclose(float(to_numpy(got_g)), expected_g, rtol=1e-6)
