"""Adversarial losses, written once with `keras.ops` on logits (critic scores for Wasserstein).

`ADVERSARIAL_LOSSES` is the table of adversarial objectives that `keras_gmgan.models.GAN`
trains with: each entry pairs a discriminator loss with its generator loss and says what the
objective needs (a Lipschitz constraint on the discriminator, a gradient penalty). Adding an
objective is one entry here and its tests.
"""

import dataclasses
from typing import Any, Callable, Optional

import keras
from keras import ops

from keras_gmgan.distribution import draw_for_replicas, replica_mean


def discriminator_bce(real_logits, fake_logits):
    """−log D(x) − log(1 − D(G(z))), with D = sigmoid(logits), averaged over each batch."""
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def generator_non_saturating(fake_logits):
    """−log D(G(z)): the non-saturating generator loss of Goodfellow et al. (2014)."""
    return ops.mean(ops.softplus(-fake_logits))


def critic_wasserstein(real_scores, fake_scores):
    """E[f(G(z))] − E[f(x)]: the critic minimises it, maximising the Wasserstein estimate."""
    return ops.mean(fake_scores) - ops.mean(real_scores)


def generator_wasserstein(fake_scores):
    """−E[f(G(z))]."""
    return -ops.mean(fake_scores)


def discriminator_hinge(real_scores, fake_scores):
    """E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))]: the hinge loss of SN-GAN and SAGAN."""
    return ops.mean(ops.relu(1.0 - real_scores)) + ops.mean(ops.relu(1.0 + fake_scores))


#: The ways of keeping a discriminator (about) 1-Lipschitz: weight clipping, spectrally
#: normalised layers, a gradient penalty.
LIPSCHITZ_METHODS = ("clip", "spectral", "gp")


@dataclasses.dataclass(frozen=True)
class AdversarialLoss:
    """One adversarial objective: the two players' losses and what the objective needs.

    Attributes:
        name: the key in `ADVERSARIAL_LOSSES`.
        discriminator: `(real_scores, fake_scores) -> loss` that the discriminator minimises.
        generator: `fake_scores -> loss` that the generator minimises.
        lipschitz: `"required"` (the loss is unbounded without a Lipschitz discriminator),
            `"recommended"` (trains better with one) or `None`.
        default_lipschitz: the Lipschitz method the objective comes with (`"gp"` for
            WGAN-GP), or `None` to leave the choice to the caller.
        n_critic: the usual number of discriminator updates per generator update.
        logits: the discriminator outputs logits of P(real) (their sigmoid is a probability)
            rather than unbounded critic scores.
    """

    name: str
    discriminator: Callable[[Any, Any], Any]
    generator: Callable[[Any], Any]
    lipschitz: Optional[str] = None
    default_lipschitz: Optional[str] = None
    n_critic: int = 1
    logits: bool = False


#: Every adversarial objective a `GAN` can train with, by name.
ADVERSARIAL_LOSSES = {
    "bce": AdversarialLoss("bce", discriminator_bce, generator_non_saturating, logits=True),
    "wasserstein": AdversarialLoss(
        "wasserstein", critic_wasserstein, generator_wasserstein, lipschitz="required", n_critic=5
    ),
    "wgan-gp": AdversarialLoss(
        "wgan-gp",
        critic_wasserstein,
        generator_wasserstein,
        lipschitz="required",
        default_lipschitz="gp",
        n_critic=5,
    ),
    "hinge": AdversarialLoss(
        "hinge", discriminator_hinge, generator_wasserstein, lipschitz="recommended"
    ),
}


def get_adversarial_loss(name: str) -> AdversarialLoss:
    """The `ADVERSARIAL_LOSSES` entry called `name`; a ValueError names the valid choices.

    Example:
    >>> get_adversarial_loss("hinge").lipschitz
    'recommended'
    """
    try:
        return ADVERSARIAL_LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown adversarial loss {name!r}; choose one of {', '.join(ADVERSARIAL_LOSSES)}."
        ) from None


