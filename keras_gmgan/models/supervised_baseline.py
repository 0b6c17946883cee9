"""The supervised baseline of semi-supervised learning: the same classifier, labels only."""

import math
from typing import Any, Optional, Sequence

import keras
import numpy as np

from keras_gmgan.layers.weight_norm_dense import initialize_weight_norm
from keras_gmgan.networks.semi_supervised import build_semi_supervised_discriminator


@keras.saving.register_keras_serializable(package="keras_gmgan")
class BaselineClassifier(keras.Model):
    """The logits of a `[features, logits]` discriminator, as a plain Keras classifier.

    A class of its own rather than a functional model for one reason: Keras saves a compiled
    model's optimizer under its backend-specific class (under torch, a torch-only Adam), and
    a file saved under torch then fails in `fit` on the other backends. `compile_from_config`
    restores the optimizer with `keras.optimizers.deserialize`, which maps it to the active
    backend's class.
    """

    def __init__(self, discriminator: keras.Model, **kwargs):
        super().__init__(**kwargs)
        self.discriminator = discriminator
        self.built = True

    @property
    def data_shape(self) -> tuple:
        return tuple(self.discriminator.input_shape[1:])

    def call(self, x, training=False):
        _, logits = self.discriminator(x, training=training)
        return logits

    def compile(self, *args, jit_compile="auto", **kwargs):
        self._jit_compile_setting = jit_compile
        super().compile(*args, jit_compile=jit_compile, **kwargs)

    def get_compile_config(self):
        # The setting as given, not as resolved: "auto" is True under JAX and TensorFlow but
        # False under torch, where True means torch.compile (opt-in, a minute on CPU).
        config = super().get_compile_config()
        if config is not None:
            config["jit_compile"] = getattr(self, "_jit_compile_setting", self.jit_compile)
        return config

    def compile_from_config(self, config):
        config = dict(config)
        if config.get("jit_compile") is True and keras.backend.backend() == "torch":
            # Files written before the setting was kept as given hold JAX's or TensorFlow's
            # resolved "auto"; a torch user opts into torch.compile by compiling again.
            config["jit_compile"] = "auto"
        optimizer = keras.optimizers.deserialize(config.pop("optimizer"))
        self.compile(optimizer=optimizer, **keras.saving.deserialize_keras_object(config))
        self.optimizer.build(self.trainable_variables)

    def get_config(self):
        return {
            "name": self.name,
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["discriminator"] = keras.saving.deserialize_keras_object(
            config["discriminator"], custom_objects=custom_objects
        )
        return cls(**config)


def build_supervised_baseline(
    data_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    network: str = "conv",
    optimizer: Optional[Any] = None,
    x_init: Optional[np.ndarray] = None,
    name: str = "cnn_baseline",
    steps_per_execution: int = 1,
    **network_options,
) -> keras.Model:
    """A compiled classifier with the SGAN discriminator's architecture and K logits.

    It is trained with plain `fit` on the labelled examples alone, so comparing it with an
    SGAN shows what the unlabelled data and the generator add.

    Args:
        network: "conv" (the seed project's CNN) or "mlp" (the Improved-GAN MLP).
        optimizer: Adam(2e-4, β1=0.5) when omitted.
        x_init: a data batch for the data-dependent initialisation of weight-normalised layers.
        steps_per_execution: training steps per call of the compiled train function.
        **network_options: passed to the network's builder (e.g. `filters` of the CNN).
    """
    discriminator = build_semi_supervised_discriminator(
        network, data_shape, num_outputs=num_classes, **network_options
    )
    if x_init is not None:
        initialize_weight_norm(discriminator, x_init)
    model = BaselineClassifier(discriminator, name=name)
    model.compile(
        optimizer=optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    return model


def fit_supervised_baseline(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    steps: int,
    batch_size: int = 64,
    verbose: int = 0,
    **fit_kwargs,
) -> keras.callbacks.History:
    """Trains for about `steps` batches of the labelled set (whole epochs, reshuffled)."""
    batch_size = min(int(batch_size), len(x))
    epochs = max(1, math.ceil(steps / math.ceil(len(x) / batch_size)))
    return model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, **fit_kwargs)


def predict_classes(model: keras.Model, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """Argmax of a classifier's logits."""
    return np.argmax(model.predict(x, batch_size=batch_size, verbose=0), axis=-1)
