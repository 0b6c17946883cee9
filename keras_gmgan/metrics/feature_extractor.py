"""The MNIST-domain feature extractor behind FID, precision/recall and the classifier score.

Inception weights cannot be downloaded here and were never meant for 28×28 digits, so
keras-gmgan ships its own small CNN classifiers (one per dataset). Their weights are plain
float32 arrays in `keras_gmgan/weights/<dataset>_extractor.npz`, loaded without pickle, so the
same file gives the same features under JAX, TensorFlow and PyTorch.
"""

import importlib.resources
import os
from typing import Optional, Union

import keras
import numpy as np
from keras import layers

#: Datasets with a bundled extractor: name -> file under `keras_gmgan/weights/`.
BUNDLED_EXTRACTORS = {
    "mnist": "mnist_extractor.npz",
    "fashion_mnist": "fashion_mnist_extractor.npz",
}

IMAGE_SHAPE = (28, 28, 1)


def build_extractor_network(
    num_classes: int = 10,
    feature_dim: int = 128,
    filters: tuple = (32, 64, 128),
    kernel_sizes: tuple = (5, 3, 3),
    dropout: float = 0.3,
) -> keras.Model:
    """The extractor's CNN: (N, 28, 28, 1) images in [-1, 1] -> (features, logits).

    Three stride-2 Conv + ReLU layers (28 -> 14 -> 7 -> 4), then a linear `feature_dim` layer
    whose pre-activation outputs are the features, then ReLU, Dropout and the class logits.

    Why this shape: strided convolutions compute only the output positions, so the network
    costs about 2.5 M multiply-adds per image (a conv + max-pool design of the same accuracy
    costs three times more), and features for 20,000 images take seconds on two CPU cores.
    Features are taken before the ReLU so no dimension is stuck at zero (a dead unit would
    make the FID covariance singular) and their distribution is closer to the Gaussian that
    FID assumes. No batch normalisation: its inference numerics are the part of a CNN that
    differs most between backends. About 357 k parameters (1.4 MB as float32).
    """
    images = keras.Input(IMAGE_SHAPE, name="images")
    x = images
    for i, (width, size) in enumerate(zip(filters, kernel_sizes)):
        x = layers.Conv2D(
            width, size, strides=2, padding="same", activation="relu", name=f"conv{i}"
        )(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="dropout0")(x)
    features = layers.Dense(feature_dim, name="features")(x)
    x = layers.ReLU(name="relu")(features)
    x = layers.Dropout(dropout, name="dropout1")(x)
    logits = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(images, [features, logits], name="feature_extractor")


