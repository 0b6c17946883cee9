"""Where data sets come from: an explicit path, `KERAS_GMGAN_DATA`, or the Keras download.

Machines without internet cannot use `keras.datasets.*.load_data()`, and Keras re-downloads a
cached file whose checksum differs from its own, so local copies are read directly instead.
"""

import os
from pathlib import Path
from typing import Optional

#: Environment variable naming a directory with `mnist.npz` and `fashion-mnist/*.gz`.
DATA_ENV_VAR = "KERAS_GMGAN_DATA"


class DataNotFoundError(FileNotFoundError):
    """No local copy of a data set was found and the Keras download failed."""


class DataFormatError(ValueError):
    """A data file exists but does not hold what the loader expects."""


def resolve_local(path: Optional[str], file_name: str) -> Optional[Path]:
    """Returns the local copy to read, or None to fall back to the Keras download.

    `path` may be the file itself or a directory holding `file_name`; when it is None the
    directory named by `KERAS_GMGAN_DATA` is searched.
    """
    if path is not None:
        candidate = Path(path).expanduser()
        if candidate.is_dir():
            candidate = candidate / file_name
        if not candidate.exists():
            raise DataNotFoundError(
                f"{candidate} does not exist. Pass --data a file or a directory holding "
                f"{file_name}."
            )
        return candidate
    env_dir = os.environ.get(DATA_ENV_VAR)
    if env_dir:
        candidate = Path(env_dir).expanduser() / file_name
        if candidate.exists():
            return candidate
    return None


def download_failed(name: str, file_name: str, error: Exception) -> DataNotFoundError:
    """The error raised when no local copy exists and the Keras download fails (offline)."""
    return DataNotFoundError(
        f"Could not load {name}: no local copy was found and the Keras download failed "
        f"({error}). Pass --data PATH (a {file_name} file or a directory holding it) or set "
        f"{DATA_ENV_VAR} to a directory that holds it."
    )
