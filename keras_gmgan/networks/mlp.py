"""The classic fully-connected GAN pair of the MNIST course template, for any data shape."""

import math
from typing import Sequence

import keras
from keras import layers

from keras_gmgan.layers.pack_samples import packed


def build_mlp_generator(
    latent_dim: int = 100,
    data_shape: Sequence[int] = (28, 28, 1),
    hidden_units: Sequence[int] = (256, 512, 1024),
    output_activation: str = "tanh",
    name: str = "generator",
) -> keras.Model:
    """Latent → Dense(256) → Dense(512) → Dense(1024) → data, LeakyReLU(0.2), tanh output.

    The output is reshaped to `data_shape`, so the same builder serves 28×28×1 digits, 8×8×1
    digits, 32×32×3 images and 2-D points (use `output_activation="linear"` for unbounded data).
    """
    data_shape = tuple(int(s) for s in data_shape)
    z = keras.Input((latent_dim,), name="z")
    x = z
    for units in hidden_units:
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Dense(math.prod(data_shape), activation=output_activation)(x)
    x = layers.Reshape(data_shape)(x)
    return keras.Model(z, x, name=name)


def build_mlp_discriminator(
    data_shape: Sequence[int] = (28, 28, 1),
    hidden_units: Sequence[int] = (1024, 512, 256),
    dropout: float = 0.0,
    num_outputs: int = 1,
    name: str = "discriminator",
    pac: int = 1,
) -> keras.Model:
    """Data → Dense(1024) → Dense(512) → Dense(256) → logits, LeakyReLU(0.2).

    Returns logits (no sigmoid): the losses apply the sigmoid or softmax themselves, which is
    numerically stable. `num_outputs > 1` gives a (K+1)-way classifier head. `pac` > 1
    scores that many consecutive samples jointly (`PackSamples`, PacGAN): B samples in,
    B / pac logits out.
    """
    data_shape = tuple(int(s) for s in data_shape)
    x_in = keras.Input(data_shape, name="x")
    x = layers.Flatten()(packed(x_in, pac))
    for units in hidden_units:
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    logits = layers.Dense(num_outputs, name="logits")(x)
    return keras.Model(x_in, logits, name=name)
