"""Unsupervised GM-GAN: the `GAN` with a static or learned Gaussian-mixture prior."""

import keras

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
        generator, discriminator, latent, seed, gp_weight, n_critic, ...: as for `GAN`;
            `latent` is the mixture prior (`MixtureLatent.static` or `.dynamic`;
            `keras_gmgan.recipes.gmgan` builds the whole model with measured defaults).
        loss: `"bce"` (non-saturating GAN) or `"wgan-gp"`, the seed projects' objectives
            (`GAN` takes any of `keras_gmgan.losses.ADVERSARIAL_LOSSES`).

    Reference:
        Ben-Yosef & Weinshall, "Gaussian Mixture Generative Adversarial Networks for Diverse
        Datasets, and the Unsupervised Clustering of Images", arXiv:1808.10356, 2018.

    Example:
    >>> from keras_gmgan.layers import MixtureLatent
    >>> from keras_gmgan.networks import build_mlp_generator, build_mlp_discriminator
    >>> prior = MixtureLatent.dynamic(8, num_components=4, c=1.0, sigma=0.2)
    >>> model = GMGAN(build_mlp_generator(8, (4,)), build_mlp_discriminator((4,)), prior)
    >>> model.compile()
    >>> history = model.fit(keras.random.uniform((32, 4)), batch_size=16, verbose=0)
    >>> sorted(history.history)
    ['d_fake', 'd_loss', 'd_real', 'g_loss']
    """

    allowed_losses = SEED_LOSSES
