"""A crash-safe checkpoint at every epoch end, for `keras-gmgan fit --resume`."""

import json
import os
from pathlib import Path

import keras

from keras_gmgan.runs import ModelFileError

CHECKPOINT_MODEL = "checkpoint.keras"
CHECKPOINT_STATE = "checkpoint.json"


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves the whole model (weights, both optimizers, seed state) after each epoch.

    Each file is written under a temporary name and renamed into place, model first and the
    epoch counter second, so a crash at any moment leaves the previous complete checkpoint.
    Keras' `BackupAndRestore` is not used because it overwrites its files in place.

    Args:
        directory: the run directory.
    """

    def __init__(self, directory: str):
        super().__init__()
        self.directory = Path(directory)

    def on_epoch_end(self, epoch, logs=None):
        model_path = self.directory / CHECKPOINT_MODEL
        temporary = self.directory / f".{CHECKPOINT_MODEL}.tmp.keras"
        self.model.save(temporary)
        os.replace(temporary, model_path)
        state = self.directory / CHECKPOINT_STATE
        temporary_state = self.directory / f".{CHECKPOINT_STATE}.tmp"
        temporary_state.write_text(json.dumps({"epochs_completed": epoch + 1}))
        os.replace(temporary_state, state)


def read_checkpoint(directory: str):
    """Returns `(model_path, epochs_completed)` of a run's checkpoint, or None if it has none.

    Raises `ModelFileError` (a ValueError) if checkpoint.json cannot be read: only a run
    started again can then be trusted.
    """
    directory = Path(directory)
    state = directory / CHECKPOINT_STATE
    if not state.exists() or not (directory / CHECKPOINT_MODEL).exists():
        return None
    try:
        completed = json.loads(state.read_text())["epochs_completed"]
        if not isinstance(completed, int):
            raise ValueError(f"epochs_completed is {completed!r}")
    except (ValueError, KeyError, TypeError) as error:
        raise ModelFileError(
            f"{state} is corrupt ({error}), so which epoch the checkpoint holds is unknown; "
            "start the run again (keras-gmgan fit with its options and --overwrite)."
        ) from None
    return directory / CHECKPOINT_MODEL, completed
