"""Vanilla GAN (Goodfellow et al. 2014) with the non-saturating generator loss."""

import keras
from keras import ops

from keras_gmgan import losses
from keras_gmgan.backend import minimize
from keras_gmgan.models.adversarial_model import AdversarialModel


@keras.saving.register_keras_serializable(package="keras_gmgan")
class GAN(AdversarialModel):
    """The vanilla GAN: one discriminator step, then one generator step, per batch.

    Logs `d_loss`, `g_loss`, `d_real` (mean D(x)) and `d_fake` (mean D(G(z))).

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.

    Example:
    >>> from keras_gmgan.networks import build_mlp_generator, build_mlp_discriminator
    >>> gan = GAN(build_mlp_generator(8, (4,)), build_mlp_discriminator((4,)), seed=0)
    >>> gan.compile()
    >>> history = gan.fit(keras.random.uniform((32, 4)), batch_size=16, epochs=1, verbose=0)
    >>> sorted(history.history)
    ['d_fake', 'd_loss', 'd_real', 'g_loss']
    """

    tracked_logs = ("d_loss", "g_loss", "d_real", "d_fake")

    def train_step(self, data):
        real, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        batch_size = ops.shape(real)[0]

        labels, noise = self.sample_latent_noise(batch_size)
        fake = ops.stop_gradient(self.generator(self.latent((labels, noise)), training=True))

        def discriminator_loss():
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            return losses.discriminator_bce(real_logits, fake_logits), (
                real_logits,
                fake_logits,
            )

        d_loss, (real_logits, fake_logits) = minimize(
            discriminator_loss, self.discriminator_variables, self.d_optimizer
        )

        labels, noise = self.sample_latent_noise(batch_size)

        def generator_loss():
            fake = self.generator(self.latent((labels, noise)), training=True)
            return losses.generator_non_saturating(self.discriminator(fake, training=True)), ()

        g_loss, _ = minimize(generator_loss, self.generator_variables, self.g_optimizer)
        self.update_generator_average()

        return self.update_trackers(
            d_loss=d_loss,
            g_loss=g_loss,
            d_real=ops.mean(ops.sigmoid(real_logits)),
            d_fake=ops.mean(ops.sigmoid(fake_logits)),
        )
