"""Models saved under one backend load under the others and generate the same images."""

from pathlib import Path

import keras
import numpy as np
import pytest

from keras_gmgan.datasets import SemiSupervisedBatches
from tests.conftest import to_numpy
from tests.fixtures.train_step_reference import MODELS as STEP_MODELS
from tests.fixtures.train_step_reference import REFERENCE, weights_after_fixed_steps

ALL_FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.keras"))
#: The cnn-baseline is a plain classifier: it has logits to compare, not images.
CLASSIFIERS = [path for path in ALL_FIXTURES if path.stem.startswith("cnn-baseline_")]
FIXTURES = [path for path in ALL_FIXTURES if path not in CLASSIFIERS]


def test_fixtures_exist_for_every_backend():
    from keras_gmgan.recipes import RECIPES as MODELS

    stems = {path.stem for path in ALL_FIXTURES}
    # Every --model choice of the command line, saved under each backend.
    for model in [*MODELS, "gan-refit"]:
        for backend in ("jax", "tensorflow", "torch"):
            assert f"{model}_{backend}" in stems


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_saved_model_loads_and_generates_the_same_images(path):
    import keras_gmgan.models  # noqa: F401  (registers the classes)

    expected = np.load(path.with_suffix(".npz"), allow_pickle=False)
    model = keras.models.load_model(path)
    images = to_numpy(model(expected["latents"]))
    np.testing.assert_allclose(images, expected["images"], atol=1e-4)
    # Both optimizers came back with their step counts, and training continues.
    d_steps, g_steps = expected["iterations"]
    assert int(to_numpy(model.d_optimizer.iterations)) == d_steps
    assert int(to_numpy(model.g_optimizer.iterations)) == g_steps
    data = np.random.default_rng(2).uniform(-1, 1, (16,) + model.data_shape).astype("float32")
    labels = np.arange(16) % 3
    if path.stem.startswith("sgan_"):
        # The discriminator's weight average came back too: the classifier agrees.
        np.testing.assert_allclose(
            model.predict_logits(expected["inputs"]), expected["logits"], atol=1e-4
        )
        inputs = {"x": SemiSupervisedBatches(data, data[:6], labels[:6], 16)}
    elif "supervised" in path.stem:
        inputs = {"x": data, "y": labels, "batch_size": 16}
    else:
        inputs = {"x": data, "batch_size": 16}
    model.fit(**inputs, epochs=1, verbose=0)
    assert int(to_numpy(model.g_optimizer.iterations)) == g_steps + 1


@pytest.mark.parametrize("path", CLASSIFIERS, ids=[p.stem for p in CLASSIFIERS])
def test_saved_classifier_loads_and_gives_the_same_logits(path):
    import keras_gmgan.models  # noqa: F401  (registers the classes)

    expected = np.load(path.with_suffix(".npz"), allow_pickle=False)
    model = keras.models.load_model(path)
    if keras.backend.backend() == "torch":  # JAX's automatic True would mean torch.compile
        assert model.jit_compile is False
    np.testing.assert_allclose(to_numpy(model(expected["inputs"])), expected["logits"], atol=1e-4)
    (steps,) = expected["iterations"]
    assert int(to_numpy(model.optimizer.iterations)) == steps
    model.fit(expected["inputs"], np.arange(5) % 3, batch_size=5, epochs=1, verbose=0)
    assert int(to_numpy(model.optimizer.iterations)) == steps + 1


@pytest.mark.xla  # under TensorFlow the default XLA step, against JAX's
@pytest.mark.parametrize("name", STEP_MODELS)
def test_training_steps_match_the_jax_reference(name):
    """Same weights, batches and latent noise: two `fit` steps land where they land under JAX.

    Loading and generating alike says nothing about training alike; this is what caught
    TensorFlow's Adam mis-scaling a learned mixture mean and JAX dropping the spectrally
    normalised kernel that Keras' layer assigns during the forward pass. Those bugs moved
    weights by about one learning rate (1e-4); float rounding under Adam stays below 1e-5.
    """
    reference = np.load(REFERENCE, allow_pickle=False)
    weights = weights_after_fixed_steps(name)
    assert len(weights) == len([key for key in reference.files if key.startswith(f"{name}/")])
    for index, value in enumerate(weights):
        np.testing.assert_allclose(
            value, reference[f"{name}/{index}"], rtol=0, atol=1e-5, err_msg=f"{name} weight {index}"
        )


#: Images that `generate` draws from a fixture (saved under JAX) with a fixed seed, as uint8
#: pixels, written under JAX by running this file (`python -m tests.test_cross_backend`).
GENERATE_REFERENCE = Path(__file__).parent / "fixtures" / "generate_seed_reference.npz"
GENERATE_SOURCE = Path(__file__).parent / "fixtures" / "gmgan_jax.keras"


def _generated_pixels():
    import keras_gmgan.models  # noqa: F401  (registers the classes)
    from keras_gmgan.visualization import to_uint8

    model = keras.models.load_model(GENERATE_SOURCE)
    return to_uint8(model.generate(6, seed=7, batch_size=4))


def test_one_seed_generates_the_same_images_under_every_backend():
    expected = np.load(GENERATE_REFERENCE, allow_pickle=False)["pixels"]
    pixels = _generated_pixels()
    assert pixels.shape == expected.shape and expected.std() > 10  # real images, not blank
    # Within one grey level: only float rounding in the generator differs between backends.
    assert np.abs(pixels.astype(int) - expected.astype(int)).max() <= 1


def test_host_latents_are_numpys_draws():
    from keras_gmgan.layers import MixtureLatent

    means = np.arange(12, dtype="float32").reshape(3, 4)
    latent = MixtureLatent(4, num_components=3, sigma=0.5, means=means,
                           mixture_weights=[0.2, 0.3, 0.5])  # fmt: skip
    z, labels = latent.sample_numpy(5, np.random.default_rng(3), sigma_scale=2.0)
    rng = np.random.default_rng(3)
    expected_labels = rng.choice(3, size=5, p=[0.2, 0.3, 0.5])
    expected = means[expected_labels] + 2.0 * 0.5 * rng.standard_normal((5, 4))
    np.testing.assert_array_equal(labels, expected_labels)
    np.testing.assert_allclose(z, expected, rtol=1e-5, atol=1e-5)
    z, labels = latent.sample_numpy(2, np.random.default_rng(3), components=[2, 0])
    assert labels.tolist() == [2, 0]


if __name__ == "__main__":
    assert keras.backend.backend() == "jax", "the reference is written under JAX"
    np.savez(GENERATE_REFERENCE, pixels=_generated_pixels())
