"""Data sets: MNIST, Fashion-MNIST, 8×8 digits, 2-D mixtures, and semi-supervised splits.

Images are float32 in [-1, 1] with a channel axis. Local copies are preferred (an explicit
path, then `KERAS_GMGAN_DATA`); the Keras download is the last resort. `SemiSupervisedBatches`
and `RepeatingBatches` (`keras.utils.PyDataset`s) are imported on first use, so loading data
does not import Keras.
"""

from keras_gmgan.datasets.images import load_digits as load_digits
from keras_gmgan.datasets.images import load_fashion_mnist as load_fashion_mnist
from keras_gmgan.datasets.images import load_mnist as load_mnist
from keras_gmgan.datasets.mixtures_2d import MIXTURES_2D as MIXTURES_2D
from keras_gmgan.datasets.mixtures_2d import Mixture2D as Mixture2D
from keras_gmgan.datasets.mixtures_2d import get_mixture_2d as get_mixture_2d
from keras_gmgan.datasets.mixtures_2d import load_mixture_2d as load_mixture_2d
from keras_gmgan.datasets.registry import DATASETS as DATASETS
from keras_gmgan.datasets.registry import DatasetSplits as DatasetSplits
from keras_gmgan.datasets.registry import load_dataset as load_dataset
from keras_gmgan.datasets.semi_supervised import semi_supervised_split as semi_supervised_split
from keras_gmgan.datasets.sources import DATA_ENV_VAR as DATA_ENV_VAR
from keras_gmgan.datasets.sources import DataFormatError as DataFormatError
from keras_gmgan.datasets.sources import DataNotFoundError as DataNotFoundError


def __getattr__(name):
    if name == "SemiSupervisedBatches":
        from keras_gmgan.datasets.semi_supervised_batches import SemiSupervisedBatches

        return SemiSupervisedBatches
    if name == "RepeatingBatches":
        from keras_gmgan.datasets.batches import RepeatingBatches

        return RepeatingBatches
    raise AttributeError(f"module 'keras_gmgan.datasets' has no attribute {name!r}")
