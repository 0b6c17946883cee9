"""A DCGAN-style convolutional pair (Radford et al. 2016) for any image shape divisible by 4."""

from typing import Sequence

import keras
from keras import layers

from keras_gmgan.layers.pack_samples import packed


def _check_image_shape(data_shape: Sequence[int]) -> tuple[int, int, int]:
    if len(data_shape) != 3 or data_shape[0] % 4 or data_shape[1] % 4:
        raise ValueError(
            "The DCGAN networks need images of shape (height, width, channels) with height "
            f"and width divisible by 4; got {tuple(data_shape)}. Use the MLP networks instead."
        )
    return tuple(int(s) for s in data_shape)


def build_dcgan_generator(
    latent_dim: int = 100,
    data_shape: Sequence[int] = (28, 28, 1),
    base_filters: int = 64,
    name: str = "generator",
) -> keras.Model:
    """z → Dense → (h/4, w/4, 2f) → ConvT stride 2 (f) → ConvT stride 2 (channels), tanh.

    Batch normalisation and ReLU between layers, as in DCGAN.
    """
    height, width, channels = _check_image_shape(data_shape)
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense((height // 4) * (width // 4) * 2 * base_filters, use_bias=False)(z)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((height // 4, width // 4, 2 * base_filters))(x)
    x = layers.Conv2DTranspose(base_filters, 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", activation="tanh")(x)
    return keras.Model(z, x, name=name)


def build_dcgan_discriminator(
    data_shape: Sequence[int] = (28, 28, 1),
    base_filters: int = 64,
    num_outputs: int = 1,
    name: str = "discriminator",
    pac: int = 1,
) -> keras.Model:
    """Image → Conv stride 2 (f) → Conv stride 2 (2f) → flatten → logits, LeakyReLU(0.2).

    `pac` > 1 stacks that many consecutive images along the channels and scores them
    jointly (`PackSamples`, PacGAN)."""
    data_shape = _check_image_shape(data_shape)
    x_in = keras.Input(data_shape, name="x")
    x = layers.Conv2D(base_filters, 4, strides=2, padding="same")(packed(x_in, pac))
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Conv2D(2 * base_filters, 4, strides=2, padding="same")(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    logits = layers.Dense(num_outputs, name="logits")(x)
    return keras.Model(x_in, logits, name=name)
