"""Fréchet distance: exact on closed-form Gaussians, ≈ 0 on a sample against itself."""

import numpy as np
import pytest
from scipy import linalg

from keras_gmgan.metrics.fid import feature_statistics, fid_from_features, frechet_distance


def _random_covariance(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def test_sample_against_itself_is_zero():
    features = np.random.default_rng(0).normal(size=(500, 16))
    assert fid_from_features(features, features) == pytest.approx(0.0, abs=1e-6)


def test_shifted_sample_gives_squared_shift():
    """Same covariance, means apart by δ: FID = ‖δ‖² exactly."""
    rng = np.random.default_rng(1)
    features = rng.normal(size=(400, 8)) @ rng.normal(size=(8, 8))
    shift = rng.normal(size=8)
    assert fid_from_features(features, features + shift) == pytest.approx(shift @ shift, rel=1e-6)


def test_diagonal_gaussians_match_closed_form():
    """‖μ₁−μ₂‖² + Σᵢ (√a_i − √b_i)² for diagonal covariances."""
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 9.0])
    expected = 1.0 + 4.0 + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-10)


def test_full_covariances_match_symmetric_formula():
    """Tr((Σ₁Σ₂)^½) = Tr((Σ₁^½ Σ₂ Σ₁^½)^½), computed here with eigendecompositions only."""
    rng = np.random.default_rng(2)
    d = 6
    s1, s2 = _random_covariance(rng, d), _random_covariance(rng, d)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)

    def psd_sqrt(m):
        w, v = np.linalg.eigh(m)
        return (v * np.sqrt(np.clip(w, 0, None))) @ v.T

    root1 = psd_sqrt(s1)
    cross = np.trace(psd_sqrt(root1 @ s2 @ root1))
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * cross
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-8)


def test_large_samples_approach_the_population_value():
    """N(0, I) vs N(δ, 4I) in 4-D: FID = ‖δ‖² + 4·(2 − 1)² = ‖δ‖² + 4."""
    rng = np.random.default_rng(3)
    delta = np.array([1.0, -1.0, 0.5, 0.0])
    a = rng.normal(size=(20000, 4))
    b = delta + 2.0 * rng.normal(size=(20000, 4))
    assert fid_from_features(a, b) == pytest.approx(delta @ delta + 4.0, abs=0.1)


def test_singular_covariances_give_a_finite_value():
    """Fewer samples than dimensions: rank-deficient covariances, still finite and ≥ 0."""
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(5, 20)), rng.normal(size=(5, 20)) + 1.0
    value = fid_from_features(a, b)
    assert np.isfinite(value) and value > 0


def test_invalid_covariance_raises():
    """A negative-definite 'covariance' has an imaginary square root, not round-off."""
    with pytest.raises(ValueError, match="imaginary"):
        frechet_distance(np.zeros(2), -np.eye(2), np.zeros(2), np.eye(2))


def test_mismatched_shapes_raise():
    with pytest.raises(ValueError, match="must match"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="N >= 2"):
        feature_statistics(np.zeros((1, 3)))


def test_statistics_are_float64_and_unbiased():
    features = np.array([[0.0, 1.0], [2.0, 3.0]], dtype="float32")
    mu, sigma = feature_statistics(features)
    assert mu.dtype == np.float64 and sigma.dtype == np.float64
    np.testing.assert_allclose(sigma, [[2.0, 2.0], [2.0, 2.0]])
    assert linalg.norm(mu - [1.0, 2.0]) == 0
