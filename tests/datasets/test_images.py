"""Image data sets: local sources, scaling, validation, offline errors."""

import gzip
import os
from pathlib import Path

import numpy as np
import pytest

from keras_gmgan import datasets
from keras_gmgan.datasets import DataFormatError, DataNotFoundError

SHARED_MNIST = Path(os.environ.get("KERAS_GMGAN_DATA", "../shared/data")) / "mnist.npz"
needs_mnist = pytest.mark.skipif(
    not SHARED_MNIST.exists(), reason=f"MNIST not found at {SHARED_MNIST}; set KERAS_GMGAN_DATA"
)


def _write_npz(path, **overrides):
    rng = np.random.default_rng(0)
    arrays = dict(
        x_train=rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        y_train=np.arange(20) % 10,
        x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        y_test=np.arange(10) % 10,
    )
    arrays.update(overrides)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(path, **arrays)
    return path


@needs_mnist
def test_real_mnist_from_the_environment_directory(monkeypatch):
    monkeypatch.setenv("KERAS_GMGAN_DATA", str(SHARED_MNIST.parent))
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist()
    assert x_train.shape == (60000, 28, 28, 1) and x_test.shape == (10000, 28, 28, 1)
    assert x_train.dtype == np.float32 and x_train.min() == -1.0 and x_train.max() == 1.0
    np.testing.assert_array_equal(
        np.bincount(y_train), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    )
    assert y_test.shape == (10000,)


def test_explicit_file_and_directory_paths(tmp_path):
    path = _write_npz(tmp_path / "mnist.npz")
    for source in (path, tmp_path):
        (x_train, y_train), (x_test, _) = datasets.load_mnist(str(source))
        assert x_train.shape == (20, 28, 28, 1) and x_test.shape == (10, 28, 28, 1)
        assert -1.0 <= x_train.min() and x_train.max() <= 1.0


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"y_test": None}, "lacks y_test"),
        ({"x_train": np.zeros((20, 27, 28), np.uint8)}, "shape"),
        ({"x_train": np.full((20, 28, 28), np.nan)}, "NaN"),
        ({"x_train": np.full((20, 28, 28), 300.0)}, "outside"),
        ({"y_train": np.arange(20) + 5}, "labels"),
    ],
)
def test_bad_files_get_clear_errors(tmp_path, overrides, message):
    path = _write_npz(tmp_path / "bad.npz", **overrides)
    with pytest.raises(DataFormatError, match=message):
        datasets.load_mnist(str(path))


def test_pickled_and_corrupt_files_are_refused(tmp_path):
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, x_train=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DataFormatError, match="object arrays"):
        datasets.load_mnist(str(pickled))
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"not a zip file")
    with pytest.raises(DataFormatError, match="not a readable"):
        datasets.load_mnist(str(corrupt))


def test_missing_path_and_offline_errors_name_the_fixes(tmp_path, monkeypatch):
    with pytest.raises(DataNotFoundError, match="--data"):
        datasets.load_mnist(str(tmp_path / "nowhere.npz"))
    monkeypatch.setenv("KERAS_GMGAN_DATA", str(tmp_path))  # empty: falls back to download
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    import keras

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://example.invalid: no network")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DataNotFoundError, match="KERAS_GMGAN_DATA"):
        datasets.load_mnist()


def _write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_from_idx_files(tmp_path):
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    rng = np.random.default_rng(1)
    x_train = rng.integers(0, 256, (12, 28, 28))
    _write_idx(folder / "train-images-idx3-ubyte.gz", x_train)
    _write_idx(folder / "train-labels-idx1-ubyte.gz", np.arange(12) % 10)
    _write_idx(folder / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (5, 28, 28)))
    _write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.arange(5))
    (xt, yt), (xs, ys) = datasets.load_fashion_mnist(str(tmp_path))
    assert xt.shape == (12, 28, 28, 1) and xs.shape == (5, 28, 28, 1)
    np.testing.assert_allclose(xt[..., 0], x_train / 127.5 - 1, atol=1e-6)
    np.testing.assert_array_equal(yt, np.arange(12) % 10)

    truncated = folder / "t10k-images-idx3-ubyte.gz"
    with gzip.open(truncated, "wb") as handle:
        handle.write(bytes([0, 0, 8, 3]) + (5).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2)
    with pytest.raises(DataFormatError, match="truncated"):
        datasets.load_fashion_mnist(str(folder))


def test_digits_need_no_files():
    (x_train, y_train), (x_test, y_test) = datasets.load_digits()
    assert x_train.shape[1:] == (8, 8, 1) and len(x_train) + len(x_test) == 1797
    assert x_train.min() == -1.0 and x_train.max() == 1.0
    assert set(np.unique(y_train)) == set(range(10))


def test_load_dataset_registry():
    splits = datasets.load_dataset("digits")
    assert splits.data_shape == (8, 8, 1) and splits.is_image and splits.num_classes == 10
    with pytest.raises(ValueError, match="Unknown data set 'cifar'"):
        datasets.load_dataset("cifar")
