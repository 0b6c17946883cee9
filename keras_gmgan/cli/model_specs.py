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
        "verbose", "distribute", "resume", "eval_every", "eval_samples", "mlflow",
    }
)  # fmt: skip

#: Defaults of common options that a model may override (`ModelSpec.defaults`); on the command
#: line these options default to None.
COMMON_DEFAULTS = {"network": "mlp", "batch_size": 64}


@dataclass(frozen=True)
class ModelSpec:
    """How one `--model` choice is built.

    Attributes:
        summary: one line for `--help`.
        build: `build(options, data) -> compiled keras.Model`.
        options: the model-specific command-line options it reads.
        uses_labels: whether `fit` passes the labels along with the images.
        defaults: values for common options left unset (None) on the command line.
        batches: `batches(options, data, initial_epoch) -> keras.utils.PyDataset` that `fit`
            trains on, replacing the default `RepeatingBatches` of the training images (and
            labels with `uses_labels`); it must honour `--steps-per-epoch` and resuming.
        evaluate: `evaluate(model, options, data, out) -> dict` run after training; the dict
            is merged into results.json, and it may write files into the run directory `out`.
        generative: whether the model generates images (a sample grid is saved each epoch).
    """

    summary: str
    build: Callable[[dict, Any], Any]
    options: tuple = ()
    uses_labels: bool = False
    defaults: dict = field(default_factory=dict)
    batches: Optional[Callable[[dict, Any, int], Any]] = None
    evaluate: Optional[Callable[[Any, dict, Any, Path], dict]] = None
    generative: bool = True


def mixture_prior(options: dict, **overrides):
    """The latent prior from `--latent-dim`, `--components`, `--c` and `--sigma`.

    One component gives the standard normal; more components default to means drawn from
    U[-0.5, 0.5]^d with σ = 0.7, close to the seed projects' best static GM-GAN setting.
    """
    from keras_gmgan.layers import MixtureLatent

    components = options["components"] or 1
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


def networks_for(options: dict, data, num_outputs: int = 1, spectral_norm: bool = False):
    """The generator/discriminator pair named by `--network` for the data's shape."""
    from keras_gmgan import networks

    latent_dim, network = options["latent_dim"], options["network"]
    if not data.is_image:
        if network == "dcgan":
            raise ValueError("--network dcgan needs image data; use mlp or deep for 2-D points.")
        if network == "deep":
            return networks.build_deep_2d_generator(
                latent_dim
            ), networks.build_deep_2d_discriminator(
                spectral_norm=spectral_norm, num_outputs=num_outputs
            )
        return networks.build_toy_2d_generator(latent_dim), networks.build_toy_2d_discriminator(
            spectral_norm=spectral_norm, num_outputs=num_outputs
        )
    if spectral_norm:
        raise ValueError("--lipschitz spectral is available for the 2-D networks only.")
    if network == "deep":
        raise ValueError("--network deep is the 2-D pair; use mlp or dcgan for images.")
    if network == "dcgan":
        generator = networks.build_dcgan_generator(latent_dim, data.data_shape)
        discriminator = networks.build_dcgan_discriminator(data.data_shape, num_outputs=num_outputs)
    else:
        generator = networks.build_mlp_generator(latent_dim, data.data_shape)
        discriminator = networks.build_mlp_discriminator(data.data_shape, num_outputs=num_outputs)
    return generator, discriminator


def adam_pair(
    options: dict,
    lr: float = 2e-4,
    beta_1: float = 0.5,
    beta_2: float = 0.999,
    decay_steps: Optional[int] = None,
    hold_steps: int = 0,
    epsilon: float = 1e-7,
):
    """Two Adam optimizers (one per player); `--lr` and `--beta1` override the model's defaults.

    With `decay_steps` each rate stays for `hold_steps` steps of its optimizer, then falls
    linearly to 0 over `decay_steps` more (`HoldThenLinearDecay`, a stateless schedule on the
    optimizer's own step count, so it is exact under every backend and a resumed run picks
    it up where it stopped).
    """
    import keras

    from keras_gmgan.schedules import HoldThenLinearDecay

    lr = options["lr"] if options["lr"] is not None else lr
    beta_1 = options["beta1"] if options["beta1"] is not None else beta_1
    if decay_steps is not None:
        lr = HoldThenLinearDecay(lr, hold_steps=hold_steps, decay_steps=decay_steps)
    return {
        f"{player}_optimizer": keras.optimizers.Adam(
            lr, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon
        )
        for player in ("d", "g")
    }


def generator_ema_decay(options: dict):
    """`--ema-decay` of a generative model: the decay of its generator's moving average."""
    # Runs written before the generative models took --ema-decay have none in their config.
    return options.get("ema_decay")


def _build_gan(options: dict, data):
    from keras_gmgan.models import GAN

    generator, discriminator = networks_for(options, data)
    model = GAN(
        generator,
        discriminator,
        latent=mixture_prior(options),
        seed=options["seed"],
        ema_decay=generator_ema_decay(options),
    )
    model.compile(**adam_pair(options))
    return model


