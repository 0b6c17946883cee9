"""Models saved under one backend load under the others and generate the same images."""

from pathlib import Path

import keras
import numpy as np
import pytest

from tests.conftest import to_numpy

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.keras"))


def test_fixtures_exist_for_every_backend():
    sources = {path.stem.rsplit("_", 1)[1] for path in FIXTURES}
    assert sources == {"jax", "tensorflow", "torch"}
    models = {path.stem.rsplit("_", 1)[0] for path in FIXTURES}
    assert {"gan", "wgan", "gmgan", "gmgan-dynamic", "gmgan-supervised", "gan-refit"} <= models


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
    inputs = (data, np.arange(16) % 3) if "supervised" in path.stem else (data,)
    model.fit(*inputs, batch_size=16, epochs=1, verbose=0)
    assert int(to_numpy(model.g_optimizer.iterations)) == g_steps + 1
