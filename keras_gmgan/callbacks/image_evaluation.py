"""A callback that scores generated images (FID, precision, recall) while a model trains."""

import math
from typing import Optional, Sequence

from keras_gmgan.callbacks.periodic_evaluation import PeriodicEvaluation
from keras_gmgan.metrics.class_balance import BALANCE_KEYS
from keras_gmgan.metrics.evaluation import Evaluator


class EvaluationCallback(PeriodicEvaluation):
    """Adds FID / precision / recall of fresh samples to the epoch logs while a model trains.

    Evaluates after every `every`-th epoch, and with `every_n_steps` also after every that
    many training steps inside epochs (the semantics of `Mixture2DMetrics`, so
    `keras-gmgan fit --eval-every N` means the same for images and 2-D points). Epochs that
    are not evaluated log NaN for the same keys, so `keras.callbacks.CSVLogger` (which fixes
    its columns at the first epoch) writes the metrics to `history.csv`: put this callback
    before the CSVLogger in the `callbacks` list. Every evaluation is kept in `records` with
    its step, the last in `latest`, for a results file. The same seed is used at every
    evaluation so the curve tracks the model, not the sampling noise.

    Args:
        evaluator: an `Evaluator` holding the real features.
        every: evaluate after every `every`-th epoch (and never before the first).
        n: generated samples per evaluation.
        metrics: which metrics to log (any of `IMAGE_METRICS`).
        seed: latent seed of the evaluation samples.
        every_n_steps: also evaluate after every this many steps (None: epoch ends only).
    """

    def __init__(
        self,
        evaluator: Evaluator,
        every: int = 1,
        n: int = 10_000,
        metrics: Sequence[str] = ("fid", "precision", "recall"),
        seed: int = 0,
        every_n_steps: Optional[int] = None,
    ):
        super().__init__(every_n_steps)
        if every < 1:
            raise ValueError(f"every must be a positive number of epochs; got {every}.")
        self.evaluator = evaluator
        self.every = int(every)
        self.n = int(n)
        self.metrics = tuple(metrics)
        self.seed = seed

    def measure(self) -> dict:
        """The logged metrics of `n` samples generated now, and (for the records only, not
        the logs) the class histogram and its balance figures."""
        generated = self.model.generate(self.n, seed=self.seed)
        results = self.evaluator.evaluate(generated, metrics=self.metrics + ("class_balance",))
        recorded = self.metrics + ("class_histogram",) + BALANCE_KEYS
        return {name: results[name] for name in recorded if name in results}

    def summary(self) -> dict:
        """The last evaluation, the real-vs-real floor of its metrics, the sample count and
        every evaluation."""
        floor = self.evaluator.floor
        summary = {"evaluation": self.latest, "evaluation_samples": self.n, **super().summary()}
        if floor is not None:
            summary["evaluation_floor"] = {name: floor[name] for name in self.metrics}
        return summary

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        if (epoch + 1) % self.every:
            logs.update({name: math.nan for name in self.metrics})
            return
        latest = self.evaluation_at_epoch_end()
        logs.update({name: latest[name] for name in self.metrics})
