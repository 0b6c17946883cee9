"""Adversarial losses and the gradient penalty."""

import keras
import numpy as np
import pytest
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


def test_feature_matching_is_zero_exactly_when_batch_means_match():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(16, 5)).astype("float32")
    assert float(to_numpy(losses.feature_matching(real, real))) == 0.0
    # Different examples with the same batch mean match too: only the means are compared.
    shuffled = real[::-1] + 0.0
    assert abs(float(to_numpy(losses.feature_matching(real, shuffled)))) < 1e-10
    np.testing.assert_allclose(to_numpy(losses.feature_matching(real, real + 2.0)), 4.0, rtol=1e-6)


def test_real_vs_fake_logit_explicit_and_implicit_forms():
    logits = np.array([[1.0, -2.0, 0.5, 0.3], [0.0, 0.0, 0.0, 3.0]], dtype="float32")
    explicit = to_numpy(losses.real_vs_fake_logit(logits, num_classes=3))
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(
        explicit, np.log(probabilities[:, :3].sum(axis=1) / probabilities[:, 3]), rtol=1e-5
    )
    # Implicit fake class: D(x) = Z / (Z + 1) with Z = Σ exp(l_k).
    implicit = to_numpy(losses.real_vs_fake_logit(logits[:, :3], num_classes=3))
    z = np.exp(logits[:, :3]).sum(axis=1)
    np.testing.assert_allclose(1 / (1 + np.exp(-implicit)), z / (z + 1), rtol=1e-5)


def test_supervised_cross_entropy_ignores_the_fake_logit():
    logits = np.array([[2.0, 0.0, 50.0]], dtype="float32")
    loss = float(to_numpy(losses.supervised_cross_entropy(logits, np.array([0]), 2)))
    np.testing.assert_allclose(loss, np.log1p(np.exp(-2.0)), rtol=1e-5)


def test_conditional_entropy_of_the_real_class_posterior():
    k = 4
    uniform = np.zeros((3, k + 1), dtype="float32")
    uniform[:, k] = 20.0  # an explicit fake logit, however large, does not enter
    np.testing.assert_allclose(to_numpy(losses.conditional_entropy(uniform, k)), np.log(k))
    confident = np.array([[30.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 30.0]], dtype="float32")
    assert 0.0 <= float(to_numpy(losses.conditional_entropy(confident, k))) < 1e-9
    logits = np.array([[1.0, -2.0, 0.5, 0.3]], dtype="float32")
    p = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(
        to_numpy(losses.conditional_entropy(logits, k)), -(p * np.log(p)).sum(), rtol=1e-5
    )


def _tensor(values):
    return ops.convert_to_tensor(np.asarray(values, dtype="float32"))


REAL, FAKE = [2.0, -0.5, 0.25], [0.5, -3.0, 1.5]


def test_every_table_entry_on_hand_computed_scores():
    # bce: −log σ(r) − log(1 − σ(f)) and −log σ(f), batch means.
    sigmoid = lambda x: 1 / (1 + np.exp(-np.asarray(x)))  # noqa: E731
    bce = losses.get_adversarial_loss("bce")
    expected = -np.mean(np.log(sigmoid(REAL))) - np.mean(np.log(1 - sigmoid(FAKE)))
    np.testing.assert_allclose(
        to_numpy(bce.discriminator(_tensor(REAL), _tensor(FAKE))), expected, rtol=1e-6
    )
    np.testing.assert_allclose(
        to_numpy(bce.generator(_tensor(FAKE))), -np.mean(np.log(sigmoid(FAKE))), rtol=1e-6
    )
    # Wasserstein: E f(G(z)) − E f(x) = (−1/3) − (7/12) and −E f(G(z)) = 1/3.
    for name in ("wasserstein", "wgan-gp"):
        entry = losses.get_adversarial_loss(name)
        np.testing.assert_allclose(
            to_numpy(entry.discriminator(_tensor(REAL), _tensor(FAKE))), -1 / 3 - 7 / 12, rtol=1e-6
        )
        np.testing.assert_allclose(to_numpy(entry.generator(_tensor(FAKE))), 1 / 3, rtol=1e-6)
    # Hinge: mean(relu(1 − r)) = (0 + 1.5 + 0.75) / 3, mean(relu(1 + f)) = (1.5 + 0 + 2.5) / 3.
    hinge = losses.get_adversarial_loss("hinge")
    np.testing.assert_allclose(
        to_numpy(hinge.discriminator(_tensor(REAL), _tensor(FAKE))), 2.25 / 3 + 4.0 / 3, rtol=1e-6
    )
    np.testing.assert_allclose(to_numpy(hinge.generator(_tensor(FAKE))), 1 / 3, rtol=1e-6)


def test_the_table_says_what_each_objective_needs():
    table = losses.ADVERSARIAL_LOSSES
    assert set(table) == {"bce", "wasserstein", "wgan-gp", "hinge"}
    assert all(entry.name == name for name, entry in table.items())
    assert table["bce"].lipschitz is None and table["bce"].logits
    assert table["wasserstein"].lipschitz == "required" and table["wasserstein"].n_critic == 5
    assert table["wgan-gp"].default_lipschitz == "gp"
    assert table["hinge"].lipschitz == "recommended" and not table["hinge"].logits
    for entry in table.values():
        assert entry.default_lipschitz in (None, *losses.LIPSCHITZ_METHODS)


def test_an_unknown_loss_names_the_valid_choices():
    with pytest.raises(ValueError, match=r"^Unknown adversarial loss 'lsgan'; choose one of bce, "):
        losses.get_adversarial_loss("lsgan")
