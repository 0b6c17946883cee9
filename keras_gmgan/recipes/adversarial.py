"""Recipes of the unsupervised and class-conditional GANs: `gan`, `wgan`, `gmgan`,
`gmgan_dynamic`, `gmgan_supervised`.

Each returns a compiled model with the seed projects' networks, prior and optimizers; every
keyword argument is also a `keras-gmgan fit` option of the same name, and its default here
is the one the command line uses. No Keras import at module level (see `keras_gmgan.recipes`).
"""

import inspect
from pathlib import Path
from typing import Optional, Sequence, Union

#: Gulrajani et al. (2017): Adam(1e-4, β=(0, 0.9)) for a critic with gradient penalty.
WGAN_GP_ADAM = (1e-4, 0.0, 0.9)


def default_latent_dim(data_shape: Sequence[int]) -> int:
    """100 latent dimensions for images, 2 for 2-D points."""
    return 100 if len(data_shape) == 3 else 2


def mixture_prior(
    latent_dim: int,
    components: int = 1,
    c: Optional[float] = None,
    sigma: Optional[float] = None,
    seed: Optional[int] = None,
):
    """The latent prior: one component is the standard normal; more components default to
    means drawn from U[-0.5, 0.5]^d with σ = 0.7, close to the seed projects' best static
    GM-GAN setting."""
    from keras_gmgan.layers import MixtureLatent

    c = c if c is not None else (0.0 if components == 1 else 0.5)
    sigma = sigma if sigma is not None else (1.0 if components == 1 else 0.7)
    return MixtureLatent(
        latent_dim=latent_dim,
        num_components=components,
        c=c,
        sigma=sigma,
        seed=seed,
        name="latent",
    )


def networks_for(
    data_shape: Sequence[int],
    latent_dim: int,
    network: str = "mlp",
    num_outputs: int = 1,
    spectral_norm: bool = False,
):
    """The generator/discriminator pair named `network` for data of shape `data_shape`:
    mlp and deep for 2-D points, mlp and dcgan for images."""
    from keras_gmgan import networks

    if len(data_shape) != 3:
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
        generator = networks.build_dcgan_generator(latent_dim, data_shape)
        discriminator = networks.build_dcgan_discriminator(data_shape, num_outputs=num_outputs)
    else:
        generator = networks.build_mlp_generator(latent_dim, data_shape)
        discriminator = networks.build_mlp_discriminator(data_shape, num_outputs=num_outputs)
    return generator, discriminator


def adam_pair(
    lr: float,
    beta1: float,
    beta2: float = 0.999,
    decay_steps: Optional[int] = None,
    hold_steps: int = 0,
    epsilon: float = 1e-7,
) -> dict:
    """Two Adam optimizers, one per player, as `compile` keyword arguments.

    With `decay_steps` each rate stays for `hold_steps` steps of its optimizer, then falls
    linearly to 0 over `decay_steps` more (`HoldThenLinearDecay`, a stateless schedule on the
    optimizer's own step count, so it is exact under every backend and a resumed run picks
    it up where it stopped).
    """
    import keras

    from keras_gmgan.schedules import HoldThenLinearDecay

    if decay_steps is not None:
        lr = HoldThenLinearDecay(lr, hold_steps=hold_steps, decay_steps=decay_steps)
    return {
        f"{player}_optimizer": keras.optimizers.Adam(
            lr, beta_1=beta1, beta_2=beta2, epsilon=epsilon
        )
        for player in ("d", "g")
    }


