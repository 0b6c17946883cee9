"""`build_gmgan`: a compiled GM-GAN for a data shape, with the seed projects' settings."""

from typing import Optional, Sequence

import keras

from keras_gmgan.layers.mixture_latent import MixtureLatent
from keras_gmgan.models.adversarial_model import AdversarialModel
from keras_gmgan.models.gmgan import GMGAN
from keras_gmgan.models.supervised_gmgan import SupervisedGMGAN
from keras_gmgan.networks import (
    build_dcgan_discriminator,
    build_dcgan_generator,
    build_mlp_discriminator,
    build_mlp_generator,
)

VARIANTS = ("static", "dynamic", "supervised")
NETWORKS = ("mlp", "dcgan")

#: Prior and optimizer settings of the seed projects (see the reference notes).
#: Static and dynamic: K=10, c=0.467, σ=0.7, Adam(2e-4, β1=0.5). The course template's
#: c=0.1, σ=0.15 with Adam(2e-4, β1=0.9) suits fine-tuning a trained vanilla GAN, not training
#: from scratch (BENCHMARKS.md); pass c=0.1, sigma=0.15 to get them.
#: Supervised: means U(-3, 3), per-dimension σ starting at 1.4, Adam(8e-5, β=(0.5, 0.999)).
SEED_SETTINGS = {
    "static": {"c": 0.467, "sigma": 0.7, "per_dimension_sigma": False, "adam": (2e-4, 0.5, 0.999)},
    "dynamic": {"c": 0.467, "sigma": 0.7, "per_dimension_sigma": False, "adam": (2e-4, 0.5, 0.999)},
    "supervised": {"c": 3.0, "sigma": 1.4, "per_dimension_sigma": True, "adam": (8e-5, 0.5, 0.999)},
}
#: Gulrajani et al. (2017): Adam(1e-4, β=(0, 0.9)) for WGAN-GP.
WGAN_GP_ADAM = (1e-4, 0.0, 0.9)


def build_networks(
    data_shape: Sequence[int],
    latent_dim: int = 100,
    network: str = "mlp",
    num_outputs: int = 1,
    dropout: float = 0.0,
    pac: int = 1,
) -> tuple[keras.Model, keras.Model]:
    """Generator and discriminator of the named family (`"mlp"`: the course template);
    `pac` > 1 packs the discriminator's input (`PackSamples`, PacGAN)."""
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


def build_gmgan(
    data_shape: Sequence[int],
    variant: str = "static",
    num_components: int = 10,
    c: Optional[float] = None,
    sigma: Optional[float] = None,
    per_dimension_sigma: Optional[bool] = None,
    latent_dim: int = 100,
    loss: str = "bce",
    gp_weight: float = 10.0,
    n_critic: Optional[int] = None,
    network: str = "mlp",
    dropout: float = 0.0,
    learning_rate: Optional[float] = None,
    seed: Optional[int] = None,
    ema_decay: Optional[float] = None,
    info_weight: float = 0.0,
    pac: int = 1,
    compile: bool = True,
) -> AdversarialModel:
    """Builds (and compiles) a GM-GAN for data of shape `data_shape`.

    `variant` is `"static"` (fixed mixture; `GMGAN`), `"dynamic"` (means and σ learned with
    the generator; `GMGAN`) or `"supervised"` (`SupervisedGMGAN`: `num_components` is the
    number of classes and the discriminator gets `num_components + 1` outputs). Arguments
    left as None take the seed projects' values for the variant (`SEED_SETTINGS`), so
    `build_gmgan((28, 28, 1))` is the static GM-GAN that worked on MNIST: K=10, c=0.467,
    σ=0.7, d=100, the course template's MLPs, Adam(2e-4, β1=0.5). `loss="wgan-gp"` (unsupervised
    variants) switches to the critic loss with gradient penalty and Adam(1e-4, β=(0, 0.9)).
    `learning_rate` overrides both players' learning rate. `ema_decay` keeps a moving
    average of the generator's weights for sampling (`AdversarialModel`). `info_weight` > 0
    (unsupervised variants) gives the discriminator a head of K component logits and trains
    both players to recover each fake's component (`GAN`, InfoGAN's term). `pac` > 1
    (unsupervised variants, BCE loss) has the discriminator score that many samples jointly
    (`PackSamples`, PacGAN).

    The networks are those of `build_networks`, the same a vanilla GAN of the same
    `network` and `latent_dim` uses, so `warm_start_from` can start from one.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}; got {variant!r}.")
    if variant == "supervised" and loss != "bce":
        raise ValueError(
            "The supervised GM-GAN trains a (K+1)-way classifier with cross-entropy; "
            "loss='wgan-gp' is for the unsupervised variants (static, dynamic)."
        )
    settings = SEED_SETTINGS[variant]
    learned = variant != "static"
    latent = MixtureLatent(
        latent_dim,
        num_components=num_components,
        c=settings["c"] if c is None else c,
        sigma=settings["sigma"] if sigma is None else sigma,
        per_dimension_sigma=(
            settings["per_dimension_sigma"] if per_dimension_sigma is None else per_dimension_sigma
        ),
        trainable_means=learned,
        trainable_sigma=learned,
        seed=seed,
        name="latent",
    )
    if variant == "supervised" and info_weight:
        raise ValueError(
            "info_weight is for the unsupervised variants; the supervised GM-GAN's (K+1)-way "
            "discriminator already classifies each fake's component."
        )
    num_outputs = num_components + 1 if variant == "supervised" or info_weight else 1
    generator, discriminator = build_networks(
        data_shape, latent_dim, network, num_outputs, dropout, pac=pac
    )
    if variant == "supervised":
        model = SupervisedGMGAN(generator, discriminator, latent, seed=seed, ema_decay=ema_decay)
    else:
        model = GMGAN(
            generator,
            discriminator,
            latent,
            seed=seed,
            loss=loss,
            gp_weight=gp_weight,
            n_critic=n_critic,
            ema_decay=ema_decay,
            info_weight=info_weight,
        )
    if compile:
        lr, beta_1, beta_2 = WGAN_GP_ADAM if loss == "wgan-gp" else settings["adam"]
        lr = lr if learning_rate is None else learning_rate
        model.compile(
            d_optimizer=keras.optimizers.Adam(lr, beta_1=beta_1, beta_2=beta_2),
            g_optimizer=keras.optimizers.Adam(lr, beta_1=beta_1, beta_2=beta_2),
        )
    return model
