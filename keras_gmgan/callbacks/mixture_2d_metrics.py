"""A callback that measures mode coverage on a 2-D mixture while a model trains."""

from typing import Any, Optional

import keras

from keras_gmgan.metrics.modes_2d import NUM_EVAL_SAMPLES, evaluate_mixture_2d

#: The measures written into the epoch logs (and so into `History` and `CSVLogger`).
LOGGED_MEASURES = ("modes_captured", "high_quality", "reverse_kl")


class Mixture2DMetrics(keras.callbacks.Callback):
    """Modes captured, high-quality share and reverse KL of 2,500 generated points.

    At every epoch end the model generates `num_samples` points from a fixed seed and the
    PacGAN measures (`keras_gmgan.metrics.evaluate_mixture_2d`) are added to the epoch logs
    as `modes_captured`, `high_quality` and `reverse_kl` (with `prefix`), so `History` and a
    `CSVLogger` placed *after* this callback record them. With `every_n_steps` the measures
    are also taken inside epochs. Every evaluation is kept in `records` with its step (the
    generator step count), and the last one in `latest`, for a results file.

    Args:
        mixture: the true mixture, an object with `means` (K, 2) and `std`
            (`keras_gmgan.datasets.get_mixture_2d(name)`).
        every_n_steps: also evaluate after every this many steps (None: epoch ends only).
        num_samples: generated points per evaluation (2,500 in the protocol).
        seed: seed of the generated points (the same latents at every evaluation).
        prefix: prepended to the log names, e.g. `"val_"`.
    """

    def __init__(
        self,
        mixture: Any,
        every_n_steps: Optional[int] = None,
        num_samples: int = NUM_EVAL_SAMPLES,
        seed: int = 0,
        prefix: str = "",
    ):
        super().__init__()
        if every_n_steps is not None and every_n_steps < 1:
            raise ValueError(f"every_n_steps must be a positive integer; got {every_n_steps}.")
        self.mixture = mixture
        self.every_n_steps = every_n_steps
        self.num_samples = int(num_samples)
        self.seed = seed
        self.prefix = prefix
        self.records: list[dict] = []
        self._step = 0

    @property
    def latest(self) -> Optional[dict]:
        """The most recent evaluation (with its `step`), or None before the first."""
        return self.records[-1] if self.records else None

    def evaluate(self) -> dict:
        """Generates `num_samples` points now and returns (and records) the measures."""
        samples = self.model.generate(self.num_samples, seed=self.seed)
        result = {"step": self._step, **evaluate_mixture_2d(samples, self.mixture)}
        self.records.append(result)
        return result

    def on_train_begin(self, logs=None):
        self._step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self.every_n_steps and self._step % self.every_n_steps == 0:
            self.evaluate()

    def on_epoch_end(self, epoch, logs=None):
        latest = self.latest
        if latest is None or latest["step"] != self._step:
            latest = self.evaluate()
        if logs is not None:
            for name in LOGGED_MEASURES:
                logs[self.prefix + name] = latest[name]
