"""Precision, recall, density and coverage on point sets whose answers are worked out by hand."""

import numpy as np
import pytest

from keras_gmgan.metrics.precision_recall import (
    density_coverage,
    knn_radii,
    precision_recall,
    precision_recall_density_coverage,
)

#: Ten real points on a line, one apart: every nearest-neighbour distance is 1.
LINE = np.arange(10, dtype="float64")[:, None]


def test_knn_radii_exclude_the_point_itself():
    np.testing.assert_allclose(knn_radii(LINE, 1), np.ones(10))
    # Second neighbour: 1 inside the line, 2 at both ends.
    np.testing.assert_allclose(knn_radii(LINE, 2), [2] + [1] * 8 + [2])


def test_hand_made_precision_and_recall():
    """Real balls (k=1) have radius 1: 0.5 and 4.2 are inside, 20 and 30 are not -> P = 0.5.

    Generated radii (k=1): 3.7, 3.7, 10, 10. The balls of 0.5 and 4.2 cover real 0..7, the
    balls of 20 and 30 no real point (9 is 11 from 20) -> R = 0.8.
    """
    generated = np.array([[0.5], [4.2], [20.0], [30.0]])
    precision, recall = precision_recall(LINE, generated, k=1)
    assert precision == pytest.approx(0.5)
    assert recall == pytest.approx(0.8)


def test_hand_made_density_and_coverage():
    """k=2: real radii 2 at the ends, 1 inside; generated = the real points themselves.

    Each point lies (strictly) inside its own ball; points 1 and 8 also inside the wider end
    balls: 12 memberships / (k·M = 20) -> density 0.6. Every real point has a generated point
    at distance 0 -> coverage 1.
    """
    density, coverage = density_coverage(LINE, LINE.copy(), k=2)
    assert density == pytest.approx(0.6)
    assert coverage == pytest.approx(1.0)


def test_coverage_counts_real_points_with_a_generated_point_in_their_ball():
    """k=1, radius 1 (strict): 0.5 covers 0 and 1, 3.0 covers 3; 2 and 4 sit exactly at 1."""
    _, coverage = density_coverage(LINE, np.array([[0.5], [3.0]]), k=1)
    assert coverage == pytest.approx(0.3)


def test_identical_far_and_mixed_sets():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(300, 5))
    same = precision_recall_density_coverage(real, real.copy())
    assert same["precision"] == same["recall"] == same["coverage"] == 1.0

    far = precision_recall_density_coverage(real, real + 1000.0)
    assert far == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}

    half = precision_recall_density_coverage(real, np.concatenate([real, real + 1000.0]))
    assert half["precision"] == pytest.approx(0.5)
    assert half["coverage"] == 1.0
    assert half["density"] == pytest.approx(same["density"] / 2)


def _brute_force(real, fake, k_pr, k_dc):
    """The four definitions written directly on full distance matrices."""

    def dist(a, b):
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))

    d_rr, d_ff, d_fr = dist(real, real), dist(fake, fake), dist(fake, real)
    r_pr = np.sort(d_rr, axis=1)[:, k_pr]  # column 0 is the point itself
    r_dc = np.sort(d_rr, axis=1)[:, k_dc]
    f_pr = np.sort(d_ff, axis=1)[:, k_pr]
    return {
        "precision": np.mean((d_fr <= r_pr[None, :]).any(axis=1)),
        "recall": np.mean((d_fr <= f_pr[:, None]).any(axis=0)),
        "density": (d_fr < r_dc[None, :]).sum() / (k_dc * len(fake)),
        "coverage": np.mean(d_fr.min(axis=0) < r_dc),
    }


@pytest.mark.parametrize("chunk_size", [7, 1000])
def test_chunked_pass_matches_brute_force(chunk_size):
    rng = np.random.default_rng(1)
    real = rng.normal(size=(150, 4))
    fake = 0.8 * rng.normal(size=(130, 4)) + 0.3
    expected = _brute_force(real, fake, 3, 5)
    result = precision_recall_density_coverage(real, fake, chunk_size=chunk_size)
    for key, value in expected.items():
        assert result[key] == pytest.approx(value, abs=1e-12), key
    assert precision_recall(real, fake, chunk_size=chunk_size) == pytest.approx(
        (expected["precision"], expected["recall"])
    )
    assert density_coverage(real, fake, chunk_size=chunk_size) == pytest.approx(
        (expected["density"], expected["coverage"])
    )


def test_bad_input_raises():
    with pytest.raises(ValueError, match="differ in dimension"):
        precision_recall_density_coverage(np.zeros((10, 3)), np.zeros((10, 4)))
    with pytest.raises(ValueError, match="k must be between 1 and N - 1"):
        knn_radii(np.zeros((3, 2)), 3)
    with pytest.raises(ValueError, match=r"\(N, d\)"):
        precision_recall(np.zeros(10), np.zeros(10))
