"""What the extractor's classifier says about generated images: score, class balance, accuracy.

All functions take the extractor's (N, num_classes) softmax probabilities as NumPy arrays.
"""

from typing import Optional

import numpy as np


def classifier_score(probabilities, splits: int = 10) -> tuple[float, float]:
    """exp(E_x KL(p(y|x) ‖ p(y))): the Inception Score computed with the domain classifier.

    High when each image is classified confidently (low entropy of p(y|x)) and the classes
    are balanced (high entropy of p(y)); at most the number of classes. As for the Inception
    Score, the samples are cut into `splits` parts and the mean and standard deviation over
    the parts are returned; a real, balanced MNIST test set scores close to 10.

    Reference:
        Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016.
    """
    probabilities = _as_probabilities(probabilities)
    splits = max(1, min(int(splits), len(probabilities)))
    scores = []
    for part in np.array_split(probabilities, splits):
        marginal = part.mean(axis=0, keepdims=True)
        kl = np.sum(part * (_log(part) - _log(marginal)), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def class_histogram(probabilities, num_classes: Optional[int] = None) -> np.ndarray:
    """How many samples the classifier assigns to each class (argmax), as an int array."""
    probabilities = _as_probabilities(probabilities)
    num_classes = num_classes or probabilities.shape[1]
    return np.bincount(probabilities.argmax(axis=1), minlength=num_classes)


def classes_covered(histogram, min_share: float = 0.1) -> int:
    """Classes that receive at least `min_share` of their uniform share of the samples.

    With 10 classes and the default 0.1, a class counts as covered when at least 1 % of the
    samples land in it: one stray misclassified sample does not cover a missing mode.
    """
    histogram = np.asarray(histogram)
    threshold = min_share * histogram.sum() / len(histogram)
    return int(np.sum(histogram >= max(threshold, 1)))


def conditional_accuracy(probabilities, labels) -> float:
    """Share of samples generated for class k that the classifier labels k."""
    probabilities = _as_probabilities(probabilities)
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != len(probabilities):
        raise ValueError(
            f"Got {len(labels)} labels for {len(probabilities)} samples; pass the class each "
            "sample was generated for."
        )
    return float(np.mean(probabilities.argmax(axis=1) == labels))


def _log(x: np.ndarray) -> np.ndarray:
    return np.log(np.clip(x, 1e-12, None))


def _as_probabilities(probabilities) -> np.ndarray:
    probabilities = np.asarray(probabilities, dtype="float64")
    if probabilities.ndim != 2 or len(probabilities) == 0:
        raise ValueError(
            f"Expected (N, num_classes) class probabilities; got shape {probabilities.shape}."
        )
    return probabilities
