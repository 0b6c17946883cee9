"""Run directories: what `keras-gmgan fit` writes and `generate`/`evaluate` read back.

A run directory holds `config.json` (every option, the backend, package versions),
`history.csv`, `samples/epoch_NNN.png`, `loss.png`, `model.keras` and `results.json`.
"""

import functools
import json
import os
import platform
import re
import tempfile
from pathlib import Path
from typing import Any, Mapping, Union

from keras_gmgan.version import __version__

#: Bumped whenever config.json changes meaning; `--resume` refuses other formats.
CONFIG_FORMAT = 1

MODEL_FILE = "model.keras"
CONFIG_FILE = "config.json"
HISTORY_FILE = "history.csv"
RESULTS_FILE = "results.json"


class ModelFileError(ValueError):
    """A model file or run directory cannot be read."""


def environment() -> dict:
    """The backend and package versions a run was made with."""
    import importlib.metadata as metadata

    import keras

    backend = keras.backend.backend()
    module = {"jax": "jax", "tensorflow": "tensorflow", "torch": "torch"}[backend]
    versions = {"keras-gmgan": __version__, "python": platform.python_version()}
    for package in ("keras", "numpy", "scikit-learn", module):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            if package == "tensorflow":
                versions[package] = metadata.version("tensorflow-cpu")
    return {"backend": backend, "versions": versions}


@functools.cache
def _umask() -> int:
    """The process's umask. It can only be read by setting it, and the setting is
    process-wide, so it is read once and put back at once; meanwhile it is 0o077, so a file
    another thread makes in that instant is private rather than open to all."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def apply_umask(path: Union[str, Path]) -> None:
    """Gives a `tempfile` file (mode 0600) or folder (0700) the mode that `open` or `mkdir`
    would have given it, so what is renamed into place reads like every other run file."""
    os.chmod(path, (0o777 if os.path.isdir(path) else 0o666) & ~_umask())


def write_json_atomic(path: Path, payload: Mapping[str, Any]) -> None:
    """Writes JSON to a temporary file and renames it, so a crash never leaves half a file."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        apply_umask(temporary)
        with os.fdopen(handle, "w") as stream:
            json.dump(payload, stream, indent=2, sort_keys=True, default=_json_default)
            stream.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_model_atomic(model, path: Path) -> None:
    """`model.save` to a temporary `.keras` file, then rename over `path`."""
    path = Path(path)
    temporary = path.with_name(f".{path.stem}.tmp{os.getpid()}.keras")
    try:
        model.save(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _json_default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def read_config(run_dir: Path) -> dict:
    """The options a run was started with, checked to be of this version's format."""
    path = Path(run_dir) / CONFIG_FILE
    if not path.exists():
        raise ModelFileError(f"{run_dir} holds no {CONFIG_FILE}: it is not a keras-gmgan run.")
    try:
        config = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ModelFileError(f"{path} is not valid JSON ({error}).") from error
    if config.get("format") != CONFIG_FORMAT:
        raise ModelFileError(
            f"{run_dir} was made by keras-gmgan "
            f"{config.get('versions', {}).get('keras-gmgan', 'of an unknown version')} with "
            f"config format {config.get('format')}; this version ({__version__}) resumes format "
            f"{CONFIG_FORMAT} only. Start a new run instead."
        )
    return config


def model_path(source: Union[str, Path]) -> Path:
    """The `.keras` file of a run directory, or `source` itself if it is a model file."""
    source = Path(source)
    if source.is_dir():
        source = source / MODEL_FILE
        if not source.exists():
            raise ModelFileError(
                f"{source.parent} holds no {MODEL_FILE}: is it a finished keras-gmgan run "
                "directory?"
            )
    elif not source.exists():
        raise ModelFileError(f"{source} does not exist: pass a run directory or a .keras file.")
    elif source.suffix != ".keras":
        raise ModelFileError(f"{source} is not a .keras model file or a run directory.")
    return source


def load_model(source: Union[str, Path]):
    """Loads a keras-gmgan model from a run directory or `.keras` file (safe mode on)."""
    import keras

    import keras_gmgan.models  # noqa: F401  (registers the model classes and schedules)

    path = model_path(source)
    try:
        return keras.models.load_model(path)
    except Exception as error:
        raise ModelFileError(f"Could not load {path}: {_load_failure(error)}") from error


#: Keras' message for a class it cannot find, which goes on to print the whole model config.
_UNKNOWN_CLASS = re.compile(r"Could not locate class '([^']+)'")
#: The most of an unexpected load error's first line that a one-line message quotes.
_QUOTED_CHARACTERS = 200


def _load_failure(error: Exception) -> str:
    """Why `keras.models.load_model` failed, in one short line: the unknown class by name
    (Keras' own message holds the full model config, thousands of characters), else the
    first line of the error, cut short."""
    unknown = _UNKNOWN_CLASS.search(str(error))
    if unknown:
        return (
            f"it holds the class {unknown.group(1)!r}, which neither Keras nor keras-gmgan "
            f"{__version__} defines. Load it with the package (or keras-gmgan version) that "
            "saved it, or pass a model saved by keras-gmgan."
        )
    first = str(error).splitlines()[0] if str(error) else ""
    if len(first) > _QUOTED_CHARACTERS:
        first = first[:_QUOTED_CHARACTERS] + " ..."
    return (
        "the file is corrupt, truncated or not a keras-gmgan model "
        f"({type(error).__name__}: {first})."
    )
