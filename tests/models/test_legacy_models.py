"""Models saved by an earlier release still load and compute what they computed then.

The files under `tests/fixtures/legacy/` were written once, under JAX, by
`tests/fixtures/make_legacy_models.py` with the code of that release; they are never
regenerated. Images from fixed latents and classifier logits are compared on every backend
(saved weights are backend-neutral). `generate(n, seed)` now draws its latents on the host
with NumPy, so the same seed gives the same images under every backend but not the images
that release's `generate` gave (the fixtures' `generated`); it is checked against its draws.
"""

from pathlib import Path

import keras
import numpy as np
import pytest

from tests.conftest import to_numpy

LEGACY = Path(__file__).parent.parent / "fixtures" / "legacy"

#: Every fixture, the class it must load as and the settings it was saved with.
EXPECTED = {
    "gan": ("GAN", {}),
    "gmgan": ("GMGAN", {"n_critic": 1}),
    "gmgan-dynamic": ("GMGAN", {"n_critic": 1}),
    "gmgan-wgan-gp": ("GMGAN", {"n_critic": 2, "gp_weight": 5.0}),
    "gmgan-supervised": ("SupervisedGMGAN", {}),
    "gan-refit": ("GAN", {}),
    "wgan-clip": ("WGAN", {"lipschitz": "clip", "n_critic": 2, "clip_value": 0.01}),
    "wgan-spectral": ("WGAN", {"lipschitz": "spectral", "n_critic": 2}),
    "wgan-gp": ("WGAN", {"lipschitz": "gp", "n_critic": 2, "gp_weight": 10.0}),
    "sgan": ("SGAN", {"num_classes": 3, "fake_class": "explicit", "ema_decay": 0.9}),
    "cnn-baseline": ("BaselineClassifier", {}),
}


def test_every_legacy_fixture_is_checked():
    assert {path.stem for path in LEGACY.glob("*.keras")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_legacy_model_loads_and_computes_the_same_outputs(name):
    import keras_gmgan.models  # noqa: F401  (registers the classes)

    class_name, settings = EXPECTED[name]
    expected = np.load(LEGACY / f"{name}.npz", allow_pickle=False)
    model = keras.models.load_model(LEGACY / f"{name}.keras")

    assert type(model).__name__ == class_name
    for attribute, value in settings.items():
        assert getattr(model, attribute) == value, attribute
    if "images" in expected:
        np.testing.assert_allclose(
            to_numpy(model(expected["latents"])), expected["images"], atol=1e-5
        )
        latent_weights = [key for key in expected.files if key.startswith("latent/")]
        assert len(latent_weights) == len(model.latent.weights)
        for key in latent_weights:
            variable = model.latent.weights[int(key.split("/")[1])]
            np.testing.assert_allclose(to_numpy(variable), expected[key], atol=1e-7)
        z, _ = model.latent.sample_numpy(6, np.random.default_rng(3))
        np.testing.assert_allclose(model.generate(6, seed=3), to_numpy(model(z)), atol=1e-5)
    if name == "sgan":
        np.testing.assert_allclose(
            model.predict_logits(expected["inputs"]), expected["logits"], atol=1e-5
        )
    elif name == "cnn-baseline":
        np.testing.assert_allclose(
            to_numpy(model(expected["inputs"])), expected["logits"], atol=1e-5
        )

    # The optimizers came back with their step counts (`tests/test_cross_backend.py` checks
    # that training continues from such a file).
    optimizers = getattr(model.optimizer, "optimizers", [model.optimizer])
    assert [int(to_numpy(o.iterations)) for o in optimizers] == list(expected["iterations"])
