"""Unsupervised GM-GAN: the `GAN` with a static or learned Gaussian-mixture prior."""

from typing import Optional

import keras

from keras_gmgan.layers.mixture_latent import MixtureLatent
from keras_gmgan.models.gan import GAN

#: The objectives of the seed projects' GM-GANs.
SEED_LOSSES = ("bce", "wgan-gp")


@keras.saving.register_keras_serializable(package="keras_gmgan")
class GMGAN(GAN):
    """The unsupervised GM-GAN: a `GAN` whose prior is a static or dynamic Gaussian mixture.

    Static and dynamic differ only in the prior (`MixtureLatent.static` and
    `MixtureLatent.dynamic`): a dynamic prior's means and σ are among
    `generator_variables`, and because the step computes `z = μ_k + σ_k ⊙ ε` inside the
    generator's loss, they get the generator loss's gradients (the reparameterisation
    trick). A static prior's never change.

    With `loss="wgan-gp"` the discriminator is a critic: `n_critic` critic updates (each on
    the whole batch, with fresh latents) minimise E[f(G(z))] − E[f(x)] + `gp_weight` · GP,
    then one generator update minimises −E[f(G(z))]; it is `GAN(loss="wgan-gp")`, the same
    step as `WGAN(lipschitz="gp")` but for the batch handling. The logs then add `gp`, and
    `d_real`/`d_fake` are mean critic scores instead of probabilities.

    Args:
        generator, discriminator, latent, seed: as for `GAN`; `latent` is the mixture prior
            (`build_gmgan` makes one with the seed projects' settings).
        loss: `"bce"` (non-saturating GAN) or `"wgan-gp"`, the seed projects' objectives
            (`GAN` takes any of `keras_gmgan.losses.ADVERSARIAL_LOSSES`).
        gp_weight: λ of the gradient penalty (WGAN-GP only).
        n_critic: critic updates per generator update; `None` means 5 for WGAN-GP and 1
            for BCE (the BCE step takes one discriminator update).
        **kwargs: the other settings of `GAN`.

    Reference:
        Ben-Yosef & Weinshall, "Gaussian Mixture Generative Adversarial Networks for Diverse
        Datasets, and the Unsupervised Clustering of Images", arXiv:1808.10356, 2018.

    Example:
    >>> from keras_gmgan.networks import build_mlp_generator, build_mlp_discriminator
    >>> prior = MixtureLatent.dynamic(8, num_components=4, c=1.0, sigma=0.2)
    >>> model = GMGAN(build_mlp_generator(8, (4,)), build_mlp_discriminator((4,)), prior)
    >>> model.compile()
    >>> history = model.fit(keras.random.uniform((32, 4)), batch_size=16, verbose=0)
    >>> sorted(history.history)
    ['d_fake', 'd_loss', 'd_real', 'g_loss']
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        latent: Optional[MixtureLatent] = None,
        seed: Optional[int] = None,
        loss: str = "bce",
        gp_weight: float = 10.0,
        n_critic: Optional[int] = None,
        **kwargs,
    ):
        if loss not in SEED_LOSSES:
            raise ValueError(
                f"loss must be one of {SEED_LOSSES} for a GMGAN; got {loss!r} (GAN takes "
                "every loss of keras_gmgan.losses.ADVERSARIAL_LOSSES)."
            )
        if loss == "bce" and n_critic not in (None, 1):
            raise ValueError(
                f"n_critic={n_critic} needs loss='wgan-gp'; the BCE step takes one "
                "discriminator update per generator update."
            )
        super().__init__(
            generator,
            discriminator,
            latent=latent,
            seed=seed,
            loss=loss,
            gp_weight=gp_weight,
            n_critic=n_critic,
            **kwargs,
        )
