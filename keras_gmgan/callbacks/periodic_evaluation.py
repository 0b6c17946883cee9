"""The schedule shared by the callbacks that score a model's samples while it trains."""

from typing import Optional

import keras


class PeriodicEvaluation(keras.callbacks.Callback):
    """Scores fresh samples at epoch ends and, with `every_n_steps`, every that many steps.

    Subclasses say what one evaluation measures (`measure()`, a dict of numbers); this class
    counts training steps from the optimizer's `iterations` (so a resumed run keeps its step
    numbers), keeps every evaluation in `records` with its `step`, the last in `latest`, and
    reuses an in-epoch evaluation taken at the epoch's last step instead of repeating it.
    `keras-gmgan fit --eval-every N` means the same for images and 2-D points because both
    callbacks share this schedule.

    Args:
        every_n_steps: also evaluate after every this many steps (None: epoch ends only).
    """

    #: The results.json key of `records` (`keras_gmgan.runs.Run` keeps them across resumes).
    records_key = "evaluations"

    def __init__(self, every_n_steps: Optional[int] = None):
        super().__init__()
        if every_n_steps is not None and every_n_steps < 1:
            raise ValueError(f"every_n_steps must be a positive integer; got {every_n_steps}.")
        self.every_n_steps = every_n_steps
        self.records: list[dict] = []
        self._step = 0

    def measure(self) -> dict:
        """One evaluation of `self.model` now: {name: value}."""
        raise NotImplementedError

    @property
    def latest(self) -> Optional[dict]:
        """The most recent evaluation (with its `step`), or None before the first."""
        return self.records[-1] if self.records else None

    def summary(self) -> dict:
        """What a run's results.json reports of these evaluations: every record by default."""
        return {self.records_key: self.records}

    def evaluate(self) -> dict:
        """Evaluates now and returns (and records) the result with its step."""
        record = {"step": self._step, **self.measure()}
        self.records.append(record)
        return record

    def evaluation_at_epoch_end(self) -> dict:
        """The evaluation for the step just finished: reused if already taken, else new."""
        latest = self.latest
        if latest is None or latest["step"] != self._step:
            latest = self.evaluate()
        return latest

    def on_train_begin(self, logs=None):
        self._step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self.every_n_steps and self._step % self.every_n_steps == 0:
            self.evaluate()
