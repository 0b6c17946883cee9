"""Supervised GM-GAN: one learned mixture component per class, a (K+1)-way discriminator."""

import keras
from keras import ops

from keras_gmgan.backend import call_network, minimize
from keras_gmgan.layers.pack_samples import packing_of
from keras_gmgan.models.adversarial_model import AdversarialModel


def supervised_discriminator_loss(real_logits, labels, fake_logits):
    """CE(D(x), y) + CE(D(G(z_k)), fake), the fake class being the last of the K+1 outputs.

    Returns the total and its two terms (each a batch mean).
    """
    num_classes = ops.shape(real_logits)[-1] - 1
    fake_labels = ops.full_like(fake_logits[:, 0], num_classes, dtype="int32")
    real_term = ops.mean(ops.sparse_categorical_crossentropy(labels, real_logits, from_logits=True))
    fake_term = ops.mean(
        ops.sparse_categorical_crossentropy(fake_labels, fake_logits, from_logits=True)
    )
    return real_term + fake_term, real_term, fake_term


def supervised_generator_loss(fake_logits, labels):
    """CE(D(G(z_k)), k): a sample from component k must pass as a real image of class k."""
    return ops.mean(ops.sparse_categorical_crossentropy(labels, fake_logits, from_logits=True))


@keras.saving.register_keras_serializable(package="keras_gmgan")
class SupervisedGMGAN(AdversarialModel):
    """The supervised GM-GAN: component k of a learned mixture generates class k.

    The discriminator has K+1 outputs, the K classes and "fake". It learns to name the class
    of real images and to call generated ones fake; the generator learns to make a sample
    from component k pass as a real image of class k. The mixture's means and σ are updated
    with the generator (give the prior `trainable_means=True, trainable_sigma=True`, as
    `keras_gmgan.recipes.gmgan_supervised` does), so classes can move apart or spread in
    latent space. Train with `fit(x, y)`, y the integer class labels in [0, K).
    `generate(n, components=k)` then draws class k only.

    Logs `d_loss` (= `d_real_ce` + `d_fake_ce`), `g_loss`, `real_accuracy` (share of real
    images D assigns to their class among all K+1 outputs) and `fake_detected` (share of
    generated images D calls fake).

    Args:
        generator, discriminator, latent, seed: as for `AdversarialModel`; the discriminator
            must output `latent.num_components + 1` logits.

    Reference:
        Ben-Yosef & Weinshall, "Gaussian Mixture Generative Adversarial Networks for Diverse
        Datasets, and the Unsupervised Clustering of Images", arXiv:1808.10356, 2018.

    Example:
    >>> import numpy as np
    >>> from keras_gmgan.layers import MixtureLatent
    >>> from keras_gmgan.networks import build_mlp_generator, build_mlp_discriminator
    >>> prior = MixtureLatent(8, num_components=3, c=3.0, sigma=1.4, trainable_means=True)
    >>> model = SupervisedGMGAN(
    ...     build_mlp_generator(8, (4,)), build_mlp_discriminator((4,), num_outputs=4), prior
    ... )
    >>> model.compile()
    >>> x, y = np.random.rand(32, 4).astype("float32"), np.arange(32) % 3
    >>> history = model.fit(x, y, batch_size=16, verbose=0)
    >>> model.generate(2, components=1).shape
    (2, 4)
    """

    tracked_logs = ("d_loss", "g_loss", "d_real_ce", "d_fake_ce", "real_accuracy", "fake_detected")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        num_classes = self.latent.num_components
        outputs = self.discriminator.output_shape[-1]
        if num_classes < 2 or outputs != num_classes + 1:
            raise ValueError(
                f"A supervised GM-GAN needs one mixture component per class (at least 2) and a "
                f"discriminator with one output per class plus one for 'fake'; got "
                f"{num_classes} components and {outputs} discriminator outputs. Build the "
                f"discriminator with num_outputs={num_classes + 1}."
            )
        if packing_of(self.discriminator) > 1:
            raise ValueError(
                "pac is for the unsupervised variants; the supervised GM-GAN's (K+1)-way "
                "discriminator classifies each sample on its own. Build it with pac=1."
            )

    @property
    def num_classes(self) -> int:
        return self.latent.num_components

    def train_step(self, data):
        real, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if labels is None:
            raise ValueError(
                "SupervisedGMGAN trains on labelled data: call fit(x, y) with y the integer "
                f"classes in [0, {self.num_classes})."
            )
        labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
        batch_size = ops.shape(real)[0]

        fake, _ = self.sample_fakes(batch_size)

        def discriminator_loss():
            real_logits = call_network(self.discriminator, real, training=True)
            fake_logits = call_network(self.discriminator, fake, training=True)
            total, real_term, fake_term = supervised_discriminator_loss(
                real_logits, labels, fake_logits
            )
            return total, (real_term, fake_term, real_logits, fake_logits)

        d_loss, (real_term, fake_term, real_logits, fake_logits) = minimize(
            discriminator_loss, self.discriminator_variables, self.d_optimizer
        )

        def generator_loss(fake, components):
            return supervised_generator_loss(
                call_network(self.discriminator, fake, training=True), components
            )

        g_loss = self.generator_step(batch_size, generator_loss)

        real_predictions = ops.cast(ops.argmax(real_logits, axis=-1), "int32")
        fake_predictions = ops.cast(ops.argmax(fake_logits, axis=-1), "int32")
        return self.update_trackers(
            d_loss=d_loss,
            g_loss=g_loss,
            d_real_ce=real_term,
            d_fake_ce=fake_term,
            real_accuracy=ops.mean(ops.cast(ops.equal(real_predictions, labels), "float32")),
            fake_detected=ops.mean(
                ops.cast(ops.equal(fake_predictions, self.num_classes), "float32")
            ),
        )
