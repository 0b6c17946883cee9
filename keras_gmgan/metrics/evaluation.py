"""Evaluation runs: extract features once, call the pure metrics, return one JSON-able dict.

The math lives in `fid`, `precision_recall`, `classifier_score` and `clustering`; this module
only decides what is computed on which images (the layering of Mimicry's metrics).
"""

from typing import Any, Optional, Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from keras_gmgan.metrics.class_balance import class_balance
from keras_gmgan.metrics.classifier_score import (
    class_histogram,
    classes_covered,
    classifier_score,
    conditional_accuracy,
)
from keras_gmgan.metrics.clustering import clustering_accuracy
from keras_gmgan.metrics.feature_extractor import FeatureExtractor
from keras_gmgan.metrics.fid import feature_statistics, frechet_distance
from keras_gmgan.metrics.precision_recall import precision_recall_density_coverage

#: The metrics every report holds, in table order (the `_floor` twins follow when computed).
IMAGE_METRICS = ("fid", "precision", "recall", "density", "coverage")


class Evaluator:
    """Scores batches of generated images against a fixed real set.

    The real features, their FID statistics and the real-vs-real floor are computed once, so
    evaluating during training (`keras_gmgan.callbacks.EvaluationCallback`) costs only the
    generated images.

    Args:
        real: real images (N, 28, 28, 1) in [-1, 1], usually the test split.
        extractor: a `FeatureExtractor` or the name of a bundled one (`"mnist"`).
        floor_images: other real images (usually a train-split subset of the same size);
            when given, every report includes `fid_floor`, `precision_floor`, ...: the same
            metrics for these real images, the best a perfect generator could expect.
        k_precision_recall: k of the improved precision/recall balls (3).
        k_density_coverage: k of the density/coverage balls (5).
        batch_size: extractor batch size.
    """

    def __init__(
        self,
        real,
        extractor: Any = "mnist",
        floor_images=None,
        k_precision_recall: int = 3,
        k_density_coverage: int = 5,
        batch_size: int = 500,
    ):
        self.extractor = _extractor(extractor)
        self.k_precision_recall = k_precision_recall
        self.k_density_coverage = k_density_coverage
        self.batch_size = batch_size
        self.real_features = self.extractor.features(real, batch_size)
        self.real_statistics = feature_statistics(self.real_features)
        self.floor = None
        if floor_images is not None:
            floor_features = self.extractor.features(floor_images, batch_size)
            self.floor = self._manifold_metrics(floor_features)

    @classmethod
    def from_splits(
        cls,
        x_train,
        x_test,
        extractor: Any = "mnist",
        n: int = 10_000,
        seed: int = 0,
        **kwargs,
    ) -> "Evaluator":
        """The standard set-up: the first `n` test images are the real set, and as many train
        images drawn at random (seeded) give the real-vs-real floor.

        A random train subset, not the first `n`: MNIST's splits are ordered by writer
        population, so a contiguous slice gives a floor that depends on where it starts.
        With fewer than `n` test images the floor takes as many train images as there are
        test images, so it is the floor at the size actually compared.
        """
        x_train, x_test = np.asarray(x_train), np.asarray(x_test)
        n_real = min(n, len(x_test))
        n_floor = min(n_real, len(x_train))
        chosen = np.random.default_rng(seed).choice(len(x_train), n_floor, replace=False)
        return cls(x_test[:n_real], extractor, floor_images=x_train[np.sort(chosen)], **kwargs)

    def evaluate(self, generated, metrics: Optional[Sequence[str]] = None) -> dict:
        """All metrics of generated images (N, 28, 28, 1) in [-1, 1], as a JSON-able dict.

        Keys: `fid`, `precision`, `recall`, `density`, `coverage`, `classifier_score`,
        `classifier_score_std`, `class_histogram` (list), `classes_covered`,
        `class_share_ratio` and `class_kl_to_uniform` (`class_balance`), `n_generated`,
        `n_real`, `extractor`, and `<metric>_floor` for each of the first five when a floor
        set was given. `metrics` restricts the work to `"fid"` and/or the manifold metrics
        (e.g. `("fid", "precision", "recall")` during training), `"classifier_score"` and
        `"class_balance"` (the histogram and its balance figures).
        """
        features, probabilities = self.extractor.predict(generated, self.batch_size)
        return self.evaluate_features(features, probabilities, metrics)

    def evaluate_features(self, features, probabilities=None, metrics=None) -> dict:
        """`evaluate` for features (and probabilities) that were already extracted."""
        wanted = set(metrics or IMAGE_METRICS + ("classifier_score", "class_balance"))
        results = {"extractor": self.extractor.name}
        results.update(self._manifold_metrics(features, wanted))
        if self.floor is not None:
            results.update(
                {f"{key}_floor": value for key, value in self.floor.items() if key in results}
            )
        if probabilities is not None and "classifier_score" in wanted:
            score, score_std = classifier_score(probabilities)
            results.update(classifier_score=score, classifier_score_std=score_std)
        if probabilities is not None and wanted & {"classifier_score", "class_balance"}:
            histogram = class_histogram(probabilities)
            results.update(
                class_histogram=histogram.tolist(),
                classes_covered=classes_covered(histogram),
                **class_balance(histogram),
            )
        results.update(n_generated=len(features), n_real=len(self.real_features))
        return results

    def _manifold_metrics(self, features, wanted=IMAGE_METRICS) -> dict:
        results = {}
        if "fid" in wanted:
            results["fid"] = frechet_distance(*feature_statistics(features), *self.real_statistics)
        if set(wanted) & {"precision", "recall", "density", "coverage"}:
            manifold = precision_recall_density_coverage(
                self.real_features,
                features,
                k_precision_recall=self.k_precision_recall,
                k_density_coverage=self.k_density_coverage,
            )
            results.update({key: value for key, value in manifold.items() if key in wanted})
        return results


