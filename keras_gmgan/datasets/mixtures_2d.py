"""2-D Gaussian mixtures with known modes: the toy data of WGAN and mode-collapse studies.

Because the true means and the common std are known, mode coverage can be measured exactly
(`keras_gmgan.metrics.evaluate_mixture_2d`), which images never allow. The three mixtures are
the ones the reference work uses: the 8-mode ring and the 25-mode grid of the PacGAN/VEEGAN
protocol, and the two wide modes of the EPFL WGAN exercise.
"""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Mixture2D:
    """An equal-weight mixture of isotropic 2-D Gaussians that share one std.

    Args:
        name: the data set's name (`ring`, `grid`, `two_modes`, or your own).
        means: the K mode centres, as K (x, y) pairs.
        std: the standard deviation of every component, along both axes.

    Example:
    >>> mixture = get_mixture_2d("ring")
    >>> mixture.num_modes, mixture.sample(4, seed=0).shape
    (8, (4, 2))
    """

    name: str
    means: tuple
    std: float

    def __post_init__(self):
        means = np.asarray(self.means, dtype="float64")
        if means.ndim != 2 or means.shape[1] != 2 or len(means) == 0:
            raise ValueError(
                f"means must be a non-empty list of (x, y) pairs; got shape {means.shape}."
            )
        if not self.std > 0:
            raise ValueError(f"std must be positive; got {self.std}.")
        # Stored as nested tuples so the dataclass stays hashable and immutable.
        object.__setattr__(self, "means", tuple(tuple(float(v) for v in m) for m in means))
        object.__setattr__(self, "std", float(self.std))

    @property
    def num_modes(self) -> int:
        return len(self.means)

    @property
    def means_array(self) -> np.ndarray:
        """The means as a float64 (K, 2) array."""
        return np.asarray(self.means, dtype="float64")

    def sample_with_modes(self, n: int, seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Returns n float32 (n, 2) points and the int32 (n,) mode each was drawn from.

        `seed` is anything `np.random.default_rng` takes (an int, a `SeedSequence`, None).
        """
        rng = np.random.default_rng(seed)
        modes = rng.integers(0, self.num_modes, size=n)
        points = self.means_array[modes] + self.std * rng.standard_normal((n, 2))
        return points.astype("float32"), modes.astype("int32")

    def sample(self, n: int, seed: Any = None) -> np.ndarray:
        """Returns n float32 (n, 2) points, each from a uniformly chosen mode."""
        return self.sample_with_modes(n, seed=seed)[0]


def _ring(num_modes: int = 8, radius: float = 1.0) -> tuple:
    angles = [2.0 * math.pi * i / num_modes for i in range(num_modes)]
    return tuple((radius * math.cos(a), radius * math.sin(a)) for a in angles)


#: The 2-D mixtures by name.
MIXTURES_2D: dict[str, Mixture2D] = {
    "ring": Mixture2D("ring", _ring(8, 1.0), 0.01),
    "grid": Mixture2D(
        "grid", tuple((x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)), 0.05
    ),
    "two_modes": Mixture2D("two_modes", ((0.0, 0.0), (2.0, 0.0)), 0.5),
}


def get_mixture_2d(name: str) -> Mixture2D:
    """Returns the 2-D mixture called `name` (one of `MIXTURES_2D`)."""
    if name not in MIXTURES_2D:
        raise ValueError(
            f"Unknown 2-D mixture {name!r}; choose one of {', '.join(sorted(MIXTURES_2D))}."
        )
    return MIXTURES_2D[name]


def load_mixture_2d(
    name: str, num_train: int = 100_000, num_test: int = 2_500, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Train and test points of a named mixture (100k training points, as in PacGAN).

    The two sets come from independent streams of one seed, so they never share points.
    """
    mixture = get_mixture_2d(name)
    train_seed, test_seed = np.random.SeedSequence(seed).spawn(2)
    return mixture.sample(num_train, seed=train_seed), mixture.sample(num_test, seed=test_seed)
