"""Mixture2DMetrics: mode measures in the epoch logs, History, CSVLogger and `records`."""

import csv

import keras
import numpy as np
import pytest

from keras_gmgan.callbacks import Mixture2DMetrics
from keras_gmgan.datasets import get_mixture_2d
from keras_gmgan.metrics import evaluate_mixture_2d
from keras_gmgan.models import GAN
from keras_gmgan.networks import build_toy_2d_discriminator, build_toy_2d_generator


def test_vanilla_gan_on_2d_data_logs_mode_measures_each_epoch(tmp_path):
    ring = get_mixture_2d("ring")
    points = ring.sample(256, seed=0)
    gan = GAN(build_toy_2d_generator(2, (16,)), build_toy_2d_discriminator((16,)), seed=0)
    gan.compile()
    metrics = Mixture2DMetrics(ring, every_n_steps=2, num_samples=500, seed=3)
    csv_path = tmp_path / "history.csv"

    history = gan.fit(
        points,
        batch_size=32,
        epochs=2,
        steps_per_epoch=3,
        verbose=0,
        callbacks=[metrics, keras.callbacks.CSVLogger(str(csv_path))],
    ).history

    # Every 2 steps, plus each epoch end (steps 3 and 6; step 6 is not measured twice).
    assert [record["step"] for record in metrics.records] == [2, 3, 4, 6]
    for name in ("modes_captured", "high_quality", "reverse_kl"):
        assert len(history[name]) == 2
        assert history[name][-1] == metrics.latest[name]
    assert set(history) >= {"d_loss", "g_loss", "d_real", "d_fake"}
    assert np.all(np.isfinite(history["d_loss"]))
    # The logged figures are those of 500 points generated from the fixed seed.
    assert metrics.latest == {"step": 6, **evaluate_mixture_2d(gan.generate(500, seed=3), ring)}
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2
    assert float(rows[-1]["high_quality"]) == pytest.approx(metrics.latest["high_quality"])
    assert int(float(rows[-1]["modes_captured"])) == metrics.latest["modes_captured"]


def test_bad_interval_is_rejected():
    with pytest.raises(ValueError, match="every_n_steps must be a positive integer"):
        Mixture2DMetrics(get_mixture_2d("ring"), every_n_steps=0)
