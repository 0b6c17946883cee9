"""Evaluation runs: the Evaluator, reports, the training callback, clustering/conditional runs."""

import csv
import os
from types import SimpleNamespace

import keras
import numpy as np
import pytest

from keras_gmgan.metrics.evaluation import (
    EvaluationCallback,
    Evaluator,
    evaluate_clustering,
    evaluate_components,
    evaluate_conditional,
    evaluate_images,
    evaluate_model,
    format_report,
)
from keras_gmgan.metrics.feature_extractor import FeatureExtractor
from keras_gmgan.models import GAN
from keras_gmgan.networks import build_mlp_discriminator, build_mlp_generator

MNIST = os.path.join(os.environ.get("KERAS_GMGAN_DATA", "/work/shared/data"), "mnist.npz")
needs_mnist = pytest.mark.skipif(not os.path.exists(MNIST), reason=f"MNIST not found at {MNIST}")


@pytest.fixture(scope="module")
def extractor():
    return FeatureExtractor.load("mnist")


def _blobs(n, seed):
    """Blurry random blobs in [-1, 1]: cheap stand-ins for digits."""
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(np.arange(28), np.arange(28), indexing="ij"), -1)
    centres = rng.uniform(8, 20, (n, 1, 1, 2))
    radius = rng.uniform(3, 7, (n, 1, 1))
    inside = np.linalg.norm(grid[None] - centres, axis=-1) < radius
    return np.where(inside, 1.0, -1.0)[..., None].astype("float32")


def _mnist(split, n):
    with np.load(MNIST, allow_pickle=False) as data:
        images = data[f"x_{split}"][:n].astype("float32") / 127.5 - 1.0
        return images[..., None], data[f"y_{split}"][:n]


def test_generated_equal_to_real_is_perfect(extractor):
    real = _blobs(200, 0)
    results = evaluate_images(real, real, extractor, floor_images=_blobs(200, 1))
    assert results["fid"] == pytest.approx(0.0, abs=1e-3)
    assert results["precision"] == results["recall"] == results["coverage"] == 1.0
    assert results["fid_floor"] > results["fid"]
    assert {"precision_floor", "recall_floor", "density_floor", "coverage_floor"} <= set(results)
    assert sum(results["class_histogram"]) == 200 and results["n_real"] == 200
    assert 1.0 <= results["classifier_score"] <= 10.0
    assert results["class_share_ratio"] >= 1.0 and results["class_kl_to_uniform"] >= 0.0
    table = format_report(results)
    assert "| fid |" in table and "| precision |" in table
    assert "| class_histogram |" in table and "| class_kl_to_uniform |" in table


def test_worse_samples_score_worse(extractor):
    evaluator = Evaluator(_blobs(200, 0), extractor)
    close = evaluator.evaluate(_blobs(200, 2))
    noise = np.random.default_rng(0).uniform(-1, 1, (200, 28, 28, 1))
    far = evaluator.evaluate(noise)
    assert far["fid"] > 10 * close["fid"]
    assert far["precision"] < close["precision"]


def test_from_splits_uses_test_images_and_a_random_train_floor(extractor):
    x_train, x_test = _blobs(300, 0), _blobs(150, 1)
    evaluator = Evaluator.from_splits(x_train, x_test, extractor, n=100, seed=3)
    np.testing.assert_array_equal(evaluator.real_features, extractor.features(x_test[:100]))
    results = evaluator.evaluate(x_test[:100], metrics=("fid",))
    assert results["fid"] == pytest.approx(0.0, abs=1e-3) and results["fid_floor"] > 0


def test_metrics_can_be_restricted(extractor):
    results = Evaluator(_blobs(100, 0), extractor).evaluate(_blobs(100, 1), metrics=("fid",))
    assert "fid" in results and "precision" not in results and "classifier_score" not in results


def test_callback_writes_metrics_to_history_csv(extractor, tmp_path):
    gan = GAN(
        build_mlp_generator(8, (28, 28, 1), hidden_units=(16,)),
        build_mlp_discriminator((28, 28, 1), hidden_units=(16,)),
        seed=0,
    )
    gan.compile()
    evaluator = Evaluator(_blobs(64, 0), extractor)
    history_csv = tmp_path / "history.csv"
    callbacks = [
        EvaluationCallback(evaluator, every=2, n=64),
        keras.callbacks.CSVLogger(str(history_csv)),
    ]
    history = gan.fit(_blobs(64, 1), batch_size=32, epochs=2, verbose=0, callbacks=callbacks)
    plain = evaluate_model(gan, evaluator, n=64, seed=1)
    rejected = evaluate_model(gan, evaluator, n=64, seed=1, drs=True, drs_percentile=50)
    assert "drs_acceptance_rate" not in plain and 0 < rejected["drs_acceptance_rate"] <= 1
    with open(history_csv) as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 2 and {"fid", "precision", "recall"} <= set(rows[0])
    assert rows[0]["fid"] == "nan" and float(rows[1]["fid"]) > 0
    assert np.isnan(history.history["fid"][0]) and history.history["fid"][1] > 0


