"""A crash-safe checkpoint at every epoch end, for `keras-gmgan fit --resume`."""

import json
import os
from pathlib import Path
from typing import Optional, Union

import keras

from keras_gmgan.runs import ModelFileError, write_json_atomic

CHECKPOINT_MODEL = "checkpoint.keras"
CHECKPOINT_STATE = "checkpoint.json"
#: Where an epoch's model is saved before the counter names it, e.g. ".checkpoint.epoch-3.keras".
STAGED_PREFIX = ".checkpoint.epoch-"


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves the whole model (weights, both optimizers, seed state) after each epoch.

    The model and its epoch counter are two files, so no rename can replace both at once.
    The model is saved under a name of its own epoch; then checkpoint.json, renamed into
    place, names that file with the epoch count (the one step that moves the checkpoint
    on); then the file is renamed to checkpoint.keras. A crash before the counter's rename
    leaves the previous pair, and one after it a counter whose model is either the named
    file or, once renamed, checkpoint.keras (`read_checkpoint`), so a resumed run never
    repeats or skips an epoch. Keras' `BackupAndRestore` is not used because it overwrites
    its files in place.

    Args:
        directory: the run directory.
    """

    def __init__(self, directory: Union[str, Path]):
        super().__init__()
        self.directory = Path(directory)

    def on_epoch_end(self, epoch, logs=None):
        completed = epoch + 1
        staged = self.directory / f"{STAGED_PREFIX}{completed}.keras"
        try:
            self.model.save(staged)
        except BaseException:
            # A full disk leaves a partial file of megabytes: gone at once, the last good
            # checkpoint untouched.
            staged.unlink(missing_ok=True)
            raise
        write_json_atomic(
            self.directory / CHECKPOINT_STATE,
            {"epochs_completed": completed, "model": staged.name},
        )
        os.replace(staged, self.directory / CHECKPOINT_MODEL)
        for leftover in self.directory.glob(f"{STAGED_PREFIX}*.keras"):
            leftover.unlink(missing_ok=True)  # saved by an epoch whose counter never came


def read_checkpoint(directory: Union[str, Path]) -> Optional[tuple[Path, int]]:
    """Returns `(model_path, epochs_completed)` of a run's checkpoint, or None if it has none.

    Raises `ModelFileError` (a ValueError) if checkpoint.json cannot be read: only a run
    started again can then be trusted.
    """
    directory = Path(directory)
    state = directory / CHECKPOINT_STATE
    if not state.exists():
        return None
    try:
        saved = json.loads(state.read_text())
        completed = saved["epochs_completed"]
        # Runs checkpointed before the counter named its model have no "model".
        name = saved.get("model", CHECKPOINT_MODEL)
        if not (isinstance(completed, int) and isinstance(name, str) and Path(name).name == name):
            raise ValueError(f"unexpected contents {saved!r}")
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ModelFileError(
            f"{state} is corrupt ({error}), so which epoch the checkpoint holds is unknown; "
            "start the run again (keras-gmgan fit with its options and --overwrite)."
        ) from None
    for model in (directory / name, directory / CHECKPOINT_MODEL):
        # The named file is renamed to checkpoint.keras once the counter names it.
        if model.is_file():
            return model, completed
    return None
