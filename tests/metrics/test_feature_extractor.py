"""The bundled MNIST extractor: outputs match a NumPy forward pass (so every backend agrees)."""

import importlib.resources
import os

import numpy as np
import pytest

from keras_gmgan.metrics.feature_extractor import BUNDLED_EXTRACTORS, FeatureExtractor

DATA_DIR = os.environ.get("KERAS_GMGAN_DATA", "/work/shared/data")
MNIST = os.path.join(DATA_DIR, "mnist.npz")


@pytest.fixture(scope="module")
def extractor():
    return FeatureExtractor.load("mnist")


def _probe_images() -> np.ndarray:
    """Deterministic inputs: noise, blank, and bright strokes, all in [-1, 1]."""
    rng = np.random.default_rng(0)
    images = np.full((24, 28, 28, 1), -1.0, dtype="float32")
    images[:8] = rng.uniform(-1, 1, (8, 28, 28, 1))
    for i in range(8, 24):
        r0, c0 = rng.integers(2, 14, 2)
        images[i, r0 : r0 + 12, c0 + i % 5 : c0 + i % 5 + 3] = 1.0
        images[i, r0 + (i % 7) : r0 + (i % 7) + 3, c0 : c0 + 10] = 0.5
    return images


def _numpy_forward(images: np.ndarray, weights: list) -> tuple[np.ndarray, np.ndarray]:
    """float64 NumPy re-implementation: stride-2 'same' convs (TF padding), dense layers."""
    x = images.astype("float64")
    conv_weights = [(weights[i], weights[i + 1]) for i in range(0, len(weights) - 4, 2)]
    for kernel, bias in conv_weights:
        size = kernel.shape[0]
        n, height, width, channels = x.shape
        out_h, out_w = -(-height // 2), -(-width // 2)
        pad_h = max((out_h - 1) * 2 + size - height, 0)
        pad_w = max((out_w - 1) * 2 + size - width, 0)
        x = np.pad(
            x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0))
        )
        patches = np.empty((n, out_h, out_w, size, size, channels))
        for dy in range(size):
            for dx in range(size):
                patches[:, :, :, dy, dx, :] = x[:, dy : dy + 2 * out_h : 2, dx : dx + 2 * out_w : 2]
        x = np.maximum(np.einsum("nhwijc,ijco->nhwo", patches, kernel) + bias, 0.0)
    x = x.reshape(len(x), -1)
    features = x @ weights[-4] + weights[-3]
    logits = np.maximum(features, 0.0) @ weights[-2] + weights[-1]
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    return features, probabilities / probabilities.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("name", sorted(BUNDLED_EXTRACTORS))
def test_outputs_match_a_numpy_forward_pass_to_1e_4(name):
    """Every backend is compared with the same float64 NumPy pass, so all three agree."""
    extractor = FeatureExtractor.load(name)
    path = importlib.resources.files("keras_gmgan") / "weights" / BUNDLED_EXTRACTORS[name]
    with path.open("rb") as file, np.load(file, allow_pickle=False) as stored:
        weights = [stored[f"w{i:02d}"].astype("float64") for i in range(int(stored["num_weights"]))]
    images = _probe_images()
    expected_features, expected_probabilities = _numpy_forward(images, weights)
    features, probabilities = extractor.predict(images, batch_size=10)
    assert np.abs(expected_features).max() > 1.0  # the probe exercises the network
    np.testing.assert_allclose(features, expected_features, atol=1e-4, rtol=0)
    np.testing.assert_allclose(probabilities, expected_probabilities, atol=1e-4, rtol=0)


def test_shapes_and_probabilities(extractor):
    images = _probe_images()
    features, probabilities = extractor.predict(images)
    assert features.shape == (24, 128) and probabilities.shape == (24, 10)
    assert features.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(extractor.features(images), features)
    np.testing.assert_array_equal(extractor.probabilities(images[..., 0]), probabilities)
    assert extractor.name == "mnist" and extractor.test_accuracy >= 0.993


def test_bad_images_raise(extractor):
    with pytest.raises(ValueError, match=r"shape \(N, 28, 28, 1\)"):
        extractor.features(np.zeros((2, 32, 32, 1)))
    with pytest.raises(ValueError, match=r"x / 127\.5 - 1"):
        extractor.features(np.full((2, 28, 28, 1), 255.0))


def test_save_and_load_round_trip(extractor, tmp_path):
    extractor.save(tmp_path / "copy.npz")
    copy = FeatureExtractor.load(tmp_path / "copy.npz")
    images = _probe_images()
    np.testing.assert_array_equal(copy.features(images), extractor.features(images))
    assert copy.test_accuracy == extractor.test_accuracy


def test_unknown_extractor_name_raises():
    with pytest.raises(ValueError, match="Unknown extractor 'cifar'"):
        FeatureExtractor.load("cifar")


@pytest.mark.skipif(not os.path.exists(MNIST), reason=f"MNIST not found at {MNIST}")
def test_accuracy_on_real_mnist_test_digits(extractor):
    with np.load(MNIST, allow_pickle=False) as data:
        images = data["x_test"][-2000:].astype("float32") / 127.5 - 1.0
        labels = data["y_test"][-2000:]
    assert extractor.accuracy(images, labels) >= 0.99
