"""Unsupervised GM-GAN: a GAN whose latent prior is a static or learned Gaussian mixture."""

from typing import Optional

import keras
from keras import ops

from keras_gmgan import losses
from keras_gmgan.backend import minimize
from keras_gmgan.layers.mixture_latent import MixtureLatent
from keras_gmgan.models.gan import GAN

ADVERSARIAL_LOSSES = ("bce", "wgan-gp")


@keras.saving.register_keras_serializable(package="keras_gmgan")
class GMGAN(GAN):
    """The unsupervised GM-GAN: static or dynamic mixture prior, BCE or WGAN-GP objective.

    Static and dynamic differ only in the prior: with `MixtureLatent(trainable_means=True,
    trainable_sigma=True)` the means and σ are among `generator_variables`, and because the
    step computes `z = μ_k + σ_k ⊙ ε` inside the generator's loss, they get the generator
    loss's gradients (the reparameterisation trick). With a fixed prior they never change.
    The BCE step is the vanilla GAN's, unchanged.

    With `loss="wgan-gp"` the discriminator is a critic: `n_critic` critic updates (each on
    the batch, with fresh latents) minimise E[f(G(z))] − E[f(x)] + `gp_weight` · GP, then one
    generator update minimises −E[f(G(z))]. The logs then add `gp`, and `d_real`/`d_fake`
    are mean critic scores instead of probabilities.

    Args:
        generator, discriminator, latent, seed: as for `AdversarialModel`; `latent` is the
            mixture prior (`build_gmgan` makes one with the seed projects' settings).
        loss: `"bce"` (non-saturating GAN) or `"wgan-gp"`.
        gp_weight: λ of the gradient penalty (WGAN-GP only).
        n_critic: critic updates per generator update; `None` means 5 for WGAN-GP and 1
            for BCE (the BCE step takes one discriminator update).

    Reference:
        Ben-Yosef & Weinshall, "Gaussian Mixture Generative Adversarial Networks for Diverse
        Datasets, and the Unsupervised Clustering of Images", arXiv:1808.10356, 2018.
        Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017.

    Example:
    >>> from keras_gmgan.networks import build_mlp_generator, build_mlp_discriminator
    >>> prior = MixtureLatent(8, num_components=4, c=1.0, sigma=0.2, trainable_means=True)
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
        if loss not in ADVERSARIAL_LOSSES:
            raise ValueError(f"loss must be one of {ADVERSARIAL_LOSSES}; got {loss!r}.")
        if n_critic is None:
            n_critic = 5 if loss == "wgan-gp" else 1
        if isinstance(n_critic, bool) or not isinstance(n_critic, int) or n_critic < 1:
            raise ValueError(f"n_critic must be a positive integer; got {n_critic!r}.")
        if loss == "bce" and n_critic != 1:
            raise ValueError(
                f"n_critic={n_critic} needs loss='wgan-gp'; the BCE step takes one "
                "discriminator update per generator update."
            )
        if not gp_weight >= 0:
            raise ValueError(f"gp_weight must be >= 0; got {gp_weight}.")
        super().__init__(generator, discriminator, latent=latent, seed=seed, **kwargs)
        # Not `self.loss`: `compile` owns that attribute.
        self.adversarial_loss = loss
        self.gp_weight = float(gp_weight)
        self.n_critic = n_critic
        if loss == "wgan-gp":
            self.trackers.append(keras.metrics.Mean(name="gp"))

    def train_step(self, data):
        if self.adversarial_loss == "bce":
            return super().train_step(data)
        return self._wasserstein_step(data)

    def _wasserstein_step(self, data):
        real, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        batch_size = ops.shape(real)[0]

        for _ in range(self.n_critic):
            labels, noise = self.sample_latent_noise(batch_size)
            fake = ops.stop_gradient(self.generator(self.latent((labels, noise)), training=True))

            def critic_loss(fake=fake):
                real_scores = self.discriminator(real, training=True)
                fake_scores = self.discriminator(fake, training=True)
                penalty = losses.gradient_penalty(
                    self.discriminator, real, fake, seed=self.seed_generator
                )
                loss = losses.critic_wasserstein(real_scores, fake_scores)
                return loss + self.gp_weight * penalty, (real_scores, fake_scores, penalty)

            d_loss, (real_scores, fake_scores, penalty) = minimize(
                critic_loss, self.discriminator_variables, self.d_optimizer
            )

        labels, noise = self.sample_latent_noise(batch_size)

        def generator_loss():
            fake = self.generator(self.latent((labels, noise)), training=True)
            return losses.generator_wasserstein(self.discriminator(fake, training=True)), ()

        g_loss, _ = minimize(generator_loss, self.generator_variables, self.g_optimizer)
        self.update_generator_average()

        return self.update_trackers(
            d_loss=d_loss,
            g_loss=g_loss,
            d_real=ops.mean(real_scores),
            d_fake=ops.mean(fake_scores),
            gp=penalty,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {"loss": self.adversarial_loss, "gp_weight": self.gp_weight, "n_critic": self.n_critic}
        )
        return config
