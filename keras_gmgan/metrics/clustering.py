"""Clustering accuracy: how well unsupervised mixture components line up with real classes."""

import numpy as np
from scipy.optimize import linear_sum_assignment


def cluster_to_class_mapping(y_true, y_pred) -> dict:
    """The one-to-one cluster -> class map that agrees with the most samples (Hungarian).

    Clusters left over when there are more clusters than classes are not in the map.
    """
    y_true, y_pred = _as_labels(y_true, y_pred)
    classes, true_index = np.unique(y_true, return_inverse=True)
    clusters, pred_index = np.unique(y_pred, return_inverse=True)
    counts = np.zeros((len(clusters), len(classes)), dtype=np.int64)
    np.add.at(counts, (pred_index, true_index), 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return {clusters[r].item(): classes[c].item() for r, c in zip(rows, cols)}


def clustering_accuracy(y_true, y_pred) -> float:
    """Accuracy of cluster labels `y_pred` after the best one-to-one relabelling.

    1.0 for a perfect clustering whatever the cluster numbering; samples of clusters that
    receive no class (more clusters than classes) count as errors.
    """
    y_true, y_pred = _as_labels(y_true, y_pred)
    mapping = cluster_to_class_mapping(y_true, y_pred)
    mapped = np.array([mapping.get(c.item(), None) for c in y_pred], dtype=object)
    return float(np.mean(mapped == y_true.astype(object)))


def _as_labels(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    if len(y_true) != len(y_pred) or len(y_true) == 0:
        raise ValueError(
            f"y_true and y_pred must be non-empty and of equal length; got {len(y_true)} and "
            f"{len(y_pred)}."
        )
    return y_true, y_pred
