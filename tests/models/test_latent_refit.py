"""EM variant: invert the generator, fit a full-covariance mixture, sample from it."""

import keras
import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from keras_gmgan.layers import MixtureLatent
from keras_gmgan.models import GMGAN, fit_latent_mixture, refit_latent
from keras_gmgan.networks import build_mlp_discriminator
from tests.conftest import to_numpy

TRUE_MEANS = np.array([[-4.0, 0.0], [0.0, 4.0], [4.0, 0.5]])
TRUE_TRILS = np.array(
    [[[0.6, 0.0], [0.3, 0.4]], [[0.3, 0.0], [0.0, 0.8]], [[0.5, 0.0], [-0.4, 0.3]]]
)
TRUE_WEIGHTS = np.array([0.5, 0.3, 0.2])
KERNEL = np.array([[1.0, 0.5, 0.2], [-0.3, 1.0, 0.4]])
BIAS = np.array([0.1, -0.2, 0.3])


def _toy_model():
    """An invertible (injective linear) generator R² → R³ in a GM-GAN with a N(0, I) prior."""
    z = keras.Input((2,))
    dense = keras.layers.Dense(3)
    generator = keras.Model(z, dense(z), name="generator")
    dense.set_weights([KERNEL.astype("float32"), BIAS.astype("float32")])
    discriminator = build_mlp_discriminator((3,), hidden_units=(8,))
    model = GMGAN(generator, discriminator, MixtureLatent(2, name="latent"), seed=0)
    model.compile()
    return model


def _true_latents(n=600, seed=0):
    rng = np.random.default_rng(seed)
    k = rng.choice(3, size=n, p=TRUE_WEIGHTS)
    eps = rng.standard_normal((n, 2))
    return TRUE_MEANS[k] + np.einsum("nij,nj->ni", TRUE_TRILS[k], eps)


@pytest.fixture(scope="module")
def refit():
    model = _toy_model()
    latents = _true_latents()
    x = (latents @ KERNEL + BIAS).astype("float32")
    new_model, info = refit_latent(
        model,
        x,
        components="bic",
        candidates=range(1, 6),
        steps=200,
        learning_rate=0.1,
        batch_size=600,
    )
    return model, new_model, info, latents


def test_inversion_recovers_the_latents(refit):
    _, _, info, latents = refit
    assert info.latents.shape == (600, 2)
    np.testing.assert_allclose(info.latents, latents, atol=0.05)
    assert info.reconstruction_error.max() < 1e-3


def test_bic_picks_three_components_and_the_fit_matches_the_true_mixture(refit):
    model, new_model, info, _ = refit
    assert min(info.fit.bic, key=info.fit.bic.get) == 3 and info.fit.num_components == 3
    latent = new_model.latent
    assert latent.covariance == "full" and latent.num_components == 3
    means = to_numpy(latent.means)
    cost = ((means[:, None] - TRUE_MEANS[None]) ** 2).sum(-1)
    rows, cols = linear_sum_assignment(cost)
    np.testing.assert_allclose(means[rows], TRUE_MEANS[cols], atol=0.15)
    np.testing.assert_allclose(
        to_numpy(latent.mixture_weights)[rows], TRUE_WEIGHTS[cols], atol=0.05
    )
    true_covariances = TRUE_TRILS @ TRUE_TRILS.transpose(0, 2, 1)
    np.testing.assert_allclose(
        to_numpy(latent.covariances)[rows], true_covariances[cols], atol=0.12
    )
    # The refit model is a copy: the original keeps its prior and its own networks.
    assert model.latent.covariance == "diagonal" and model.latent.num_components == 1
    assert new_model.generator is not model.generator
    np.testing.assert_array_equal(
        to_numpy(new_model.generator.weights[0]), to_numpy(model.generator.weights[0])
    )


def test_refit_model_samples_the_mixture_and_survives_save_and_load(refit, tmp_path):
    _, new_model, _, latents = refit
    samples = new_model.generate(3000, seed=0)
    recovered = np.linalg.lstsq(KERNEL.T, (samples - BIAS).T, rcond=None)[0].T
    np.testing.assert_allclose(recovered.mean(0), latents.mean(0), atol=0.25)
    np.testing.assert_allclose(np.cov(recovered.T), np.cov(latents.T), atol=0.6)

    path = tmp_path / "refit.keras"
    new_model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.latent.covariance == "full"
    np.testing.assert_allclose(
        loaded.generate(20, seed=4), new_model.generate(20, seed=4), atol=1e-5
    )


def test_fixed_component_count_and_bad_arguments():
    latents = _true_latents(n=200)
    fit = fit_latent_mixture(latents, components=2, standardize=False)
    assert fit.num_components == 2 and fit.bic == {}
    with pytest.raises(ValueError, match="positive integer or 'bic'"):
        fit_latent_mixture(latents, components="aic")
    with pytest.raises(ValueError, match=r"components must be in \[1, 200\]"):
        fit_latent_mixture(latents, components=500)
    with pytest.raises(ValueError, match="generator makes"):
        refit_latent(_toy_model(), np.zeros((4, 5), "float32"), components=1, steps=1)
