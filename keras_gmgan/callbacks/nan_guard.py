"""Stop training the moment a logged loss stops being finite."""

import math

import keras

from keras_gmgan.callbacks.step_counting import StepCountingCallback


class NonFiniteLossError(RuntimeError):
    """A loss became NaN or infinite during training."""

    def __init__(self, step: int, name: str, value: float):
        super().__init__(f"{name} became {value} at training step {step}.")
        self.step, self.name, self.value = step, name, value


class StopOnNonFinite(StepCountingCallback):
    """Raises `NonFiniteLossError` at the first batch whose logs hold a NaN or infinity.

    Keras' `TerminateOnNaN` watches only `loss` and lets the epoch end (so an epoch-end
    checkpoint would save the broken weights); raising stops `fit` at once instead, and the
    last good checkpoint stays as it was.
    """

    def on_train_batch_end(self, batch, logs=None):
        self.count_steps(batch)
        for name, value in (logs or {}).items():
            value = float(keras.ops.convert_to_numpy(value))
            if not math.isfinite(value):
                self.model.stop_training = True
                raise NonFiniteLossError(self.step, name, value)
