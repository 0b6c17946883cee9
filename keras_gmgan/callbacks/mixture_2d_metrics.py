"""A callback that measures mode coverage on a 2-D mixture while a model trains."""

from typing import Any, Optional

from keras_gmgan.callbacks.periodic_evaluation import PeriodicEvaluation
from keras_gmgan.metrics.modes_2d import NUM_EVAL_SAMPLES, evaluate_mixture_2d

#: The measures written into the epoch logs (and so into `History` and `CSVLogger`).
LOGGED_MEASURES = ("modes_captured", "high_quality", "reverse_kl")


class Mixture2DMetrics(PeriodicEvaluation):
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

    records_key = "mode_evaluations"

    def __init__(
        self,
        mixture: Any,
        every_n_steps: Optional[int] = None,
        num_samples: int = NUM_EVAL_SAMPLES,
        seed: int = 0,
        prefix: str = "",
    ):
        super().__init__(every_n_steps)
        self.mixture = mixture
        self.num_samples = int(num_samples)
        self.seed = seed
        self.prefix = prefix

    def measure(self) -> dict:
        """The PacGAN measures of `num_samples` points generated now."""
        samples = self.model.generate(self.num_samples, seed=self.seed)
        return evaluate_mixture_2d(samples, self.mixture)

    def summary(self) -> dict:
        """The last evaluation as `modes`, and every one."""
        return {"modes": self.latest, self.records_key: self.records}

    def on_epoch_end(self, epoch, logs=None):
        latest = self.evaluation_at_epoch_end()
        if logs is not None:
            for name in LOGGED_MEASURES:
                logs[self.prefix + name] = latest[name]
