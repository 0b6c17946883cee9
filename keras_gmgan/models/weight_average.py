"""Exponential moving averages of a player's weights: the generator's for sampling, the SGAN
discriminator's for classifying.

Averaging the iterates of GAN training damps the oscillation of the adversarial game, and
the averaged generator draws better samples than the last iterate at no training cost
(Yazıcı et al. 2019). The averages are non-trainable weights of the model that owns them,
so under JAX they are threaded through the jit-compiled step with the rest of the state,
`.keras` files save and reload them, and a resumed run continues them exactly.
"""

import contextlib
from typing import Iterator, Optional, Sequence

import keras
from keras import ops

#: What `generate(..., weights=...)` may sample: the average or the trained weights.
WEIGHT_CHOICES = ("ema", "raw")


class WeightAverage:
    """An exponential moving average (EMA) of some variables, kept as the owner's weights.

    After the `step`-th update of the averaged variables, `update(step)` sets every average
    to `d · average + (1 − d) · variable` with `d = min(decay, (1 + step) / (10 + step))`:
    early on the decay is capped, so the average forgets its starting point after a few
    dozen steps and is useful after a short run too (the schedule of TensorFlow's
    `ExponentialMovingAverage` with `num_updates`). The averages start as copies of the
    variables.

    Args:
        owner: the layer or model whose non-trainable weights hold the averages.
        variables: the variables to average, e.g. a player's trainable variables.
        decay: the decay, in (0, 1), e.g. 0.999.
        name: prefix of the averages' weight names (`{name}_0`, `{name}_1`, ...).

    Reference:
        Yazıcı et al., "The Unusual Effectiveness of Averaging in GAN Training", ICLR 2019.
    """

    def __init__(
        self,
        owner: keras.layers.Layer,
        variables: Sequence[keras.Variable],
        decay: float,
        name: str = "ema",
    ):
        if isinstance(decay, bool) or not 0.0 < float(decay) < 1.0:
            raise ValueError(f"ema_decay must lie in (0, 1), e.g. 0.999; got {decay!r}.")
        self.decay = float(decay)
        self.variables = list(variables)
        self.averages = []
        for index, variable in enumerate(self.variables):
            average = owner.add_weight(
                shape=variable.shape,
                initializer="zeros",
                dtype=variable.dtype,
                trainable=False,
                name=f"{name}_{index}",
            )
            self.averages.append(average)
        self.reset()
        self._holds_averages = False
        self._blocks = 0

    def reset(self) -> None:
        """Restarts the averages from the variables' current values (e.g. after a warm start)."""
        for average, variable in zip(self.averages, self.variables):
            # A copy: under JAX a shared buffer would be donated twice by the jitted step.
            average.assign(ops.convert_to_numpy(variable))

    def decay_at(self, step):
        """The decay used by the update after `step` updates of the variables (a tensor)."""
        step = ops.cast(step, "float32")
        return ops.minimum(self.decay, (1.0 + step) / (10.0 + step))

    def update(self, step) -> None:
        """Moves every average towards its variable; written with `keras.ops`, so it runs
        inside a compiled `train_step` on every backend. `step`: how many updates the
        variables have had, e.g. their optimizer's `iterations` after its step."""
        decay = self.decay_at(step)
        for average, variable in zip(self.averages, self.variables):
            value = ops.stop_gradient(variable.value)
            average.assign(
                ops.cast(decay, average.dtype) * average.value
                + ops.cast(1.0 - decay, average.dtype) * value
            )

    @contextlib.contextmanager
    def holding(self, averages: bool = True) -> Iterator[None]:
        """Within the block the variables hold the averages (or, with `averages=False`, the
        trained values); afterwards they hold what they held before. Blocks nest."""
        self._blocks += 1
        try:
            if averages == self._holds_averages:
                yield
                return
            current = [ops.convert_to_numpy(variable) for variable in self.variables]
            if averages:
                wanted = [ops.convert_to_numpy(average) for average in self.averages]
                self._raw = current
            else:
                wanted = self._raw
            previous = self._holds_averages
            try:
                for variable, value in zip(self.variables, wanted):
                    variable.assign(value)
                self._holds_averages = averages
                yield
            finally:
                for variable, value in zip(self.variables, current):
                    variable.assign(value)
                self._holds_averages = previous
        finally:
            self._blocks -= 1

    @property
    def in_block(self) -> bool:
        """Whether a `holding` block is open (an enclosing caller chose the weights)."""
        return self._blocks > 0


@contextlib.contextmanager
def sampling_weights(average: Optional[WeightAverage], weights: Optional[str] = None):
    """Within the block the averaged player holds the weights to sample with.

    `weights`: `"ema"` (the average; an error if none is kept), `"raw"` (the trained
    weights), or None: the choice of an enclosing block if there is one, else the average
    when one is kept.
    """
    if weights is not None and weights not in WEIGHT_CHOICES:
        raise ValueError(f"weights must be one of {', '.join(WEIGHT_CHOICES)}; got {weights!r}.")
    if average is None:
        if weights == "ema":
            raise ValueError(
                "This model keeps no moving average of its generator: build it with "
                "ema_decay (e.g. 0.999), or sample its trained weights (weights='raw')."
            )
        yield
        return
    if weights is None and average.in_block:
        yield
        return
    with average.holding(weights != "raw"):
        yield
