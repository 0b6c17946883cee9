"""`load_dataset(name)`: one entry point for every data set the command line offers."""

from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from keras_gmgan.datasets import images, mixtures_2d


@dataclass(frozen=True)
class DatasetSplits:
    """Train and test arrays of one data set, with what models and metrics need to know.

    `mixture` is set for the 2-D mixtures: it holds the true means and std used by the mode
    metrics.
    """

    name: str
    x_train: np.ndarray
    y_train: Optional[np.ndarray]
    x_test: np.ndarray
    y_test: Optional[np.ndarray]
    num_classes: Optional[int] = None
    mixture: Any = None

    @property
    def data_shape(self) -> tuple:
        return tuple(self.x_train.shape[1:])

    @property
    def is_image(self) -> bool:
        return len(self.data_shape) == 3


def _image_loader(load: Callable, name: str, takes_path: bool = True):
    def loader(path: Optional[str], seed: int) -> DatasetSplits:
        (x_train, y_train), (x_test, y_test) = load(path) if takes_path else load()
        return DatasetSplits(name, x_train, y_train, x_test, y_test, num_classes=10)

    return loader


def _mixture_loader(name: str):
    def loader(path: Optional[str], seed: int) -> DatasetSplits:
        x_train, x_test = mixtures_2d.load_mixture_2d(name, seed=seed)
        mixture = mixtures_2d.get_mixture_2d(name)
        return DatasetSplits(name, x_train, None, x_test, None, mixture=mixture)

    return loader


#: Data set name → loader(path, seed). The CLI's `--dataset` choices.
DATASETS: dict[str, Callable[[Optional[str], int], DatasetSplits]] = {
    "mnist": _image_loader(images.load_mnist, "mnist"),
    "fashion_mnist": _image_loader(images.load_fashion_mnist, "fashion_mnist"),
    "digits": _image_loader(images.load_digits, "digits", takes_path=False),
    "ring": _mixture_loader("ring"),
    "grid": _mixture_loader("grid"),
    "two_modes": _mixture_loader("two_modes"),
}


def load_dataset(name: str, path: Optional[str] = None, seed: int = 0) -> DatasetSplits:
    """Loads the data set `name` (see `DATASETS`) from `path` or the default sources."""
    if name not in DATASETS:
        raise ValueError(f"Unknown data set {name!r}; choose one of {', '.join(DATASETS)}.")
    return DATASETS[name](path, seed)
