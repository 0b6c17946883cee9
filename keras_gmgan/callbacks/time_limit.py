"""Stop `fit` after a wall-clock budget: train for ten minutes rather than for N epochs."""

import time
from typing import Optional

from keras_gmgan.callbacks.step_counting import StepCountingCallback


class TimeLimit(StepCountingCallback):
    """Stops training at the end of the first batch that finds `seconds` spent in this `fit`.

    Comparing models at the same training time, as a user with a fixed budget does, needs a
    stop that does not depend on epochs or steps. The clock starts when `fit` starts (so it
    includes compilation, which a user waits for too) and is read after each batch; the
    last batch overshoots the budget by at most one call of the train function (one step, or
    `steps_per_execution` of them; plus, under JAX's asynchronous
    dispatch, the few steps still queued, which the closing state sync then waits for).

    Attributes (after `fit`):
        steps: batches trained in this `fit` call.
        seconds: wall-clock seconds the `fit` call trained for.
        reached: whether the budget stopped training (False if the epochs ran out first).

    Args:
        seconds: the budget, in seconds (> 0).
    """

    def __init__(self, seconds: float):
        super().__init__()
        if not seconds > 0:
            raise ValueError(f"seconds must be a positive budget; got {seconds!r}.")
        self.budget = float(seconds)
        self.seconds: Optional[float] = None
        self.reached = False
        self._started = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.seconds, self.reached = None, False
        self._started = time.perf_counter()

    @property
    def steps(self) -> int:
        """Training steps run in this `fit` call."""
        return self.steps_this_fit

    @property
    def elapsed(self) -> float:
        """Seconds since this `fit` started (0 before it has)."""
        return 0.0 if self._started is None else time.perf_counter() - self._started

    def on_train_batch_end(self, batch, logs=None):
        self.count_steps(batch)
        if self.elapsed >= self.budget:
            self.reached = True
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.seconds = self.elapsed
