"""The training steps a `fit` has run, counted right whatever its `steps_per_execution`."""

import keras


class StepCountingCallback(keras.callbacks.Callback):
    """A callback that knows how many training steps have run (`self.step`).

    Keras calls `on_train_batch_end` once per call of the compiled train function, and a
    model compiled with `steps_per_execution=k` runs k steps per call; the `batch` it passes
    is the index of the last step the call was given, which on an epoch's last call can lie
    past the epoch's end. Adding one per call would count k times too few steps. Subclasses
    call `count_steps(batch)` in `on_train_batch_end`; it adds the steps that call ran,
    the epoch's length (`params["steps"]`) bounding the last one.

    `self.step` starts from the optimizer's `iterations`, so a resumed run keeps its step
    numbers (`steps_this_fit` counts from 0 at every `fit`).
    """

    def __init__(self):
        super().__init__()
        self.step = 0
        self.steps_this_fit = 0
        self._last_batch = -1

    def on_train_begin(self, logs=None):
        self.step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        self.steps_this_fit = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._last_batch = -1

    def count_steps(self, batch: int) -> int:
        """Adds the steps of the call that ended at `batch` (its last batch index within the
        epoch) to `step` and `steps_this_fit`, and returns how many there were."""
        epoch_steps = (self.params or {}).get("steps")
        if epoch_steps:
            batch = min(batch, epoch_steps - 1)
        ran = max(batch - self._last_batch, 0)
        self._last_batch = batch
        self.step += ran
        self.steps_this_fit += ran
        return ran

    def crossed_multiple_of(self, every: int, ran: int) -> bool:
        """Whether the last `ran` steps passed a multiple of `every` (at most one call
        ahead of it when a call runs several steps)."""
        return self.step // every > (self.step - ran) // every
