"""The 2-D networks: the exercise's sizes, the deeper pair, spectral normalisation."""

import keras
import numpy as np

from keras_gmgan.models.wgan import spectral_normalization_layers
from keras_gmgan.networks import (
    build_deep_2d_discriminator,
    build_deep_2d_generator,
    build_toy_2d_discriminator,
    build_toy_2d_generator,
)


def test_the_exercise_pair_has_one_hidden_layer_of_100():
    generator, critic = build_toy_2d_generator(), build_toy_2d_discriminator()
    assert generator.input_shape == (None, 2) and generator.output_shape == (None, 2)
    assert critic.input_shape == (None, 2) and critic.output_shape == (None, 1)
    # 2→100→2 and 2→100→1 with biases.
    assert generator.count_params() == 2 * 100 + 100 + 100 * 2 + 2
    assert critic.count_params() == 2 * 100 + 100 + 100 + 1
    out = keras.ops.convert_to_numpy(generator(np.full((3, 2), -50.0, dtype="float32")))
    assert np.all(np.isfinite(out))  # linear output: no tanh squashing the plane


def test_the_deeper_pair_and_latent_dim():
    generator, critic = build_deep_2d_generator(latent_dim=5), build_deep_2d_discriminator()
    assert generator.input_shape == (None, 5)
    dense = [layer for layer in critic.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [512, 512, 512, 1]
    assert build_deep_2d_discriminator(num_outputs=11).output_shape == (None, 11)


def test_spectral_norm_wraps_every_critic_layer_with_one_power_iteration():
    critic = build_toy_2d_discriminator((8, 8), spectral_norm=True)
    wrapped = spectral_normalization_layers(critic)
    assert len(wrapped) == 3 and all(layer.power_iterations == 1 for layer in wrapped)
    assert not spectral_normalization_layers(build_toy_2d_discriminator((8, 8)))
    assert len(spectral_normalization_layers(build_deep_2d_discriminator(True))) == 4
