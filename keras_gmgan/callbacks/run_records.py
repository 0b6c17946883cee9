"""What results.json needs from a run's finished epochs, kept beside its checkpoint.

A run resumed with `keras-gmgan fit --resume` trains only its remaining epochs, but its
results.json should cover the whole run: every evaluation taken during training and the
training time of every epoch. `RunRecords` saves both at each epoch end, before the epoch's
checkpoint, and `read_run_records` gives a resumed run what its checkpoint had seen.
"""

import json
import time
from pathlib import Path
from typing import Optional

import keras

from keras_gmgan import runs

#: The file in the run directory; removed with the checkpoint once the run has finished.
RECORDS_FILE = "checkpoint_records.json"


class RunRecords(keras.callbacks.Callback):
    """Saves the evaluation callbacks' records and the training time at every epoch end.

    Put it after the evaluation callbacks (their epoch-end evaluations are then recorded)
    and before `EpochCheckpoint`: the file then always reaches the checkpoint's step, and a
    resumed run keeps the records up to that step (`read_run_records`).

    Args:
        directory: the run directory.
        evaluations: {results.json key: a callback with a `records` list of dicts with a
            "step"}, e.g. {"mode_evaluations": Mixture2DMetrics(...)}.
        seconds_before: training time of the epochs before this `fit` call (a resumed run).
    """

    def __init__(self, directory: Path, evaluations: dict, seconds_before: float = 0.0):
        super().__init__()
        self.path = Path(directory) / RECORDS_FILE
        self.evaluations = evaluations
        self.seconds_before = seconds_before
        self.epochs: list[dict] = []

    def on_train_begin(self, logs=None):
        self.started = time.time()

    def on_epoch_end(self, epoch, logs=None):
        steps = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        seconds = self.seconds_before + time.time() - self.started
        self.epochs.append({"steps": steps, "train_seconds": round(seconds, 3)})
        records = {key: callback.records for key, callback in self.evaluations.items()}
        runs.write_json_atomic(self.path, {"epochs": self.epochs, "records": records})


def read_run_records(directory: Path, steps: int) -> Optional[dict]:
    """The records saved up to step `steps` (a checkpoint's), or None if none were saved.

    Returns {"train_seconds": float, "records": {key: [record, ...]}}, dropping what a later
    epoch, whose checkpoint was never written, had added.
    """
    path = Path(directory) / RECORDS_FILE
    if not path.is_file():
        return None
    try:
        saved = json.loads(path.read_text())
        seconds = [epoch["train_seconds"] for epoch in saved["epochs"] if epoch["steps"] <= steps]
        records = {
            key: [record for record in values if record["step"] <= steps]
            for key, values in saved["records"].items()
        }
    except (ValueError, KeyError, TypeError):
        return None  # an unreadable file costs the earlier records, not the run
    return {"train_seconds": seconds[-1] if seconds else 0.0, "records": records}