def gan(
    data_shape: Sequence[int],
    *,
    latent_dim: Optional[int] = None,
    components: int = 1,
    c: Optional[float] = None,
    sigma: Optional[float] = None,
    network: str = "mlp",
    lr: float = 2e-4,
    beta1: float = 0.5,
    ema_decay: Optional[float] = None,
    seed: Optional[int] = None,
):
    """A vanilla GAN with the non-saturating BCE loss, compiled.

    Args:
        data_shape: (28, 28, 1) for images, (2,) for 2-D points.
        latent_dim: 100 for images, 2 for points when None.
        components, c, sigma: the mixture prior (`mixture_prior`); one component is N(0, I).
        network: "mlp" (the course template's pair, or the 2→100→2 pair for points),
            "dcgan" (images) or "deep" (3×512 ReLU, points).
        lr, beta1: Adam of both players.
        ema_decay: keep an exponential moving average of the generator's weights with this
            decay (e.g. 0.999), which generate and evaluate then sample; None keeps none.
        seed: seed of the prior's means and of training-time sampling.
    """
    from keras_gmgan.models import GAN

    latent_dim = latent_dim or default_latent_dim(data_shape)
    generator, discriminator = networks_for(data_shape, latent_dim, network)
    prior = mixture_prior(latent_dim, components, c, sigma, seed)
    model = GAN(generator, discriminator, latent=prior, seed=seed, ema_decay=ema_decay)
    model.compile(**adam_pair(lr, beta1))
    return model


def wgan(
    data_shape: Sequence[int],
    *,
    latent_dim: Optional[int] = None,
    components: int = 1,
    c: Optional[float] = None,
    sigma: Optional[float] = None,
    network: str = "mlp",
    lipschitz: str = "gp",
    n_critic: int = 5,
    clip_value: float = 0.01,
    gp_weight: float = 10.0,
    lr: float = 1e-4,
    beta1: float = 0.0,
    ema_decay: Optional[float] = None,
    seed: Optional[int] = None,
):
    """A Wasserstein GAN, compiled with Adam(lr, β=(beta1, 0.9)).

    Args:
        lipschitz: the critic's constraint: "clip" (weights clipped to ±`clip_value`),
            "spectral" (spectral normalisation, 2-D networks) or "gp" (gradient penalty of
            weight `gp_weight`).
        n_critic: critic steps per generator step.
        Others: as `gan`.
    """
    from keras_gmgan.models import WGAN

    latent_dim = latent_dim or default_latent_dim(data_shape)
    generator, discriminator = networks_for(
        data_shape, latent_dim, network, spectral_norm=lipschitz == "spectral"
    )
    model = WGAN(
        generator,
        discriminator,
        latent=mixture_prior(latent_dim, components, c, sigma, seed),
        lipschitz=lipschitz,
        n_critic=n_critic,
        clip_value=clip_value,
        gp_weight=gp_weight,
        seed=seed,
        ema_decay=ema_decay,
    )
    model.compile(**adam_pair(lr, beta1, beta2=WGAN_GP_ADAM[2]))
    return model


def gmgan(
    data_shape: Sequence[int],
    *,
    latent_dim: Optional[int] = None,
    components: int = 10,
    c: float = 0.467,
    sigma: float = 0.7,
    network: str = "mlp",
    loss: str = "bce",
    gp_weight: float = 10.0,
    n_critic: Optional[int] = None,
    lr: Optional[float] = None,
    beta1: Optional[float] = None,
    init_from: Union[str, Path, None] = None,
    ema_decay: Optional[float] = None,
    seed: Optional[int] = None,
):
    """The static GM-GAN (Ben-Yosef & Weinshall, 2018) on images, compiled.

    The defaults are the seed projects' FID-16.1 setting: K = 10 components, means drawn from
    U[-0.467, 0.467]^100, σ = 0.7, the course template's MLPs, Adam(2e-4, β1=0.5).

    Args:
        loss: "bce" (non-saturating) or "wgan-gp" (a critic with gradient penalty of weight
            `gp_weight` and `n_critic` critic steps, 5 when None).
        lr, beta1: Adam of both players; None takes the loss's: 2e-4 and 0.5 for bce, 1e-4
            and 0 for wgan-gp (Gulrajani et al.).
        init_from: a vanilla GAN run directory or `.keras` file whose networks are copied in
            (the seeds fine-tuned a trained GAN).
        Others: as `gan`.
    """
    return _gmgan("static", **locals())


