"""Classifier discriminators expose [features, logits]."""

import numpy as np
import pytest

from keras_gmgan.networks import (
    build_improved_gan_discriminator,
    build_improved_gan_generator,
    build_semi_supervised_discriminator,
    build_sgan_conv_discriminator,
)
from tests.conftest import to_numpy


def test_improved_gan_discriminator_layers_and_outputs():
    model = build_improved_gan_discriminator((28, 28, 1), num_outputs=10)
    units = [layer.units for layer in model.layers if hasattr(layer, "units")]
    assert units == [1000, 500, 250, 250, 250, 10]
    noise = [layer.stddev for layer in model.layers if type(layer).__name__ == "GaussianNoise"]
    assert noise == [0.3] + [0.5] * 5
    assert model.outputs[0].shape[-1] == 250 and model.outputs[1].shape[-1] == 10


def test_noise_only_in_training_and_the_chosen_feature_layer():
    model = build_improved_gan_discriminator((8, 8, 1), 4, hidden_units=(6, 5), feature_layer=0)
    x = np.zeros((4, 8, 8, 1), dtype="float32")
    features, logits = model(x, training=False)
    assert features.shape == (4, 6) and logits.shape == (4, 4)
    np.testing.assert_allclose(to_numpy(model(x)[1]), to_numpy(logits))
    assert not np.allclose(to_numpy(model(x, training=True)[1]), to_numpy(logits))
    with pytest.raises(ValueError, match="feature_layer"):
        build_improved_gan_discriminator((8, 8, 1), 4, hidden_units=(6, 5), feature_layer=2)


def test_conv_discriminator_has_a_256_unit_feature_layer():
    model = build_sgan_conv_discriminator((28, 28, 1), num_outputs=11)
    assert [layer.filters for layer in model.layers if hasattr(layer, "filters")] == [32, 64]
    assert model.outputs[0].shape[-1] == 256 and model.outputs[1].shape[-1] == 11
    with pytest.raises(ValueError, match="images"):
        build_sgan_conv_discriminator((2,))


def test_builder_by_name_and_generator_range():
    assert build_semi_supervised_discriminator("conv", (8, 8, 1), 3).outputs[1].shape[-1] == 3
    with pytest.raises(ValueError, match="mlp, conv"):
        build_semi_supervised_discriminator("resnet", (8, 8, 1), 3)
    generator = build_improved_gan_generator(4, (8, 8, 1), hidden_units=(8,))
    images = to_numpy(generator(np.random.default_rng(0).normal(size=(3, 4)) * 10))
    assert images.shape == (3, 8, 8, 1) and np.all(np.abs(images) <= 1)
