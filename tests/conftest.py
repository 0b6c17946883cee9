"""Shared fixtures. The suite runs once per backend (tox envs set KERAS_BACKEND)."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

BACKEND = keras.backend.backend()


@pytest.fixture(autouse=True)
def _seed_everything():
    keras.utils.set_random_seed(1234)
    yield
    keras.backend.clear_session()


@pytest.fixture
def tiny_images():
    """64 random 8×8×1 images in [-1, 1]."""
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, size=(64, 8, 8, 1)).astype("float32")


def to_numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def history_rows(run) -> list:
    """The rows of a run directory's history.csv, as dicts of strings."""
    import csv

    with open(run / "history.csv", newline="") as stream:
        return list(csv.DictReader(stream))
