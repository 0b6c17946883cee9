"""`SemiSupervisedBatches`: the one stream that pairs unlabelled and labelled batches."""

import numpy as np
import pytest

from keras_gmgan.datasets import SemiSupervisedBatches, semi_supervised_split


def _ids(n):
    """Examples whose single feature is their own index, so a batch names its rows."""
    return np.arange(n, dtype="float32")[:, None]


def _batches(seed=0, **kwargs):
    labels = np.repeat(np.arange(10), 30)
    labeled, unlabeled = semi_supervised_split(labels, 20, seed=seed)
    x = _ids(len(labels))
    batches = SemiSupervisedBatches(
        x[unlabeled], x[labeled], labels[labeled], batch_size=32, seed=seed, **kwargs
    )
    return batches, labels, labeled, unlabeled


def test_batches_draw_from_the_split_and_cycle_the_labelled_set_evenly():
    batches, labels, labeled, unlabeled = _batches(labeled_batch_size=8)
    assert len(batches) == len(unlabeled) // 32  # the ragged last batch is dropped
    seen_unlabeled, seen_labeled = [], []
    for index in range(len(batches)):
        batch = batches[index]
        assert batch["unlabeled"].shape == (32, 1) and batch["labeled"].shape == (8, 1)
        seen_unlabeled.extend(batch["unlabeled"][:, 0].astype(int))
        rows = batch["labeled"][:, 0].astype(int)
        np.testing.assert_array_equal(batch["labels"], labels[rows])
        seen_labeled.extend(rows)
    assert set(seen_unlabeled) <= set(unlabeled) and len(set(seen_unlabeled)) == 32 * len(batches)
    assert set(seen_labeled) == set(labeled)
    # 8 batches × 8 = 64 draws from 20 labelled examples: each 3 or 4 times, never 2 or 5.
    counts = np.bincount(seen_labeled)[labeled]
    assert counts.min() >= 3 and counts.max() <= 4


def test_batches_repeat_for_a_seed_and_reshuffle_each_epoch():
    first, *_ = _batches(seed=1)
    again, *_ = _batches(seed=1)
    np.testing.assert_array_equal(first[2]["unlabeled"], again[2]["unlabeled"])
    np.testing.assert_array_equal(first[2]["labeled"], again[2]["labeled"])
    before = first[0]["unlabeled"].copy()
    first.on_epoch_end()
    assert not np.array_equal(first[0]["unlabeled"], before)


def test_the_matching_batch_is_a_second_independent_walk_through_the_unlabelled_set():
    batches, _, _, unlabeled = _batches(seed=4, matching_batch=True)
    assert "matching" not in _batches(seed=4)[0][0]  # only when asked for
    seen = []
    for index in range(len(batches)):
        batch = batches[index]
        assert batch["matching"].shape == batch["unlabeled"].shape == (32, 1)
        # Its own shuffle: not the discriminator's unlabelled batch.
        assert not np.array_equal(batch["matching"], batch["unlabeled"])
        seen.extend(batch["matching"][:, 0].astype(int))
    # Unlabelled examples only, none twice within a pass.
    assert set(seen) <= set(unlabeled) and len(set(seen)) == len(seen) == 32 * len(batches)
    # Repeatable for the seed, and a run resumed at epoch 1 sees what an uninterrupted one does.
    batches.on_epoch_end()
    resumed, *_ = _batches(seed=4, matching_batch=True, initial_epoch=1)
    for index in (0, len(batches) - 1):
        np.testing.assert_array_equal(resumed[index]["matching"], batches[index]["matching"])
    assert not np.array_equal(batches[0]["matching"][:, 0], seen[:32])  # reshuffled per epoch


def test_bad_inputs_raise_clear_errors():
    x = _ids(40)
    with pytest.raises(ValueError, match="fewer than one batch"):
        SemiSupervisedBatches(x[:10], x[:4], np.arange(4), batch_size=16)
    with pytest.raises(ValueError, match="one label per example"):
        SemiSupervisedBatches(x, x[:4], np.arange(3), batch_size=16)
    with pytest.raises(ValueError, match="same data set"):
        SemiSupervisedBatches(x, np.zeros((4, 2)), np.arange(4), batch_size=16)
    with pytest.raises(IndexError):
        SemiSupervisedBatches(x, x[:4], np.arange(4), batch_size=16)[2]