def evaluate_images(
    generated, real, extractor: Any = "mnist", floor_images=None, **options
) -> dict:
    """One-shot evaluation of generated vs real images; see `Evaluator.evaluate` for the keys.

    Example:
    >>> (_, _), (x_test, _) = keras_gmgan.datasets.load_mnist()      # doctest: +SKIP
    >>> evaluate_images(samples, x_test, "mnist", floor_images=x_train[:10000])  # doctest: +SKIP
    {'extractor': 'mnist', 'fid': 1.93, 'precision': 0.71, ..., 'fid_floor': 0.18, ...}
    """
    # `options`: Evaluator's k_precision_recall, k_density_coverage and batch_size.
    return Evaluator(real, extractor, floor_images=floor_images, **options).evaluate(generated)


def evaluate_model(
    model,
    evaluator: Evaluator,
    n: int = 10_000,
    seed: Optional[int] = 0,
    drs: bool = False,
    drs_percentile: float = 95.0,
    sigma_scale: float = 1.0,
    weights: Optional[str] = None,
) -> dict:
    """Generates n samples from a trained model (optionally with discriminator rejection
    sampling) and evaluates them; adds `drs_acceptance_rate` when DRS is used. `weights`
    picks the generator's weights as in `AdversarialModel.generate`."""
    from keras_gmgan.sampling import draw_samples

    generated, rate = draw_samples(
        model, n, seed, sigma_scale, drs, drs_percentile, weights=weights
    )
    results = evaluator.evaluate(generated)
    if drs:
        results.update(drs_acceptance_rate=rate, drs_percentile=drs_percentile)
    return results


def evaluate_conditional(model, extractor: Any = "mnist", n_per_class: int = 1000,
                         seed: Optional[int] = 0, sigma_scale: float = 1.0) -> dict:  # fmt: skip
    """Conditional accuracy of a supervised mixture model (component k = class k).

    Generates `n_per_class` samples from each component (its σ scaled by `sigma_scale`) and
    reports the share the extractor labels with their component (`conditional_accuracy`)
    and the same per class.
    """
    extractor = _extractor(extractor)
    num_classes = extractor.num_classes
    labels = np.repeat(np.arange(num_classes), n_per_class)
    generated = model.generate(len(labels), components=labels, seed=seed, sigma_scale=sigma_scale)
    probabilities = extractor.probabilities(generated)
    predicted = probabilities.argmax(axis=1)
    per_class = [float(np.mean(predicted[labels == k] == k)) for k in range(num_classes)]
    return {
        "conditional_accuracy": conditional_accuracy(probabilities, labels),
        "conditional_accuracy_per_class": per_class,
    }