def _build_wgan(options: dict, data):
    from keras_gmgan.models import WGAN

    generator, discriminator = networks_for(
        options, data, spectral_norm=options["lipschitz"] == "spectral"
    )
    model = WGAN(
        generator,
        discriminator,
        latent=mixture_prior(options),
        lipschitz=options["lipschitz"],
        n_critic=options["n_critic"] or 5,
        clip_value=options["clip_value"],
        gp_weight=options["gp_weight"],
        seed=options["seed"],
        ema_decay=generator_ema_decay(options),
    )
    model.compile(**adam_pair(options, lr=1e-4, beta_1=0.0, beta_2=0.9))
    return model


def _gmgan_builder(variant: str):
    def build(options: dict, data):
        from keras_gmgan.models import build_gmgan
        from keras_gmgan.models.gmgan_builder import SEED_SETTINGS, WGAN_GP_ADAM

        if not data.is_image:
            raise ValueError(
                f"--model {options['model']} needs image data; use gan or wgan "
                "with --components for 2-D points."
            )
        components = options["components"] or 10
        if variant == "supervised":
            if options["components"] not in (None, data.num_classes):
                raise ValueError(
                    f"--model gmgan-supervised has one component per class: --components "
                    f"must be {data.num_classes} for {data.name} (or left out)."
                )
            components = data.num_classes
        model = build_gmgan(
            data.data_shape,
            variant=variant,
            num_components=components,
            c=options["c"],
            sigma=options["sigma"],
            latent_dim=options["latent_dim"],
            loss=options["loss"],
            gp_weight=options["gp_weight"],
            n_critic=options["n_critic"],
            network=options["network"],
            seed=options["seed"],
            ema_decay=generator_ema_decay(options),
            compile=False,
        )
        lr, beta_1, beta_2 = (
            WGAN_GP_ADAM if options["loss"] == "wgan-gp" else SEED_SETTINGS[variant]["adam"]
        )
        model.compile(**adam_pair(options, lr=lr, beta_1=beta_1, beta_2=beta_2))
        if options["init_from"] is not None:
            warm_start(model, options["init_from"], variant)
        return model

    return build


def warm_start(model, source, variant: str) -> None:
    """Copies a trained vanilla GAN's networks into `model` (`--init-from RUN`)."""
    from keras_gmgan.models import GAN, warm_start_from
    from keras_gmgan.runs import ModelFileError, load_model

    try:
        trained = load_model(source)
    except ModelFileError as error:
        raise ValueError(str(error)) from None
    if type(trained) is not GAN:
        raise ValueError(
            f"--init-from needs a vanilla GAN run; {source} holds a {type(trained).__name__}."
        )
    # A supervised discriminator has K+1 outputs: only the generator carries over.
    parts = ("generator",) if variant == "supervised" else ("generator", "discriminator")
    warm_start_from(model, trained, parts=parts)


GMGAN_OPTIONS = ("loss", "gp_weight", "n_critic", "init_from", "ema_decay")

MODELS: dict[str, ModelSpec] = {
    "gan": ModelSpec(
        "vanilla GAN with the non-saturating BCE loss", _build_gan, ("gif", "ema_decay")
    ),
    "wgan": ModelSpec(
        "Wasserstein GAN (clip, spectral or gp)",
        _build_wgan,
        ("lipschitz", "n_critic", "clip_value", "gp_weight", "gif", "ema_decay"),
    ),
    "gmgan": ModelSpec(
        "GM-GAN, static mixture prior (K=10 by default)", _gmgan_builder("static"), GMGAN_OPTIONS
    ),
    "gmgan-dynamic": ModelSpec(
        "GM-GAN, mixture means and σ learned with the generator",
        _gmgan_builder("dynamic"),
        GMGAN_OPTIONS,
    ),
    "gmgan-supervised": ModelSpec(
        "GM-GAN, one component per class, (K+1)-way discriminator",
        _gmgan_builder("supervised"),
        ("init_from", "ema_decay"),
        uses_labels=True,
    ),
    "sgan": ModelSpec(
        "semi-supervised GAN: K-way (implicit fake) or (K+1)-way classifier, feature matching",
        semi_supervised_specs.build_sgan,
        options=(
            "labels",
            "with_baseline",
            "fake_class",
            "ema_decay",
            "entropy_weight",
            "matching_batch",
            "lr_decay",
            "lr_hold",
        ),
        defaults={"batch_size": 100},
        batches=semi_supervised_specs.semi_supervised_batches,
        evaluate=semi_supervised_specs.evaluate_sgan,
    ),
    "cnn-baseline": ModelSpec(
        "the SGAN's classifier trained on the labelled examples alone",
        semi_supervised_specs.build_cnn_baseline,
        options=("labels",),
        defaults={"network": "dcgan"},
        batches=semi_supervised_specs.labeled_batches,
        evaluate=semi_supervised_specs.evaluate_cnn_baseline,
        generative=False,
    ),
}
