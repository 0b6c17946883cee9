"""Full, shuffled batches for any number of steps per epoch."""

import numpy as np
import pytest

from keras_gmgan.datasets.batches import RepeatingBatches


def test_batches_cover_each_pass_once_and_resume_identically():
    x = np.arange(10)
    batches = RepeatingBatches([x], batch_size=4, steps_per_epoch=5, seed=1)
    assert len(batches) == 5
    first_epoch = np.concatenate([batches[i] for i in range(5)])
    # 20 examples served: two full passes, each a permutation of the data.
    np.testing.assert_array_equal(np.sort(first_epoch[:10]), x)
    np.testing.assert_array_equal(np.sort(first_epoch[10:]), x)
    batches.on_epoch_end()
    second_epoch = [batches[i] for i in range(5)]
    resumed = RepeatingBatches([x], batch_size=4, steps_per_epoch=5, seed=1, initial_epoch=1)
    for a, b in zip(second_epoch, (resumed[i] for i in range(5))):
        np.testing.assert_array_equal(a, b)


def test_labels_stay_paired_and_default_is_one_pass():
    x, y = np.arange(9) * 10, np.arange(9)
    batches = RepeatingBatches([x, y], batch_size=4, seed=0)
    assert len(batches) == 2
    bx, by = batches[1]
    np.testing.assert_array_equal(bx, by * 10)


def test_batch_larger_than_data_is_refused():
    with pytest.raises(ValueError, match="larger than the 3 training examples"):
        RepeatingBatches([np.zeros(3)], batch_size=4)


def test_an_epoch_that_keras_ends_twice_is_counted_once():
    batches = RepeatingBatches([np.arange(10)], batch_size=2, steps_per_epoch=5, seed=1)
    second_epoch = RepeatingBatches([np.arange(10)], batch_size=2, steps_per_epoch=5, seed=1,
                                    initial_epoch=1)  # fmt: skip
    batches.on_epoch_begin()
    batches.on_epoch_end()
    batches.on_epoch_end()  # Keras 3.15: the batches ran out, then the epoch ended
    assert batches.epoch == 1
    np.testing.assert_array_equal(batches[0], second_epoch[0])
    batches.on_epoch_begin()
    batches.on_epoch_end()
    assert batches.epoch == 2