def evaluate_clustering(
    model,
    images,
    labels,
    extractor: Any = "mnist",
    n_per_component: int = 1000,
    seed: Optional[int] = 0,
    sigma_scale: float = 1.0,
) -> dict:
    """Clustering accuracy of an unsupervised mixture model's components on real images.

    Generates `n_per_component` samples from every latent component (its σ scaled by
    `sigma_scale`), labels each with its component, fits a logistic regression on their
    extractor features, assigns each real image to a component with it, maps components to
    classes with the Hungarian algorithm (`scipy.optimize.linear_sum_assignment`) and
    reports the accuracy of that labelling.
    A model whose components each draw one digit class scores close to the extractor's own
    accuracy; one whose components mix classes scores near 1/K.
    """
    extractor = _extractor(extractor)
    num_components = int(model.latent.num_components)
    components = np.repeat(np.arange(num_components), n_per_component)
    generated = model.generate(
        len(components), components=components, seed=seed, sigma_scale=sigma_scale
    )
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    classifier.fit(extractor.features(generated), components)
    assigned = classifier.predict(extractor.features(images))
    return {
        "clustering_accuracy": clustering_accuracy(labels, assigned),
        "num_components": num_components,
    }


def evaluate_components(
    model,
    evaluator: Evaluator,
    images,
    labels,
    n: int = 10_000,
    seed: Optional[int] = 0,
    sigma_scale: float = 1.0,
) -> dict:
    """What a mixture model's components draw, judged by `evaluator`'s extractor, sampled
    with `sigma_scale` as the FID of the same report.

    A supervised GM-GAN (component k = class k) gets its conditional accuracy
    (`evaluate_conditional`, n / K samples per class); an unsupervised model with several
    components its clustering accuracy on the first n real `images` and `labels`
    (`evaluate_clustering`); a model with one component nothing. Raises ValueError when a
    supervised model's classes are not the extractor's.
    """
    from keras_gmgan.models import SupervisedGMGAN

    extractor = evaluator.extractor
    components = int(model.latent.num_components)
    if isinstance(model, SupervisedGMGAN):
        if components != extractor.num_classes:
            raise ValueError(
                f"the model has {components} classes, the {extractor.name} extractor "
                f"{extractor.num_classes}."
            )
        return evaluate_conditional(
            model, extractor, max(1, n // components), seed, sigma_scale=sigma_scale
        )
    if components == 1:
        return {}
    size = min(n, len(images))
    return evaluate_clustering(model, images[:size], labels[:size], extractor,
                               max(1, n // components), seed, sigma_scale=sigma_scale)  # fmt: skip


def format_report(results: dict) -> str:
    """A markdown table of a report: one row per metric, with the real-vs-real floor beside."""
    rows = ["| metric | value | real-vs-real floor |", "|---|---|---|"]
    for key, value in results.items():
        if key.endswith("_floor") or key.endswith("_std"):
            continue
        floor = results.get(f"{key}_floor")
        if key == "classifier_score" and "classifier_score_std" in results:
            shown = f"{value:.3f} ± {results['classifier_score_std']:.3f}"
        else:
            shown = _format_value(value)
        rows.append(f"| {key} | {shown} | {'' if floor is None else _format_value(floor)} |")
    return "\n".join(rows)


def _extractor(extractor) -> FeatureExtractor:
    return (
        extractor if isinstance(extractor, FeatureExtractor) else FeatureExtractor.load(extractor)
    )


def _format_value(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"
    return str(value)


def __getattr__(name):
    # EvaluationCallback moved to keras_gmgan.callbacks; the old import path still works.
    if name == "EvaluationCallback":
        from keras_gmgan.callbacks.image_evaluation import EvaluationCallback

        return EvaluationCallback
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
