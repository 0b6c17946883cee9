"""`TimeLimit` stops `fit` after a wall-clock budget."""

import time

import keras
import numpy as np
import pytest

from keras_gmgan.callbacks import TimeLimit
from keras_gmgan.models import GAN
from keras_gmgan.networks import build_mlp_discriminator, build_mlp_generator
from tests.conftest import to_numpy


class _SlowBatches(keras.callbacks.Callback):
    """Makes every batch take at least `seconds`, so the budget is reached predictably."""

    def __init__(self, seconds):
        super().__init__()
        self.delay = seconds

    def on_train_batch_end(self, batch, logs=None):
        time.sleep(self.delay)


def _gan():
    gan = GAN(
        build_mlp_generator(4, (4,), hidden_units=(8,)),
        build_mlp_discriminator((4,), hidden_units=(8,)),
        seed=0,
    )
    gan.compile()
    return gan


def test_training_stops_once_the_budget_is_spent():
    gan = _gan()
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    limit = TimeLimit(0.6)
    gan.fit(x, batch_size=16, epochs=100, verbose=0, callbacks=[_SlowBatches(0.1), limit])
    steps = int(to_numpy(gan.g_optimizer.iterations))
    assert limit.reached and limit.steps == steps
    # Six or so 0.1-s batches (the first also compiles), far from the 400 asked for.
    assert 1 <= steps < 50 and limit.seconds >= 0.6


def test_epochs_that_run_out_first_are_not_a_reached_budget():
    gan = _gan()
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    limit = TimeLimit(3600)
    gan.fit(x, batch_size=16, epochs=2, verbose=0, callbacks=[limit])
    assert not limit.reached and limit.steps == 4 and 0 < limit.seconds < 3600
    with pytest.raises(ValueError, match="positive budget"):
        TimeLimit(0)
