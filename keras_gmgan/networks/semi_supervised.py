"""Classifier discriminators for semi-supervised GANs, and the Improved-GAN MNIST generator.

A semi-supervised discriminator is a classifier with two outputs: the activations of one hidden
layer (the features the generator's feature-matching loss compares) and the class logits
(K real classes, plus a fake class in the explicit form). Returning both from one functional
model lets a training step get features and logits from a single forward pass.
"""

import math
from typing import Sequence

import keras
from keras import layers

from keras_gmgan.layers.weight_norm_dense import WeightNormDense


def build_sgan_conv_discriminator(
    data_shape: Sequence[int] = (28, 28, 1),
    num_outputs: int = 11,
    filters: Sequence[int] = (32, 64),
    feature_units: int = 256,
    dropout: float = 0.3,
    name: str = "discriminator",
) -> keras.Model:
    """The seed project's classifier: two strided convolutions, a 256-unit feature layer, logits.

    Image → Conv 3×3 stride 2 (32) → Conv 3×3 stride 2 (64) → flatten → Dense(256) → logits,
    LeakyReLU(0.2), dropout after each hidden layer. The 256 activations (before their dropout)
    are the feature-matching features.

    Returns:
        A functional model mapping images to `[features, logits]`; `num_outputs` is K + 1 for
        the explicit fake class, K for the implicit one.
    """
    data_shape = tuple(int(s) for s in data_shape)
    if len(data_shape) != 3:
        raise ValueError(
            f"The convolutional discriminator needs images (height, width, channels); got "
            f"{data_shape}. Use build_improved_gan_discriminator for flat data."
        )
    x_in = keras.Input(data_shape, name="x")
    x = x_in
    for count in filters:
        x = layers.Conv2D(count, 3, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(feature_units)(x)
    features = layers.LeakyReLU(0.2, name="features")(x)
    x = layers.Dropout(dropout)(features) if dropout else features
    logits = layers.Dense(num_outputs, name="logits")(x)
    return keras.Model(x_in, [features, logits], name=name)


def build_improved_gan_discriminator(
    data_shape: Sequence[int] = (28, 28, 1),
    num_outputs: int = 10,
    hidden_units: Sequence[int] = (1000, 500, 250, 250, 250),
    input_noise: float = 0.3,
    hidden_noise: float = 0.5,
    feature_layer: int = -1,
    weight_norm: bool = True,
    rescale_inputs: bool = True,
    name: str = "discriminator",
) -> keras.Model:
    """The Improved-GAN MNIST discriminator: Gaussian noise, then dense ReLU layers with noise.

    Data → GaussianNoise(0.3) → [Dense(u) → ReLU → GaussianNoise(0.5)] for u in
    1000-500-250-250-250 → logits. The noise is the regulariser that makes 100 labels enough:
    it is active whenever the network is called with `training=True`. As in the paper the
    dense layers are weight-normalised with a fixed scale (the logits' scale is learned), so
    the features cannot grow without bound; call `keras_gmgan.layers.initialize_weight_norm`
    on a data batch before training for the paper's data-dependent initialisation (run, as
    there, with the noise active).

    Args:
        feature_layer: index into `hidden_units` of the layer whose ReLU activations (before
            their noise) are the features; -1 is the last hidden layer, as in the paper.
        weight_norm: `WeightNormDense` layers (True) or plain `Dense` ones.
        rescale_inputs: map inputs from [-1, 1] to [0, 1] first, the range the paper's noise
            levels were chosen for.

    Returns:
        A functional model mapping data to `[features, logits]`.

    Reference:
        Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016.
    """
    data_shape = tuple(int(s) for s in data_shape)
    hidden_units = tuple(int(u) for u in hidden_units)
    if not hidden_units or not -len(hidden_units) <= feature_layer < len(hidden_units):
        raise ValueError(
            f"feature_layer must index one of the {len(hidden_units)} hidden layers; got "
            f"{feature_layer}."
        )
    feature_index = feature_layer % len(hidden_units)
    x_in = keras.Input(data_shape, name="x")
    x = layers.Flatten()(x_in)
    if rescale_inputs:
        # keras-gmgan images are in [-1, 1]; the paper's noise levels are for pixels in [0, 1].
        x = layers.Rescaling(0.5, offset=0.5)(x)
    if input_noise:
        x = layers.GaussianNoise(input_noise)(x)
    features = None
    for index, units in enumerate(hidden_units):
        if weight_norm:
            x = WeightNormDense(units, activation="relu")(x)
        else:
            x = layers.Dense(units, activation="relu")(x)
        if index == feature_index:
            x = features = layers.Identity(name="features")(x)
        if hidden_noise:
            x = layers.GaussianNoise(hidden_noise)(x)
    if weight_norm:
        logits = WeightNormDense(num_outputs, train_scale=True, name="logits")(x)
    else:
        logits = layers.Dense(num_outputs, name="logits")(x)
    return keras.Model(x_in, [features, logits], name=name)


def build_improved_gan_generator(
    latent_dim: int = 100,
    data_shape: Sequence[int] = (28, 28, 1),
    hidden_units: Sequence[int] = (500, 500),
    output_activation: str = "tanh",
    weight_norm: bool = True,
    name: str = "generator",
) -> keras.Model:
    """The Improved-GAN MNIST generator: z → [Dense → batch norm → softplus] × 2 → data.

    The output layer is weight-normalised with a learned scale, as in the paper (plain `Dense`
    with `weight_norm=False`). The paper's sigmoid output becomes tanh here because
    keras-gmgan scales images to [-1, 1].
    """
    data_shape = tuple(int(s) for s in data_shape)
    z = keras.Input((latent_dim,), name="z")
    x = z
    for units in hidden_units:
        x = layers.Dense(units, use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("softplus")(x)
    if weight_norm:
        x = WeightNormDense(math.prod(data_shape), output_activation, train_scale=True)(x)
    else:
        x = layers.Dense(math.prod(data_shape), activation=output_activation)(x)
    x = layers.Reshape(data_shape)(x)
    return keras.Model(z, x, name=name)


#: Discriminator builders by name: "mlp" (Improved GAN) and "conv" (the seed project).
SEMI_SUPERVISED_DISCRIMINATORS = {
    "mlp": build_improved_gan_discriminator,
    "conv": build_sgan_conv_discriminator,
}


def build_semi_supervised_discriminator(
    network: str, data_shape: Sequence[int], num_outputs: int, **kwargs
) -> keras.Model:
    """The `[features, logits]` discriminator named `network` ("mlp" or "conv")."""
    if network not in SEMI_SUPERVISED_DISCRIMINATORS:
        raise ValueError(
            f"Unknown semi-supervised network {network!r}; choose one of "
            f"{', '.join(SEMI_SUPERVISED_DISCRIMINATORS)}."
        )
    return SEMI_SUPERVISED_DISCRIMINATORS[network](data_shape, num_outputs=num_outputs, **kwargs)
