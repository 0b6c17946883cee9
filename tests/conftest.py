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


#: Whether the running test is marked `xla` (read by the TensorFlow trainer's patch below).
_XLA = {"on": False}


@pytest.fixture(scope="session", autouse=True)
def _tensorflow_xla_only_where_marked():
    """Under TensorFlow the models compile their step with XLA by default, seconds per model
    on a CPU that add minutes to the suite; tests not marked `xla` train them as Keras' own
    "auto" does on a CPU, without XLA (the same training but for the random generator, which
    XLA picks). The `xla` tests (the default's steps against JAX's, `jit_compile`) keep it.
    Session-scoped, so that module-scoped fixtures are built the same way."""
    if BACKEND != "tensorflow":
        yield
        return
    from keras_gmgan.backend.tensorflow import AdversarialTrainer

    original = AdversarialTrainer._resolve_auto_jit_compile

    def resolve(self):
        return original(self) if _XLA["on"] else False

    AdversarialTrainer._resolve_auto_jit_compile = resolve
    yield
    AdversarialTrainer._resolve_auto_jit_compile = original


@pytest.fixture(autouse=True)
def _xla_where_marked(request):
    _XLA["on"] = request.node.get_closest_marker("xla") is not None
    yield
    _XLA["on"] = False


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
