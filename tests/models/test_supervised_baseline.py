"""The CNN baseline classifier: its compile settings survive saving as they were given."""

import keras
import numpy as np
import pytest

from keras_gmgan.models.supervised_baseline import BaselineClassifier
from keras_gmgan.networks.semi_supervised import build_semi_supervised_discriminator


def _classifier(**compile_kwargs) -> BaselineClassifier:
    discriminator = build_semi_supervised_discriminator("mlp", (8, 8, 1), num_outputs=3)
    model = BaselineClassifier(discriminator)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        **compile_kwargs,
    )
    return model


@pytest.mark.parametrize("setting", ["auto", False])
def test_jit_compile_is_saved_as_given_and_resolved_by_the_loading_backend(tmp_path, setting):
    model = _classifier(jit_compile=setting)
    model.fit(np.zeros((4, 8, 8, 1), "float32"), np.arange(4) % 3, epochs=1, verbose=0)
    assert model.get_compile_config()["jit_compile"] == setting
    model.save(tmp_path / "classifier.keras")

    loaded = keras.models.load_model(tmp_path / "classifier.keras")
    assert loaded.get_compile_config()["jit_compile"] == setting
    # Resolved as a model compiled here resolves it, whichever backend wrote the file.
    assert loaded.jit_compile is _classifier(jit_compile=setting).jit_compile
    if keras.backend.backend() == "torch":
        assert loaded.jit_compile is False