class FeatureExtractor:
    """A trained extractor CNN: penultimate features and class probabilities of images.

    Args:
        network: a model from `build_extractor_network` with trained weights.
        name: what it was trained on (for reports), e.g. `"mnist"`.
        test_accuracy: its accuracy on that dataset's test split, if known.

    Example:
    >>> extractor = FeatureExtractor.load("mnist")
    >>> features, probabilities = extractor.predict(np.zeros((2, 28, 28, 1), "float32"))
    >>> features.shape, probabilities.shape
    ((2, 128), (2, 10))
    """

    def __init__(
        self, network: keras.Model, name: str = "custom", test_accuracy: Optional[float] = None
    ):
        self.network = network
        self.name = name
        self.test_accuracy = test_accuracy

    @property
    def feature_dim(self) -> int:
        return int(self.network.outputs[0].shape[-1])

    @property
    def num_classes(self) -> int:
        return int(self.network.outputs[1].shape[-1])

    # Loading and saving --------------------------------------------------------------

    @classmethod
    def load(cls, name_or_path: Union[str, os.PathLike] = "mnist") -> "FeatureExtractor":
        """Loads a bundled extractor (`"mnist"`, `"fashion_mnist"`) or an `.npz` saved by `save`."""
        key = str(name_or_path)
        if key in BUNDLED_EXTRACTORS:
            resource = importlib.resources.files("keras_gmgan") / "weights"
            path = resource / BUNDLED_EXTRACTORS[key]
            if not path.is_file():
                raise FileNotFoundError(
                    f"The bundled {key!r} extractor weights are missing ({path}). Re-create "
                    f"them with `python benchmarks/train_extractor.py --dataset {key}`."
                )
        else:
            path = key
            if not os.path.isfile(path):
                raise ValueError(
                    f"Unknown extractor {key!r}: give one of {sorted(BUNDLED_EXTRACTORS)} or "
                    "the path of an .npz file written by FeatureExtractor.save."
                )
        with path.open("rb") if hasattr(path, "open") else open(path, "rb") as file:
            stored = np.load(file, allow_pickle=False)
            arrays = {key: stored[key] for key in stored.files}
        weights = [arrays[f"w{i:02d}"] for i in range(int(arrays["num_weights"]))]
        kernels = [w for w in weights if w.ndim == 4]
        network = build_extractor_network(
            num_classes=weights[-1].shape[-1],
            feature_dim=weights[-3].shape[-1],
            filters=tuple(k.shape[-1] for k in kernels),
            kernel_sizes=tuple(k.shape[0] for k in kernels),
        )
        network.set_weights(weights)
        accuracy = float(arrays["test_accuracy"]) if "test_accuracy" in arrays else None
        return cls(network, name=str(arrays.get("name", key)), test_accuracy=accuracy)

    def save(self, path: Union[str, os.PathLike]) -> None:
        """Writes the weights as float32 arrays (plus name and accuracy) to an `.npz` file."""
        weights = [np.asarray(w, dtype="float32") for w in self.network.get_weights()]
        extras = {"name": np.array(self.name), "num_weights": np.array(len(weights))}
        if self.test_accuracy is not None:
            extras["test_accuracy"] = np.array(self.test_accuracy, dtype="float64")
        np.savez(path, **{f"w{i:02d}": w for i, w in enumerate(weights)}, **extras)

    # Inference -----------------------------------------------------------------------

    def predict(self, images, batch_size: int = 500) -> tuple[np.ndarray, np.ndarray]:
        """Returns `(features, probabilities)` of images in one pass, as float32 NumPy arrays."""
        images = check_images(images)
        if len(images) == 0:
            return (
                np.zeros((0, self.feature_dim), "float32"),
                np.zeros((0, self.num_classes), "float32"),
            )
        # Every batch is padded to one size, so the compiled predict step (JAX, TensorFlow)
        # is traced once per extractor instead of once per distinct ragged batch.
        size = min(batch_size, _next_power_of_two(len(images)))
        outputs = []
        for start in range(0, len(images), size):
            batch = images[start : start + size]
            padded = np.pad(batch, ((0, size - len(batch)), (0, 0), (0, 0), (0, 0)))
            features, logits = self.network.predict_on_batch(padded)
            outputs.append((np.asarray(features)[: len(batch)], np.asarray(logits)[: len(batch)]))
        features = np.concatenate([f for f, _ in outputs])
        logits = np.concatenate([g for _, g in outputs]).astype("float64")
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return np.asarray(features, dtype="float32"), probabilities.astype("float32")

    def features(self, images, batch_size: int = 500) -> np.ndarray:
        """(N, feature_dim) penultimate features (the FID / precision-recall space)."""
        return self.predict(images, batch_size)[0]

    def probabilities(self, images, batch_size: int = 500) -> np.ndarray:
        """(N, num_classes) softmax class probabilities."""
        return self.predict(images, batch_size)[1]

    def accuracy(self, images, labels, batch_size: int = 500) -> float:
        """Share of images whose most probable class is their label."""
        predicted = self.probabilities(images, batch_size).argmax(axis=1)
        return float(np.mean(predicted == np.asarray(labels).reshape(-1)))


def _next_power_of_two(n: int) -> int:
    return 1 << max(int(n) - 1, 0).bit_length()


def check_images(images) -> np.ndarray:
    """Validates a batch for the extractor: (N, 28, 28[, 1]) floats in [-1, 1]."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(
            f"The feature extractor takes images of shape (N, 28, 28, 1); got {images.shape}. "
            "Reshape flat 784-vectors with images.reshape(-1, 28, 28, 1)."
        )
    images = images.astype("float32", copy=False)
    if images.size and (images.min() < -1.01 or images.max() > 1.01):
        raise ValueError(
            f"The feature extractor takes pixel values in [-1, 1]; got [{images.min():g}, "
            f"{images.max():g}]. Scale uint8 images with x / 127.5 - 1 (or [0, 1] images "
            "with 2 * x - 1)."
        )
    return images
