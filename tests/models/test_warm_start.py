"""Warm start: a GM-GAN starts from a trained vanilla GAN's networks."""

import numpy as np
import pytest

from keras_gmgan.layers import MixtureLatent
from keras_gmgan.models import GAN, GMGAN, SupervisedGMGAN, warm_start_from
from keras_gmgan.networks import build_networks
from tests.conftest import to_numpy


def _gmgan(latent_dim: int, num_outputs: int = 1, model=GMGAN, **prior):
    """A GM-GAN on the networks a vanilla GAN of the same latent size uses."""
    latent = MixtureLatent(latent_dim, num_components=3, c=0.5, sigma=0.7, seed=2, **prior)
    return model(*build_networks((2,), latent_dim, num_outputs=num_outputs), latent, seed=2)


def _weights(network):
    return [to_numpy(w).copy() for w in network.weights]


def test_warm_start_copies_both_networks_and_leaves_the_prior():
    vanilla = GAN(*build_networks((2,), latent_dim=8), seed=1)
    gmgan = _gmgan(8, trainable_means=True, trainable_sigma=True)
    prior = _weights(gmgan.latent)
    assert not np.allclose(_weights(gmgan.generator)[0], _weights(vanilla.generator)[0])

    assert warm_start_from(gmgan, vanilla) is gmgan

    for part in ("generator", "discriminator"):
        for a, b in zip(_weights(getattr(gmgan, part)), _weights(getattr(vanilla, part))):
            np.testing.assert_array_equal(a, b)
    for a, b in zip(_weights(gmgan.latent), prior):
        np.testing.assert_array_equal(a, b)


def test_different_architectures_raise_and_copy_nothing():
    vanilla = GAN(*build_networks((2,), latent_dim=8), seed=1)
    wider_latent = _gmgan(16)
    before = _weights(wider_latent.discriminator)
    with pytest.raises(ValueError, match="Cannot warm-start the generator.*latent_dim"):
        warm_start_from(wider_latent, vanilla)
    for a, b in zip(_weights(wider_latent.discriminator), before):
        np.testing.assert_array_equal(a, b)

    supervised = _gmgan(8, num_outputs=4, model=SupervisedGMGAN)
    with pytest.raises(ValueError, match="Cannot warm-start the discriminator"):
        warm_start_from(supervised, vanilla)
    warm_start_from(supervised, vanilla, parts=("generator",))
    np.testing.assert_array_equal(_weights(supervised.generator)[0], _weights(vanilla.generator)[0])
    with pytest.raises(ValueError, match="parts must be"):
        warm_start_from(supervised, vanilla, parts=("latent",))
