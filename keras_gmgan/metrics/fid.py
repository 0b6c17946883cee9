"""Fréchet distance between Gaussians fitted to two feature sets (FID, in any feature space).

Pure NumPy/SciPy math in float64, apart from how the features were made: the orchestration
that generates images and extracts features lives in `keras_gmgan.metrics.evaluation`.
"""

import warnings

import numpy as np
from scipy import linalg


def feature_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean vector and covariance matrix (float64, unbiased) of (N, d) features."""
    features = np.asarray(features, dtype="float64")
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(
            f"Feature statistics need a (N, d) array with N >= 2; got shape {features.shape}."
        )
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2, eps: float = 1e-6) -> float:
    """‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½): the Fréchet distance of two Gaussians.

    `scipy.linalg.sqrtm` of a product of two nearly singular covariances can fail (non-finite
    entries) or pick up imaginary parts from round-off. Non-finite results are retried with
    `eps` added to both diagonals; imaginary parts are dropped when they are round-off (at
    most 1e-3 of the largest magnitude) and raise a ValueError otherwise, as in the reference
    implementation (pytorch-fid, Mimicry).

    Reference:
        Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
        Equilibrium", NeurIPS 2017.
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, "float64")), np.atleast_1d(np.asarray(mu2, "float64"))
    sigma1 = np.atleast_2d(np.asarray(sigma1, "float64"))
    sigma2 = np.atleast_2d(np.asarray(sigma2, "float64"))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != 2 * mu1.shape:
        raise ValueError(
            f"Means and covariances must match: got means {mu1.shape}, {mu2.shape} and "
            f"covariances {sigma1.shape}, {sigma2.shape}."
        )
    diff = mu1 - mu2
    covmean = _sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        offset = np.eye(len(sigma1)) * eps
        covmean = _sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        largest = np.max(np.abs(covmean))
        if np.max(np.abs(covmean.imag)) > 1e-3 * max(largest, 1.0):
            raise ValueError(
                "The matrix square root has a large imaginary part: the covariances are not "
                "valid (symmetric positive semi-definite) or too few samples were used."
            )
        covmean = covmean.real
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean)
    return float(max(value, 0.0))


def fid_from_features(features_a, features_b) -> float:
    """The Fréchet distance between Gaussians fitted to two (N, d) feature sets."""
    return frechet_distance(*feature_statistics(features_a), *feature_statistics(features_b))


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        # A singular product makes sqrtm warn; the caller checks the result instead.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        return linalg.sqrtm(matrix)
