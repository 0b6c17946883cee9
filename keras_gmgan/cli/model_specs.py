"""The `--model` choices of `keras-gmgan fit`: how each is built from options and data.

This module imports no Keras at import time, so `--help` can list the choices instantly;
each builder imports what it needs when called.
"""

from dataclasses import dataclass
from typing import Any, Callable

#: Options every model understands. Others are model-specific and listed in `ModelSpec.options`.
COMMON_OPTIONS = frozenset(
    {
        "model", "dataset", "data", "epochs", "steps_per_epoch", "batch_size", "lr", "beta1",
        "latent_dim", "components", "c", "sigma", "network", "seed", "out", "overwrite",
        "verbose", "distribute", "resume",
    }
)  # fmt: skip


@dataclass(frozen=True)
class ModelSpec:
    """How one `--model` choice is built.

    Attributes:
        summary: one line for `--help`.
        build: `build(options, data) -> compiled keras.Model`.
        options: the model-specific command-line options it reads.
        uses_labels: whether `fit` passes the labels along with the images.
    """

    summary: str
    build: Callable[[dict, Any], Any]
    options: tuple = ()
    uses_labels: bool = False


def mixture_prior(options: dict, **overrides):
    """The latent prior from `--latent-dim`, `--components`, `--c` and `--sigma`.

    One component gives the standard normal; more components default to means drawn from
    U[-0.5, 0.5]^d with σ = 0.7, close to the seed projects' best static GM-GAN setting.
    """
    from keras_gmgan.layers import MixtureLatent

    components = options["components"]
    c = options["c"] if options["c"] is not None else (0.0 if components == 1 else 0.5)
    sigma = options["sigma"] if options["sigma"] is not None else (1.0 if components == 1 else 0.7)
    kwargs = dict(
        latent_dim=options["latent_dim"],
        num_components=components,
        c=c,
        sigma=sigma,
        seed=options["seed"],
        name="latent",
    )
    kwargs.update(overrides)
    return MixtureLatent(**kwargs)


def image_networks(options: dict, data, num_outputs: int = 1):
    """The generator/discriminator pair named by `--network` for the data's shape."""
    from keras_gmgan import networks

    if options["network"] == "dcgan":
        generator = networks.build_dcgan_generator(options["latent_dim"], data.data_shape)
        discriminator = networks.build_dcgan_discriminator(data.data_shape, num_outputs=num_outputs)
    else:
        generator = networks.build_mlp_generator(options["latent_dim"], data.data_shape)
        discriminator = networks.build_mlp_discriminator(data.data_shape, num_outputs=num_outputs)
    return generator, discriminator


def adam_pair(options: dict):
    """Two Adam optimizers (one per player) from `--lr` and `--beta1`."""
    import keras

    return {
        f"{player}_optimizer": keras.optimizers.Adam(options["lr"], beta_1=options["beta1"])
        for player in ("d", "g")
    }


def _build_gan(options: dict, data):
    from keras_gmgan.models import GAN

    generator, discriminator = image_networks(options, data)
    model = GAN(generator, discriminator, latent=mixture_prior(options), seed=options["seed"])
    model.compile(**adam_pair(options))
    return model


MODELS: dict[str, ModelSpec] = {
    "gan": ModelSpec("vanilla GAN with the non-saturating BCE loss", _build_gan),
}
