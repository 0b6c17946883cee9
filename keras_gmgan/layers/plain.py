"""The plain layers keras-gmgan's networks are made of, which two speed-ups rely on."""

import keras

from keras_gmgan.layers.pack_samples import PackSamples
from keras_gmgan.layers.spectral_dense import SpectralDense

#: Layers that map each sample (or each packed group of samples) on its own, so a batch of
#: real and fake images through them gives each image the output it gets in a batch of its
#: own (for Dropout and GaussianNoise, an output of the same distribution): a GAN scores
#: both batches in one call (`keras_gmgan.models.gan`). And their `call` is all their
#: `__call__` computes for a built layer under a float policy without masks or activity
#: regularisers, so eager PyTorch can run a chain of them through their `call`s
#: (`keras_gmgan.backend.torch.call_network`).
PLAIN_LAYERS = (
    keras.layers.Dense,
    keras.layers.Conv2D,
    keras.layers.Conv2DTranspose,
    keras.layers.Activation,
    keras.layers.LeakyReLU,
    keras.layers.ReLU,
    keras.layers.Dropout,
    keras.layers.GaussianNoise,
    keras.layers.Flatten,
    keras.layers.Reshape,
    keras.layers.Rescaling,
    keras.layers.Identity,
    keras.layers.LayerNormalization,
    SpectralDense,
    PackSamples,
)


def is_graph_of_layers(layer: keras.layers.Layer) -> bool:
    """A model built with `keras.Model(inputs, outputs)` or `keras.Sequential`: its call only
    runs its layers (a subclassed model's own `call` could do anything)."""
    kind = type(layer)
    return kind.__module__.startswith("keras.") and kind.__name__ in ("Functional", "Sequential")
