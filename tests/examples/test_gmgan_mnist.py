"""The GM-GAN MNIST example runs end to end, tiny."""

import importlib.util
import os
import pathlib

import keras
import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA_DIR = pathlib.Path(os.environ.get("KERAS_GMGAN_DATA", ROOT.parent / "shared" / "data"))


@pytest.mark.skipif(not (DATA_DIR / "mnist.npz").exists(), reason="needs mnist.npz")
def test_example_pretrains_fine_tunes_and_saves(tmp_path):
    spec = importlib.util.spec_from_file_location("gmgan_mnist", ROOT / "examples/gmgan_mnist.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)

    model, history = example.main(
        [
            "--pretrain-epochs=0",  # warm start from the untrained GAN: one compile, not two
            "--epochs=1",
            "--steps-per-epoch=2",
            "--batch-size=16",
            f"--output={tmp_path}",
            f"--data-dir={DATA_DIR}",
        ]
    )

    assert np.isfinite(history.history["g_loss"][-1])
    assert (tmp_path / "components.png").exists()
    loaded = keras.models.load_model(tmp_path / "gmgan.keras")
    np.testing.assert_allclose(loaded.generate(4, seed=0), model.generate(4, seed=0), atol=1e-5)
