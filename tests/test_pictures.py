"""`keras_gmgan.pictures`: the t-SNE, the component rows and the σ-scale sweep of evaluate."""

import numpy as np
import pytest
from PIL import Image

from keras_gmgan import pictures
from keras_gmgan.layers import MixtureLatent
from keras_gmgan.metrics import FeatureExtractor
from keras_gmgan.models import GAN, GMGAN
from keras_gmgan.networks import build_mlp_discriminator, build_mlp_generator


def tiny(model_class, components):
    latent = MixtureLatent(4, num_components=components, c=1.0, sigma=0.3, seed=0)
    generator = build_mlp_generator(4, (28, 28, 1), (8,))
    discriminator = build_mlp_discriminator((28, 28, 1), (8,))
    return model_class(generator, discriminator, latent)


def grid_rows(path, cell=28, padding=2, scale=2):
    """Rows of images in a `save_image_grid` PNG."""
    height = Image.open(path).size[1]
    return (height // scale - padding) // (cell + padding)


@pytest.fixture(scope="module")
def extractor():
    return FeatureExtractor.load("mnist")


@pytest.fixture
def real():
    return np.random.default_rng(0).uniform(-1, 1, (60, 28, 28, 1)).astype("float32")


def test_a_mixture_of_k_components_gets_k_rows_and_a_sigma_sweep(tmp_path, extractor, real):
    model = tiny(GMGAN, 3)
    generated = model.generate(60, seed=1)
    written = pictures.write_pictures(model, extractor, real, generated, tmp_path / "p", seed=0)
    assert set(written) == {"tsne", "components", "sigma_sweep"}
    assert all(path.is_file() for path in written.values())
    assert grid_rows(written["components"]) == 3
    assert grid_rows(written["sigma_sweep"]) == len(pictures.SIGMA_SCALES)
    width, height = Image.open(written["tsne"]).size
    assert width > height > 300


def test_component_rows_and_the_sweep_draw_what_they_say():
    model = tiny(GMGAN, 3)
    rows = pictures.component_rows(model, per_row=4, seed=0)
    assert rows.shape == (12, 28, 28, 1)
    by_component = [model.generate(4, labels=k, seed=0) for k in range(3)]
    assert not np.allclose(by_component[0], by_component[1])
    sweep = pictures.sigma_sweep(model, component=1, scales=(0.0, 1.0), per_row=4, seed=0)
    at_mean, spread = sweep[:4], sweep[4:]
    assert np.allclose(at_mean, at_mean[0], atol=1e-6)  # σ·0: every sample is the mean's
    assert not np.allclose(spread, spread[0], atol=1e-4)


def test_one_component_or_no_model_gets_the_tsne_only(tmp_path, extractor, real):
    model = tiny(GAN, 1)
    written = pictures.write_pictures(model, extractor, real, model.generate(40, seed=0),
                                      tmp_path / "gan")  # fmt: skip
    assert set(written) == {"tsne"}
    written = pictures.write_pictures(None, extractor, real, real[::-1], tmp_path / "png")
    assert set(written) == {"tsne"} and written["tsne"].is_file()


def test_the_embedding_keeps_one_point_per_image():
    rng = np.random.default_rng(0)
    real_points, generated_points = pictures.tsne_embedding(
        rng.normal(size=(30, 16)), rng.normal(3, 1, size=(20, 16))
    )
    assert real_points.shape == (30, 2) and generated_points.shape == (20, 2)