def test_callback_every_n_steps_records_each_evaluation(extractor):
    gan = GAN(
        build_mlp_generator(8, (28, 28, 1), hidden_units=(16,)),
        build_mlp_discriminator((28, 28, 1), hidden_units=(16,)),
        seed=0,
    )
    gan.compile()
    evaluator = Evaluator(_blobs(64, 0), extractor)
    callback = EvaluationCallback(evaluator, n=64, seed=3, every_n_steps=3)
    history = gan.fit(_blobs(64, 1), batch_size=32, epochs=2, verbose=0, callbacks=[callback])
    # Two steps per epoch: every 3rd step (3), plus each epoch end (2, 4), none twice.
    assert [record["step"] for record in callback.records] == [2, 3, 4]
    assert history.history["fid"][-1] == callback.latest["fid"]
    # The records (results.json) also hold the class histogram and its balance figures;
    # the logs (history.csv) only the scalar metrics asked for.
    assert sum(callback.latest["class_histogram"]) == 64
    assert {"class_share_ratio", "class_kl_to_uniform"} <= set(callback.latest)
    assert "class_share_ratio" not in history.history
    expected = evaluator.evaluate(gan.generate(64, seed=3), metrics=("fid",))["fid"]
    assert callback.latest["fid"] == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="every_n_steps must be a positive integer"):
        EvaluationCallback(evaluator, every_n_steps=0)


@needs_mnist
def test_real_digits_against_real_digits(extractor):
    """Test digits vs train digits: far closer than noisy digits, ~10 covered classes.

    FID is in the extractor's feature units (covariance trace ≈ 1,300), and 1,000-sample FIDs
    carry a large positive bias, so the check is relative.
    """
    real, _ = _mnist("test", 1000)
    other, _ = _mnist("train", 1000)
    noisy = np.clip(other + np.random.default_rng(0).normal(0, 0.5, other.shape), -1, 1)
    evaluator = Evaluator(real, extractor)
    results, worse = evaluator.evaluate(other), evaluator.evaluate(noisy)
    assert results["fid"] < worse["fid"] / 3
    assert results["precision"] > 0.6 and results["recall"] > 0.6
    assert results["precision"] > worse["precision"]
    assert results["classes_covered"] == 10 and results["classifier_score"] > 9.0


class _ClassModel:
    """A stand-in generator that returns real digits: component k draws class order[k]."""

    def __init__(self, images, labels, order):
        self.images, self.labels, self.order = images, labels, np.asarray(order)
        self.latent = SimpleNamespace(num_components=len(order))

    def generate(self, n, components=None, seed=None, sigma_scale=1.0):
        rng = np.random.default_rng(seed)
        pools = [np.flatnonzero(self.labels == self.order[k]) for k in components]
        return self.images[[rng.choice(pool) for pool in pools]]


@needs_mnist
def test_clustering_accuracy_of_components_that_are_classes(extractor):
    train_images, train_labels = _mnist("train", 3000)
    test_images, test_labels = _mnist("test", 1000)
    order = np.random.default_rng(0).permutation(10)
    model = _ClassModel(train_images, train_labels, order)
    results = evaluate_clustering(model, test_images, test_labels, extractor, n_per_component=50)
    assert results["clustering_accuracy"] > 0.95 and results["num_components"] == 10


def test_evaluate_components_picks_the_measure_of_the_prior(extractor):
    """Which extra metric a model's report gets (untrained 28×28 models are enough: the
    accuracies exist and are shares; their values are tested above and below)."""
    from keras_gmgan.layers import MixtureLatent
    from keras_gmgan.models import GMGAN, SupervisedGMGAN

    def tiny(model_class, components, outputs=1):
        latent = MixtureLatent(4, num_components=components, c=1.0, sigma=0.3, seed=0)
        generator = build_mlp_generator(4, (28, 28, 1), (8,))
        discriminator = build_mlp_discriminator((28, 28, 1), (8,), num_outputs=outputs)
        return model_class(generator, discriminator, latent)

    evaluator = SimpleNamespace(extractor=extractor)
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (60, 28, 28, 1)).astype("float32")
    labels = rng.integers(0, 10, 60)
    supervised = tiny(SupervisedGMGAN, 10, outputs=11)
    report = evaluate_components(supervised, evaluator, images, labels, 50, 0)
    assert set(report) == {"conditional_accuracy", "conditional_accuracy_per_class"}
    assert 0 <= report["conditional_accuracy"] <= 1
    mixture = evaluate_components(tiny(GMGAN, 3), evaluator, images, labels, 60, 0)
    assert mixture["num_components"] == 3 and 0 <= mixture["clustering_accuracy"] <= 1
    assert evaluate_components(tiny(GMGAN, 1), evaluator, images, labels, 60, 0) == {}

    # `evaluate --sigma-scale` scores the components of the samples it scores the FID of.
    for model in (supervised, tiny(GMGAN, 3)):
        scales = _record_sigma_scales(model)
        evaluate_components(model, evaluator, images, labels, 60, 0, sigma_scale=0.5)
        assert scales == [0.5]


def _record_sigma_scales(model) -> list:
    """Makes `model.generate` append the σ-scale of every call to the list returned."""
    scales, generate = [], model.generate

    def recording(*args, **kwargs):
        scales.append(kwargs["sigma_scale"])
        return generate(*args, **kwargs)

    model.generate = recording
    return scales


def test_evaluate_components_refuses_a_supervised_model_of_other_classes(extractor):
    from keras_gmgan.recipes import gmgan_supervised

    model = gmgan_supervised((28, 28, 1), 4, latent_dim=4)
    with pytest.raises(ValueError, match="the model has 4 classes, the mnist extractor 10"):
        evaluate_components(model, SimpleNamespace(extractor=extractor), None, None, n=40)


@needs_mnist
def test_conditional_accuracy_of_a_class_conditional_model(extractor):
    images, labels = _mnist("test", 2000)
    perfect = evaluate_conditional(_ClassModel(images, labels, range(10)), extractor, 20)
    assert perfect["conditional_accuracy"] > 0.95
    shuffled = evaluate_conditional(
        _ClassModel(images, labels, np.roll(range(10), 1)), extractor, 20
    )
    assert shuffled["conditional_accuracy"] < 0.1
