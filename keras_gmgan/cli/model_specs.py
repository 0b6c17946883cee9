"""The `--model` choices of `keras-gmgan fit`: how each is built from options and data.

This module imports no Keras at import time, so `--help` can list the choices instantly;
each builder imports what it needs when called.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from keras_gmgan.cli import semi_supervised_specs

#: Options every model understands. Others are model-specific and listed in `ModelSpec.options`.
COMMON_OPTIONS = frozenset(
    {
        "model", "dataset", "data", "epochs", "steps_per_epoch", "batch_size", "lr", "beta1",
        "latent_dim", "components", "c", "sigma", "network", "seed", "out", "overwrite",
        "verbose",
    }
)  # fmt: skip

#: Defaults of common options that a model may override (`ModelSpec.defaults`); on the command
#: line these options default to None.
COMMON_DEFAULTS = {"network": "mlp"}


@dataclass(frozen=True)
class ModelSpec:
    """How one `--model` choice is built.

    Attributes:
        summary: one line for `--help`.
        build: `build(options, data) -> compiled keras.Model`.
        options: the model-specific command-line options it reads.
        uses_labels: whether `fit` passes the labels along with the images.
        defaults: values for common options left unset (None) on the command line.
        fit_inputs: `fit_inputs(options, data) -> dict` of `fit` keyword arguments (`x`, `y`,
            `batch_size`) replacing the default (the training images, batch `--batch-size`).
        evaluate: `evaluate(model, options, data, out) -> dict` run after training; the dict
            is merged into results.json, and it may write files into the run directory `out`.
        generative: whether the model generates images (a sample grid is saved each epoch).
    """

    summary: str
    build: Callable[[dict, Any], Any]
    options: tuple = ()
    uses_labels: bool = False
    defaults: dict = field(default_factory=dict)
    fit_inputs: Optional[Callable[[dict, Any], dict]] = None
    evaluate: Optional[Callable[[Any, dict, Any, Path], dict]] = None
    generative: bool = True


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
    "sgan": ModelSpec(
        "semi-supervised GAN: (K+1)-way classifier discriminator, feature matching",
        semi_supervised_specs.build_sgan,
        options=("labels", "with_baseline", "fake_class", "ema_decay"),
        fit_inputs=semi_supervised_specs.semi_supervised_batches,
        evaluate=semi_supervised_specs.evaluate_sgan,
    ),
    "cnn-baseline": ModelSpec(
        "the SGAN's classifier trained on the labelled examples alone",
        semi_supervised_specs.build_cnn_baseline,
        options=("labels",),
        defaults={"network": "dcgan"},
        fit_inputs=semi_supervised_specs.labeled_examples,
        evaluate=semi_supervised_specs.evaluate_cnn_baseline,
        generative=False,
    ),
}
