"""Mode coverage of a 2-D Gaussian mixture: modes captured, high-quality share, reverse KL.

The PacGAN/VEEGAN protocol: draw 2,500 samples; a sample is *high quality* when it lies within
3 standard deviations of its nearest mode's mean; a mode is *captured* when it is the nearest
mode of at least one high-quality sample; and the reverse KL divergence KL(P_gen ‖ P_true)
compares the histogram of high-quality samples over the modes with the true mode weights
(uniform). Pure NumPy/scikit-learn functions, so they run on any backend's outputs.

Reference:
    Lin et al., "PacGAN: The power of two samples in generative adversarial networks",
    NeurIPS 2018 (and its public evaluation code, which this follows).
"""

from typing import Any, Optional

import numpy as np
from sklearn.neighbors import NearestNeighbors

#: Samples per evaluation in the published protocol.
NUM_EVAL_SAMPLES = 2_500
#: A sample within this many standard deviations of its nearest mean is high quality.
HIGH_QUALITY_STDS = 3.0


def nearest_modes(samples: Any, means: Any) -> tuple[np.ndarray, np.ndarray]:
    """The index of each sample's nearest mean and the Euclidean distance to it."""
    samples = _as_points(samples, "samples")
    means = _as_points(means, "means")
    if len(samples) == 0:
        return np.zeros((0,), dtype="int64"), np.zeros((0,), dtype="float64")
    distances, indices = NearestNeighbors(n_neighbors=1).fit(means).kneighbors(samples)
    return indices[:, 0], distances[:, 0]


def mode_histogram(
    samples: Any, means: Any, std: float, n_std: float = HIGH_QUALITY_STDS
) -> np.ndarray:
    """High-quality samples per mode: an int (K,) histogram (low-quality samples are dropped).

    Non-finite samples (a diverged generator) are counted as low quality.
    """
    samples = _as_points(samples, "samples")
    means = _as_points(means, "means")
    finite = np.all(np.isfinite(samples), axis=1)
    modes, distances = nearest_modes(samples[finite], means)
    high_quality = distances <= n_std * std
    return np.bincount(modes[high_quality], minlength=len(means))


def modes_captured(histogram: np.ndarray) -> int:
    """Modes that are the nearest mode of at least one high-quality sample."""
    return int(np.count_nonzero(histogram))


def high_quality_fraction(histogram: np.ndarray, num_samples: int) -> float:
    """Share of all samples that lie within 3 std of their nearest mode."""
    if num_samples <= 0:
        raise ValueError("num_samples must be positive.")
    return float(np.sum(histogram)) / float(num_samples)


def reverse_kl(histogram: np.ndarray, weights: Optional[np.ndarray] = None) -> float:
    """KL(P_gen ‖ P_true) between the high-quality histogram and the true mode weights.

    0 when the generated samples spread over the modes exactly as the data do; log K when they
    all fall on one of K equally likely modes. Infinite when no sample is high quality (the
    generated mode distribution is then undefined).
    """
    histogram = np.asarray(histogram, dtype="float64")
    if weights is None:
        weights = np.full(histogram.shape, 1.0 / len(histogram))
    weights = np.asarray(weights, dtype="float64")
    total = histogram.sum()
    if total == 0:
        return float("inf")
    p = histogram / total
    present = p > 0
    return float(np.sum(p[present] * np.log(p[present] / weights[present])))


def evaluate_mixture_2d(samples: Any, mixture: Any) -> dict:
    """All three measures of generated 2-D `samples` against a mixture with known modes.

    Args:
        samples: (N, 2) generated points (2,500 in the published protocol).
        mixture: an object with `means` ((K, 2)) and `std`, such as
            `keras_gmgan.datasets.get_mixture_2d("grid")`.

    Returns:
        `{"modes_captured": int, "num_modes": K, "high_quality": fraction in [0, 1],
        "reverse_kl": float}`.

    Example:
    >>> from keras_gmgan.datasets import get_mixture_2d
    >>> grid = get_mixture_2d("grid")
    >>> result = evaluate_mixture_2d(grid.sample(2500, seed=0), grid)
    >>> result["modes_captured"], result["high_quality"] > 0.99, result["reverse_kl"] < 0.01
    (25, True, True)
    """
    samples = _as_points(samples, "samples")
    means = _as_points(mixture.means, "means")
    histogram = mode_histogram(samples, means, mixture.std)
    return {
        "modes_captured": modes_captured(histogram),
        "num_modes": int(len(means)),
        "high_quality": high_quality_fraction(histogram, len(samples)),
        "reverse_kl": reverse_kl(histogram),
    }


def _as_points(points: Any, name: str) -> np.ndarray:
    points = np.asarray(points, dtype="float64")
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(
            f"{name} must be an (N, 2) array of 2-D points; got shape {points.shape}. "
            "These metrics are for 2-D mixtures only."
        )
    return points
