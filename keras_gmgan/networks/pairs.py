"""`build_networks`: the generator and discriminator of one image network family."""

from typing import Sequence

import keras

from keras_gmgan.networks.dcgan import build_dcgan_discriminator, build_dcgan_generator
from keras_gmgan.networks.mlp import build_mlp_discriminator, build_mlp_generator

#: The image network families: the course template's MLPs and Radford et al.'s DCGAN.
NETWORKS = ("mlp", "dcgan")


def build_networks(
    data_shape: Sequence[int],
    latent_dim: int = 100,
    network: str = "mlp",
    num_outputs: int = 1,
    dropout: float = 0.0,
    pac: int = 1,
) -> tuple[keras.Model, keras.Model]:
    """Generator and discriminator of the named family (`"mlp"`: the course template);
    `pac` > 1 packs the discriminator's input (`PackSamples`, PacGAN). Every image model
    builds its networks here, so `warm_start_from` can copy one model's into another's."""
    if network == "mlp":
        return (
            build_mlp_generator(latent_dim, data_shape),
            build_mlp_discriminator(data_shape, dropout=dropout, num_outputs=num_outputs, pac=pac),
        )
    if network == "dcgan":
        if dropout:
            raise ValueError("dropout is an option of the mlp networks only.")
        return (
            build_dcgan_generator(latent_dim, data_shape),
            build_dcgan_discriminator(data_shape, num_outputs=num_outputs, pac=pac),
        )
    raise ValueError(f"network must be one of {NETWORKS}; got {network!r}.")
