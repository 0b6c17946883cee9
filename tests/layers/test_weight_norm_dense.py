"""`WeightNormDense`: W = g · v / ‖v‖, fixed or learned scale, data-dependent initialisation."""

import keras
import numpy as np

from keras_gmgan.layers import WeightNormDense, initialize_weight_norm
from tests.conftest import to_numpy


def test_output_is_a_dense_layer_with_normalised_columns():
    layer = WeightNormDense(3, train_scale=False)
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    y = to_numpy(layer(x))
    v = to_numpy(layer.kernel)
    np.testing.assert_allclose(y, x @ (v / np.linalg.norm(v, axis=0)), rtol=1e-5, atol=1e-6)
    assert [w.name for w in layer.trainable_weights] == ["v", "bias"]
    learned = WeightNormDense(2, train_scale=True)
    learned.build((None, 3))
    assert [w.name for w in learned.trainable_weights] == ["v", "g", "bias"]


def test_data_dependent_initialisation_standardises_each_layer():
    x_in = keras.Input((6,))
    hidden = WeightNormDense(8, activation="relu")(x_in)
    out = WeightNormDense(4)(hidden)
    model = keras.Model(x_in, out)
    x = np.random.default_rng(1).normal(2.0, 3.0, size=(200, 6)).astype("float32")
    assert initialize_weight_norm(model, x) == 2
    pre = to_numpy(model.layers[-1].pre_activation(keras.Model(x_in, hidden)(x)))
    np.testing.assert_allclose(pre.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(pre.std(axis=0), 1, atol=1e-3)


def test_initialisation_with_noise_sets_the_scale_for_the_noisy_inputs():
    """As in Improved GAN's code: the fixed scale is set on what training feeds the layer."""

    seeded = keras.initializers.RandomNormal(stddev=0.1, seed=3)

    def noisy_model():
        x_in = keras.Input((6,))
        hidden = WeightNormDense(8, activation="relu", kernel_initializer=seeded)(x_in)
        noisy = keras.layers.GaussianNoise(1.0, seed=0)(hidden)
        return keras.Model(x_in, WeightNormDense(4, kernel_initializer=seeded)(noisy))

    x = np.random.default_rng(2).normal(size=(4000, 6)).astype("float32")
    clean, noisy = noisy_model(), noisy_model()
    initialize_weight_norm(clean, x, noise=False)
    initialize_weight_norm(noisy, x, noise=True)
    clean_scale = to_numpy(clean.layers[-1].scale)
    noisy_scale = to_numpy(noisy.layers[-1].scale)
    # The first layer sees no noise, so both runs set it alike.
    np.testing.assert_allclose(
        to_numpy(noisy.layers[1].scale), to_numpy(clean.layers[1].scale), rtol=1e-5
    )
    # Noise of std 1 on top of the ReLU signal: the second layer gets a smaller scale, and
    # with it the noisy pre-activations are standardised.
    assert np.all(noisy_scale < 0.9 * clean_scale)
    hidden = keras.Model(noisy.input, noisy.layers[2].output)(x, training=True)
    pre = to_numpy(noisy.layers[-1].pre_activation(hidden))
    np.testing.assert_allclose(pre.std(axis=0), 1, atol=0.1)


def test_serialisation_round_trip(tmp_path):
    model = keras.Sequential([keras.Input((3,)), WeightNormDense(2, "tanh", train_scale=True)])
    path = tmp_path / "wn.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(to_numpy(loaded(x)), to_numpy(model(x)), rtol=1e-6)
    assert loaded.layers[0].train_scale is True
