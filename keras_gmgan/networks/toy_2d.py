"""Small ReLU networks for 2-D toy data: the WGAN exercise's pair and a deeper pair.

The shallow pair (one hidden layer of 100 units) is the EPFL WGAN exercise's generator and
critic ("dual variable") for two wide modes; the 25-mode grid needs more capacity, so the
deeper pair has three hidden layers of 512, as in the PacGAN/VEEGAN 2-D experiments.
"""

from typing import Optional, Sequence

import keras
from keras import layers

from keras_gmgan.layers.pack_samples import packed
from keras_gmgan.layers.spectral_dense import SpectralDense

#: Hidden layers of the exercise's pair and of the deeper pair (the recipes name every 2-D
#: pair they build, the 2-D benchmark's 3×128 included: `recipes.adversarial.POINT_NETWORKS`).
TOY_2D_UNITS: tuple = (100,)
DEEP_2D_UNITS: tuple = (512, 512, 512)


def build_toy_2d_generator(
    latent_dim: int = 2,
    hidden_units: Sequence[int] = TOY_2D_UNITS,
    data_dim: int = 2,
    name: str = "generator",
    data_scale: Optional[float] = None,
) -> keras.Model:
    """z → Dense(100) ReLU → Dense(2), linear output (the points are unbounded).

    With `data_scale` the network works in standardised units and a last `Rescaling`
    multiplies its output by `data_scale` (the data's std), so it draws points in data units.
    """
    z = keras.Input((latent_dim,), name="z")
    x = z
    for units in hidden_units:
        x = layers.Dense(units, activation="relu")(x)
    x = layers.Dense(data_dim, name="points")(x)
    if data_scale is not None:
        x = layers.Rescaling(float(data_scale), name="to_data_units")(x)
    return keras.Model(z, x, name=name)


def build_toy_2d_discriminator(
    hidden_units: Sequence[int] = TOY_2D_UNITS,
    spectral_norm: bool = False,
    data_dim: int = 2,
    num_outputs: int = 1,
    name: str = "discriminator",
    data_scale: Optional[float] = None,
    critic: bool = False,
    pac: int = 1,
) -> keras.Model:
    """x → Dense(100) ReLU → Dense(1): a WGAN critic's score or a GAN discriminator's logit.

    With `data_scale` a first `Rescaling` divides the points by it (the data's std), so the
    layers see standardised points while the network takes data units. A `critic` then
    also multiplies its score by `data_scale`: its gradient with respect to the points is
    that of the layers with respect to the standardised points, so a gradient penalty (of
    weight × `data_scale`) and weight clipping act as they would on standardised data.

    With `spectral_norm=True` every layer is a `SpectralDense` (one power iteration per
    training call), which divides its kernel by its spectral norm and so, with 1-Lipschitz
    ReLUs, bounds the whole critic's Lipschitz constant by 1.

    `pac` > 1 scores that many consecutive points jointly (`PackSamples`, PacGAN).
    """

    def dense(units, **kwargs):
        return (
            SpectralDense(units, power_iterations=1, **kwargs)
            if spectral_norm
            else layers.Dense(units, **kwargs)
        )

    x_in = keras.Input((data_dim,), name="x")
    x = packed(x_in, pac)
    if data_scale is not None:
        x = layers.Rescaling(1.0 / float(data_scale), name="standardise")(x)
    for units in hidden_units:
        x = dense(units, activation="relu")(x)
    scores = dense(num_outputs, name="scores")(x)
    if data_scale is not None and critic:
        scores = layers.Rescaling(float(data_scale), name="score_scale")(scores)
    return keras.Model(x_in, scores, name=name)


def build_deep_2d_generator(latent_dim: int = 2, name: str = "generator") -> keras.Model:
    """z → 3 × Dense(512) ReLU → Dense(2): the generator for the 25-mode grid and the ring."""
    return build_toy_2d_generator(latent_dim, DEEP_2D_UNITS, name=name)


def build_deep_2d_discriminator(
    spectral_norm: bool = False, num_outputs: int = 1, name: str = "discriminator"
) -> keras.Model:
    """x → 3 × Dense(512) ReLU → Dense(1), optionally spectrally normalised."""
    return build_toy_2d_discriminator(
        DEEP_2D_UNITS, spectral_norm=spectral_norm, num_outputs=num_outputs, name=name
    )