def gmgan_dynamic(data_shape: Sequence[int], **options):
    """The dynamic GM-GAN: `gmgan`, with the mixture's means and σ learned with the
    generator. Takes `gmgan`'s arguments, with the same defaults."""
    arguments = inspect.signature(gmgan).bind(data_shape, **options)
    arguments.apply_defaults()
    return _gmgan("dynamic", **arguments.arguments)


gmgan_dynamic.__signature__ = inspect.signature(gmgan)


def gmgan_supervised(
    data_shape: Sequence[int],
    num_classes: int,
    *,
    latent_dim: Optional[int] = None,
    components: Optional[int] = None,
    c: float = 3.0,
    sigma: float = 1.4,
    network: str = "mlp",
    lr: float = 8e-5,
    beta1: float = 0.5,
    init_from: Union[str, Path, None] = None,
    ema_decay: Optional[float] = None,
    seed: Optional[int] = None,
):
    """The supervised GM-GAN: component k generates class k; a (K+1)-way discriminator.

    The seeds' setting: means drawn from U[-3, 3]^d, a learned σ per dimension starting at
    1.4, Adam(8e-5, β1=0.5). Train it with `fit(x, y)`.

    Args:
        num_classes: K, which is also the number of mixture components.
        components: K again, or None (accepted so that an explicit K can be checked).
        init_from: a vanilla GAN run or `.keras` file whose generator is copied in.
        Others: as `gmgan`.
    """
    if components not in (None, num_classes):
        raise ValueError(
            f"The supervised GM-GAN has one component per class: components must be "
            f"{num_classes} (or None); got {components}."
        )
    return _gmgan("supervised", data_shape, latent_dim=latent_dim, components=num_classes, c=c,
                  sigma=sigma, network=network, lr=lr, beta1=beta1, init_from=init_from,
                  ema_decay=ema_decay, seed=seed)  # fmt: skip


def _gmgan(variant, data_shape, *, latent_dim, components, c, sigma, network, lr, beta1,
           init_from, seed, loss="bce", gp_weight=10.0, n_critic=None,
           ema_decay=None):  # fmt: skip
    """`build_gmgan` of `variant`, compiled with the recipe's Adam, warm-started if asked."""
    from keras_gmgan.models import build_gmgan

    if len(data_shape) != 3:
        name = "gmgan" if variant == "static" else f"gmgan-{variant}"
        raise ValueError(
            f"--model {name} needs image data; use gan or wgan with --components for 2-D points."
        )
    model = build_gmgan(
        data_shape,
        variant=variant,
        num_components=components,
        c=c,
        sigma=sigma,
        latent_dim=latent_dim or default_latent_dim(data_shape),
        loss=loss,
        gp_weight=gp_weight,
        n_critic=n_critic,
        network=network,
        seed=seed,
        ema_decay=ema_decay,
        compile=False,
    )
    default_lr, default_beta1, beta2 = WGAN_GP_ADAM if loss == "wgan-gp" else (2e-4, 0.5, 0.999)
    model.compile(**adam_pair(lr or default_lr, default_beta1 if beta1 is None else beta1, beta2))
    if init_from is not None:
        warm_start(model, init_from, variant)
    return model


def warm_start(model, source: Union[str, Path], variant: str) -> None:
    """Copies a trained vanilla GAN's networks (a run directory or `.keras` file) into
    `model`; only the generator for the supervised variant, whose discriminator has K+1
    outputs."""
    from keras_gmgan.models import GAN, warm_start_from
    from keras_gmgan.runs import load_model

    trained = load_model(source)
    if type(trained) is not GAN:
        raise ValueError(
            f"--init-from needs a vanilla GAN run; {source} holds a {type(trained).__name__}."
        )
    parts = ("generator",) if variant == "supervised" else ("generator", "discriminator")
    warm_start_from(model, trained, parts=parts)