def gradient_penalty(critic, real, fake, seed=None):
    """Mean of (‖∇ₓ f(x̂)‖₂ − 1)² at random interpolates x̂ of real and fake (WGAN-GP).

    Reference:
        Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017.

    Args:
        critic: a callable (usually a `keras.Model`) mapping a batch to scores; it must not
            update state while called (no batch normalisation in training mode).
        real, fake: batches of the same shape; `fake` should not carry generator gradients.
        seed: a `keras.random.SeedGenerator` (required inside jit-compiled JAX steps).
    """
    from keras_gmgan.backend import input_gradient

    batch_size = ops.shape(real)[0]
    mix_shape = (batch_size,) + (1,) * (len(real.shape) - 1)
    mix = draw_for_replicas(
        lambda copies: keras.random.uniform((batch_size * copies,) + mix_shape[1:], seed=seed),
        batch_size,
    )
    interpolates = mix * real + (1.0 - mix) * fake
    grads = input_gradient(lambda x: ops.sum(critic(x, training=True)), interpolates)
    grads = ops.reshape(grads, (batch_size, -1))
    norms = ops.sqrt(ops.sum(ops.square(grads), axis=1) + 1e-12)
    return ops.mean(ops.square(norms - 1.0))


def real_class_logits(logits, num_classes: int):
    """The K real-class logits of a semi-supervised discriminator (drops an explicit fake logit)."""
    return logits[:, :num_classes]


def real_vs_fake_logit(logits, num_classes: int):
    """log(P(real) / P(fake)) of a semi-supervised discriminator, one value per example.

    With K + 1 logits (the fake class explicit, index K) it is logsumexp(l_0..l_{K-1}) − l_K;
    with K logits (the fake class implicit, as in Improved GAN) the fake logit is fixed at 0,
    so D(x) = Z / (Z + 1) with Z = Σ exp(l_k) and the value is logsumexp(l). Feeding it to
    `discriminator_bce` gives the unsupervised loss −log D(x_u) − log(1 − D(G(z))) in the
    numerically stable softplus form.
    """
    real = ops.logsumexp(real_class_logits(logits, num_classes), axis=-1)
    if logits.shape[-1] == num_classes:
        return real
    return real - logits[:, num_classes]


def supervised_cross_entropy(logits, labels, num_classes: int):
    """Cross-entropy of the labels under the softmax of the K real-class logits."""
    return ops.mean(
        keras.losses.sparse_categorical_crossentropy(
            labels, real_class_logits(logits, num_classes), from_logits=True
        )
    )


def component_recovery(component_logits, components):
    """InfoGAN's term for a categorical code: the cross-entropy of each fake's mixture
    component under the softmax of the discriminator's K component logits.

    Both players minimise it: the discriminator's component head learns to tell which
    component drew a fake, and the generator to draw images from which it can, so that
    different components draw recognisably different images. It is a variational lower
    bound (up to a constant) on the mutual information between component and image.

    Reference:
        Chen et al., "InfoGAN: Interpretable Representation Learning by Information
        Maximizing Generative Adversarial Nets", NeurIPS 2016.
    """
    return ops.mean(
        keras.losses.sparse_categorical_crossentropy(components, component_logits, from_logits=True)
    )


def conditional_entropy(logits, num_classes: int):
    """Mean entropy of the class posterior (softmax of the K real-class logits), in nats.

    Minimised on unlabelled data it pushes the classifier's decision boundaries away from
    where the unlabelled examples lie (entropy minimisation); Bad GAN adds it to the
    feature-matching discriminator for the same reason.

    References:
        Grandvalet & Bengio, "Semi-supervised Learning by Entropy Minimization", NeurIPS 2004.
        Dai et al., "Good Semi-supervised Learning That Requires a Bad GAN", NeurIPS 2017.
    """
    real = real_class_logits(logits, num_classes)
    log_probabilities = ops.subtract(real, ops.logsumexp(real, axis=-1, keepdims=True))
    return -ops.mean(ops.sum(ops.exp(log_probabilities) * log_probabilities, axis=-1))


def feature_matching(real_features, fake_features):
    """Mean over features of (E[f(x)] − E[f(G(z))])²: the generator matches the batch means of
    the discriminator's intermediate features instead of maximising its output.

    Reference:
        Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016.
    """
    real_mean = ops.mean(ops.reshape(real_features, (ops.shape(real_features)[0], -1)), axis=0)
    fake_mean = ops.mean(ops.reshape(fake_features, (ops.shape(fake_features)[0], -1)), axis=0)
    # Over the global batch under data parallelism: the squared distance of means is not a
    # mean of per-example terms, so per-replica losses would not average to it.
    real_mean, fake_mean = replica_mean(real_mean), replica_mean(fake_mean)
    return ops.mean(ops.square(real_mean - fake_mean))
