"""Discriminator rejection sampling accepts at the rate its definition predicts."""

import keras
import numpy as np
import pytest
from keras import layers, ops

from keras_gmgan.models import GAN, GMGAN, WGAN
from keras_gmgan.networks import build_mlp_discriminator, build_mlp_generator
from keras_gmgan.sampling import check_drs_model, discriminator_rejection_sampling, drs_scores


def _half_rejecting_gan():
    """Generator = identity on N(0, I₂); logit 0 when x₀ > 0, −100 otherwise.

    Half the samples have the maximum logit D̃* = 0, so F = −log(1 − e^{−ε}) ≈ 13.8; the
    other half have F ≈ −100, i.e. acceptance probability σ(−113.8 − …) ≈ 0.
    """
    z = keras.Input((2,))
    generator = keras.Model(z, layers.Identity()(z))
    x = keras.Input((2,))
    logit = layers.Lambda(lambda t: ops.where(t[:, :1] > 0, 0.0, -100.0))(x)
    return GAN(generator, keras.Model(x, logit), seed=0)


def test_fixed_gamma_keeps_exactly_the_half_the_discriminator_believes():
    """γ = 0: σ(13.8) ≈ 1 for the good half, σ(−100) ≈ 0 for the rest -> rate 1/2."""
    samples, rate = discriminator_rejection_sampling(
        _half_rejecting_gan(), 2000, gamma=0.0, burn_in=500, batch_size=500, seed=0
    )
    assert samples.shape == (2000, 2)
    assert np.all(samples[:, 0] > 0)
    assert rate == pytest.approx(0.5, abs=0.03)


def test_percentile_gamma_accepts_the_expected_share():
    """γ = 95th percentile of F = 13.8 (half the batch sits there): the good half is kept with
    probability σ(0) = 1/2, the bad half never -> expected rate 1/4."""
    samples, rate = discriminator_rejection_sampling(
        _half_rejecting_gan(), 2000, percentile=95, burn_in=500, batch_size=500, seed=1
    )
    assert np.all(samples[:, 0] > 0)
    assert rate == pytest.approx(0.25, abs=0.03)


def test_max_logit_is_raised_after_a_short_burn_in():
    """A 1-sample burn-in may only see −100; the first batch must raise D̃* to 0 (else F of
    the good samples would be undefined)."""
    gan = _half_rejecting_gan()
    for seed in range(3):
        samples, rate = discriminator_rejection_sampling(
            gan, 200, gamma=0.0, burn_in=1, batch_size=100, seed=seed
        )
        assert np.all(samples[:, 0] > 0) and 0.3 < rate < 0.7


def test_same_seed_same_samples():
    gan = _half_rejecting_gan()
    a, rate_a = discriminator_rejection_sampling(gan, 300, burn_in=100, batch_size=200, seed=7)
    b, rate_b = discriminator_rejection_sampling(gan, 300, burn_in=100, batch_size=200, seed=7)
    np.testing.assert_array_equal(a, b)
    assert rate_a == rate_b


def test_scores_follow_the_definition():
    logits = np.array([-3.0, -0.5, 1.0, 2.0])
    max_logit, eps = 2.0, 1e-6
    delta = logits - max_logit
    expected = delta - np.log(1 - np.exp(delta - eps))
    np.testing.assert_allclose(drs_scores(logits, max_logit, eps), expected, rtol=1e-6)
    assert drs_scores(np.array([2.0]), 2.0)[0] == pytest.approx(-np.log(-np.expm1(-1e-6)))
    with pytest.raises(ValueError, match="at most max_logit"):
        drs_scores(np.array([3.0]), 2.0)


def test_multi_output_discriminator_is_rejected():
    gan = GAN(
        build_mlp_generator(4, (3,), hidden_units=(8,)),
        build_mlp_discriminator((3,), hidden_units=(8,), num_outputs=11),
    )
    with pytest.raises(ValueError, match="one logit"):
        discriminator_rejection_sampling(gan, 10)


def test_gives_up_when_nothing_is_accepted():
    with pytest.raises(RuntimeError, match="accepted 0 of"):
        discriminator_rejection_sampling(
            _half_rejecting_gan(), 10, gamma=1e9, burn_in=10, batch_size=50, max_draws=200
        )


@pytest.mark.parametrize("kind", ["wgan", "gmgan-wgan-gp"])
def test_wasserstein_critics_are_rejected(kind):
    generator = build_mlp_generator(4, (3,), hidden_units=(8,))
    critic = build_mlp_discriminator((3,), hidden_units=(8,))
    if kind == "wgan":
        model = WGAN(generator, critic, lipschitz="clip")
    else:
        model = GMGAN(generator, critic, loss="wgan-gp")
    with pytest.raises(ValueError, match="needs a BCE discriminator.*Wasserstein critic"):
        check_drs_model(model)
    with pytest.raises(ValueError, match="Wasserstein critic"):
        discriminator_rejection_sampling(model, 10)
    check_drs_model(GMGAN(generator, critic, loss="bce"))  # the BCE loss passes
