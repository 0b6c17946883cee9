"""Learning-rate schedules that Keras does not ship: hold the rate, then decay it linearly."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gmgan")
class HoldThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """The rate stays at `initial_learning_rate` for `hold_steps`, then falls linearly to
    `end_learning_rate` (0 by default) over `decay_steps`, and stays there.

    Improved GAN's CIFAR-10 schedule (Salimans et al. 2016): it keeps the rate for 800 of
    1200 epochs and lowers it to 0 over the last 400 (its MNIST script keeps the rate
    constant for all 300 epochs and classifies with a 0.9999 average of the weights instead).
    Keras' `PolynomialDecay` decays from the first step; holding first lets the game use the
    full rate while it still gains from it.
    With `hold_steps=0` this is `PolynomialDecay(lr, decay_steps, end_learning_rate)`.

    Stateless like every Keras schedule: each optimizer calls it with its own step count, so
    it is exact under every backend and a resumed run picks it up where it stopped.

    Args:
        initial_learning_rate: the rate held at first.
        hold_steps: steps at the full rate.
        decay_steps: steps over which the rate then falls to `end_learning_rate`.
        end_learning_rate: the rate at the end of the decay and after it.

    Example:
    >>> schedule = HoldThenLinearDecay(1e-3, hold_steps=2, decay_steps=4)
    >>> [round(float(schedule(step)), 6) for step in range(8)]
    [0.001, 0.001, 0.001, 0.00075, 0.0005, 0.00025, 0.0, 0.0]
    >>> schedule = HoldThenLinearDecay(1e-3, hold_steps=0, decay_steps=2, end_learning_rate=1e-4)
    >>> [round(float(schedule(step)), 6) for step in range(4)]
    [0.001, 0.00055, 0.0001, 0.0001]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        hold_steps: int,
        decay_steps: int,
        end_learning_rate: float = 0.0,
        name: str = "HoldThenLinearDecay",
    ):
        if hold_steps < 0 or decay_steps < 1:
            raise ValueError(
                f"HoldThenLinearDecay needs hold_steps >= 0 and decay_steps >= 1, got "
                f"hold_steps={hold_steps}, decay_steps={decay_steps}."
            )
        if not 0 <= end_learning_rate <= initial_learning_rate:
            raise ValueError(
                f"HoldThenLinearDecay decays from initial_learning_rate={initial_learning_rate} "
                f"to end_learning_rate, which must lie between 0 and it; got {end_learning_rate}."
            )
        self.initial_learning_rate = initial_learning_rate
        self.hold_steps = int(hold_steps)
        self.decay_steps = int(decay_steps)
        self.end_learning_rate = end_learning_rate
        self.name = name

    def __call__(self, step):
        step = ops.cast(step, "float32")
        left = (self.hold_steps + self.decay_steps - step) / self.decay_steps
        span = self.initial_learning_rate - self.end_learning_rate
        return self.end_learning_rate + span * ops.clip(left, 0.0, 1.0)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "hold_steps": self.hold_steps,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "name": self.name,
        }
