"""The schedule shared by the callbacks that score a model's samples while it trains."""

from typing import Optional

from keras_gmgan.callbacks.step_counting import StepCountingCallback


class PeriodicEvaluation(StepCountingCallback):
    """Scores fresh samples at epoch ends and, with `every_n_steps`, every that many steps.

    Subclasses say what one evaluation measures (`measure()`, a dict of numbers); this class
    counts training steps from the optimizer's `iterations` (`StepCountingCallback`: a
    resumed run keeps its step numbers), keeps every evaluation in `records` with its
    `step`, the last in `latest`, and reuses an in-epoch evaluation taken at the epoch's last
    step instead of repeating it.
    `keras-gmgan fit --eval-every N` means the same for images and 2-D points because both
    callbacks share this schedule.

    Args:
        every_n_steps: also evaluate after every this many steps (None: epoch ends only);
            a model compiled with `steps_per_execution` k is evaluated at the end of the call
            that reaches or passes each multiple, and the record names the step it ran to.
    """

    #: The results.json key of `records` (`keras_gmgan.runs.Run` keeps them across resumes).
    records_key = "evaluations"

    def __init__(self, every_n_steps: Optional[int] = None):
        super().__init__()
        if every_n_steps is not None and every_n_steps < 1:
            raise ValueError(f"every_n_steps must be a positive integer; got {every_n_steps}.")
        self.every_n_steps = every_n_steps
        self.records: list[dict] = []

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
        record = {"step": self.step, **self.measure()}
        self.records.append(record)
        return record

    def evaluation_at_epoch_end(self) -> dict:
        """The evaluation for the step just finished: reused if already taken, else new."""
        latest = self.latest
        if latest is None or latest["step"] != self.step:
            latest = self.evaluate()
        return latest

    def on_train_batch_end(self, batch, logs=None):
        ran = self.count_steps(batch)
        if self.every_n_steps and self.crossed_multiple_of(self.every_n_steps, ran):
            self.evaluate()
