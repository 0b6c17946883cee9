"""Adversarial losses, written once with `keras.ops` on logits (critic scores for Wasserstein)."""

from keras import ops


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
