"""Image data sets scaled to [-1, 1]: MNIST, Fashion-MNIST and scikit-learn's 8×8 digits."""

import gzip
import zipfile
import zlib
from pathlib import Path
from typing import Optional

import numpy as np

from keras_gmgan.datasets.sources import (
    DATA_ENV_VAR,
    DataFormatError,
    DataNotFoundError,
    download_failed,
    resolve_local,
)

Split = tuple[np.ndarray, np.ndarray]

#: Where Debian's `dataset-fashion-mnist` package puts the original idx files.
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
FASHION_FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}


def to_unit_range(images: np.ndarray) -> np.ndarray:
    """uint8 pixels (N, H, W) → float32 (N, H, W, 1) in [-1, 1], the generators' tanh range."""
    return (images.astype("float32") / 127.5 - 1.0)[..., None]


def check_arrays(arrays: dict, source: str, image_shape=(28, 28), num_classes=10) -> None:
    """Raises `DataFormatError` naming the problem unless `arrays` hold a valid image split."""
    expected = ("x_train", "y_train", "x_test", "y_test")
    missing = [key for key in expected if key not in arrays]
    if missing:
        raise DataFormatError(
            f"{source} lacks {', '.join(missing)}; expected arrays {', '.join(expected)} "
            "(the keras.datasets npz layout)."
        )
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or tuple(x.shape[1:]) != tuple(image_shape):
            raise DataFormatError(
                f"{source}: x_{split} has shape {x.shape}; expected (N, {image_shape[0]}, "
                f"{image_shape[1]}) grayscale images."
            )
        if x.shape[0] == 0:
            raise DataFormatError(
                f"{source}: x_{split} holds no images; save at least one {split} image."
            )
        if y.shape != (x.shape[0],):
            raise DataFormatError(
                f"{source}: y_{split} has shape {y.shape}; expected ({x.shape[0]},), one label "
                "per image."
            )
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= num_classes:
            raise DataFormatError(
                f"{source}: y_{split} must hold integer labels 0..{num_classes - 1}."
            )
        if x.dtype != np.uint8:
            if not np.issubdtype(x.dtype, np.number):
                raise DataFormatError(f"{source}: x_{split} has dtype {x.dtype}; expected uint8.")
            if not np.all(np.isfinite(x)):
                raise DataFormatError(f"{source}: x_{split} contains NaN or infinite pixels.")
            if x.min() < 0 or x.max() > 255:
                raise DataFormatError(
                    f"{source}: x_{split} has pixels outside [0, 255]; expected uint8 pixels."
                )
            if x.max() <= 1:
                # Pixels saved in [0, 1] (a common way to store MNIST) would train as
                # near-black images; refused rather than guessed at, like any other layout.
                raise DataFormatError(
                    f"{source}: x_{split} has {x.dtype} pixels in [0, 1]; keras-gmgan reads "
                    f"pixels in [0, 255] (the keras.datasets layout). Save them as "
                    f"np.round(x_{split} * 255).astype('uint8')."
                )


def _finish(arrays: dict) -> tuple[Split, Split]:
    return (
        (to_unit_range(np.asarray(arrays["x_train"])), arrays["y_train"].astype("int32")),
        (to_unit_range(np.asarray(arrays["x_test"])), arrays["y_test"].astype("int32")),
    )


def load_npz(path: Path) -> dict:
    """Reads a keras-layout npz without pickle, turning unreadable files into clear errors."""
    if not zipfile.is_zipfile(path):
        raise DataFormatError(f"{path} is not a readable .npz file (truncated or corrupt?).")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except ValueError as error:  # object arrays need pickle: refuse them
        raise DataFormatError(
            f"{path} holds object arrays, which are not loaded (no pickle): {error}"
        ) from error
    except Exception as error:  # zipfile.BadZipFile, OSError, EOFError ...
        raise DataFormatError(f"{path} is not a readable .npz file ({error}).") from error


def load_mnist(path: Optional[str] = None) -> tuple[Split, Split]:
    """MNIST as `((x_train, y_train), (x_test, y_test))`, images (N, 28, 28, 1) in [-1, 1].

    Read from `path` (an npz in the keras layout or a directory holding `mnist.npz`), else
    from `$KERAS_GMGAN_DATA/mnist.npz`, else downloaded by Keras.
    """
    local = resolve_local(path, "mnist.npz")
    if local is not None:
        arrays = load_npz(local)
        source = str(local)
    else:
        import keras

        try:
            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        except Exception as error:  # Keras raises a bare Exception when offline
            raise download_failed("MNIST", "mnist.npz", error) from error
        arrays = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
        source = "the Keras MNIST download"
    check_arrays(arrays, source)
    return _finish(arrays)


def _read_idx(path: Path) -> np.ndarray:
    """Reads one gzipped idx file (the format MNIST and Fashion-MNIST are published in)."""
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError, zlib.error) as error:  # EOFError: a truncated download
        raise DataFormatError(
            f"{path} is not a readable gzip file ({error or type(error).__name__}); "
            "download it again."
        ) from error
    if len(raw) < 8 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataFormatError(f"{path} is not an unsigned-byte idx file.")
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4).astype(int)
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise DataFormatError(f"{path} is truncated: expected {int(np.prod(dims))} bytes.")
    return data.reshape(dims)


def _fashion_dir(path: Optional[str]) -> Optional[Path]:
    first = FASHION_FILES["x_train"]
    if path is not None:
        candidate = Path(path).expanduser()
        for directory in (candidate, candidate / "fashion-mnist"):
            if (directory / first).exists():
                return directory
        raise DataNotFoundError(
            f"{candidate} holds no Fashion-MNIST idx files ({first} ...). Pass --data a "
            "directory holding the four .gz files."
        )
    import os

    env_dir = os.environ.get(DATA_ENV_VAR)
    candidates = [Path(env_dir) / "fashion-mnist"] if env_dir else []
    candidates.append(DEBIAN_FASHION_MNIST)
    for directory in candidates:
        if (directory / first).exists():
            return directory
    return None


def load_fashion_mnist(path: Optional[str] = None) -> tuple[Split, Split]:
    """Fashion-MNIST as `((x_train, y_train), (x_test, y_test))`, images in [-1, 1].

    Read from `path` (a directory with the four idx `.gz` files, or one holding
    `fashion-mnist/`), else `$KERAS_GMGAN_DATA/fashion-mnist/`, else Debian's
    `dataset-fashion-mnist` package, else downloaded by Keras.
    """
    directory = _fashion_dir(path)
    if directory is not None:
        arrays = {key: _read_idx(directory / name) for key, name in FASHION_FILES.items()}
        source = str(directory)
    else:
        import keras

        try:
            (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
        except Exception as error:
            raise download_failed("Fashion-MNIST", "fashion-mnist/*.gz", error) from error
        arrays = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
        source = "the Keras Fashion-MNIST download"
    check_arrays(arrays, source)
    return _finish(arrays)


def load_digits(test_size: int = 297) -> tuple[Split, Split]:
    """scikit-learn's 1,797 8×8 digits, images (N, 8, 8, 1) in [-1, 1]; needs no data files.

    The last `test_size` images are the test split (a fixed, reproducible split).
    """
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    images = (digits.images / 16.0 * 2.0 - 1.0).astype("float32")[..., None]
    labels = digits.target.astype("int32")
    return (images[:-test_size], labels[:-test_size]), (images[-test_size:], labels[-test_size:])
