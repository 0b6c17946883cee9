"""Clustering accuracy with the Hungarian cluster -> class mapping."""

import numpy as np
import pytest

from keras_gmgan.metrics.clustering import cluster_to_class_mapping, clustering_accuracy


def test_perfect_permuted_labelling_scores_one():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 10, 500)
    permutation = rng.permutation(10)
    assert clustering_accuracy(y_true, permutation[y_true]) == 1.0
    assert cluster_to_class_mapping(y_true, permutation[y_true]) == {
        int(permutation[k]): k for k in range(10)
    }


def test_partial_labelling_uses_the_best_one_to_one_map():
    # Cluster 1 -> class 0 (2 right), cluster 0 -> class 1 (1 right): 3 of 4.
    assert clustering_accuracy([0, 0, 1, 1], [1, 1, 1, 0]) == pytest.approx(0.75)


def test_extra_clusters_count_as_errors():
    # Cluster 2 -> class 1 (2 right); one of clusters 0/1 -> class 0 (1 right); the other none.
    assert clustering_accuracy([0, 0, 1, 1], [0, 1, 2, 2]) == pytest.approx(0.75)


def test_constant_clustering_scores_the_largest_class_share():
    assert clustering_accuracy([0, 1, 1, 2, 2, 2], [5] * 6) == pytest.approx(0.5)


def test_length_mismatch_raises():
    with pytest.raises(ValueError, match="equal length"):
        clustering_accuracy([0, 1], [0])
