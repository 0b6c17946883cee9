"""`call_network`: the train steps' network call, which eager PyTorch runs as a plain chain of
the layers' `call`s where that computes what Keras' own call does."""

import keras
import numpy as np
import pytest

from keras_gmgan.backend import call_network
from keras_gmgan.layers import SpectralDense
from keras_gmgan.models import GAN
from keras_gmgan.networks import build_mlp_discriminator, build_mlp_generator
from tests.conftest import to_numpy

TORCH = keras.backend.backend() == "torch"
torch_only = pytest.mark.skipif(not TORCH, reason="the layer chain is the torch plumbing's")


def _layer_norm_critic():
    return keras.Sequential(
        [
            keras.Input((6,)),
            SpectralDense(8),
            keras.layers.LayerNormalization(),
            keras.layers.LeakyReLU(0.2),
            keras.layers.Dense(1),
        ]
    )


def _batch_norm_critic():
    return keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(8), keras.layers.BatchNormalization()]
    )


def _branching_critic():
    x = keras.Input((6,))
    hidden = keras.layers.Dense(8)(x)
    return keras.Model(x, keras.layers.Add()([hidden, keras.layers.Dense(8)(x)]))


def _shared_layer_critic():
    x = keras.Input((6,))
    dense = keras.layers.Dense(6)
    return keras.Model(x, dense(keras.layers.ReLU()(dense(x))))


class _Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)

    def call(self, x):
        return self.dense(x) - keras.ops.mean(x)


def _subclassed_critic():
    model = _Subclassed()
    model(np.zeros((1, 6), "float32"))
    return model


def _mixed_precision_critic():
    return keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(8, dtype="mixed_float16"), keras.layers.Dense(1)]
    )


NETWORKS = {
    "mlp generator": (lambda: build_mlp_generator(16, (4, 4, 1), (8, 8)), (5, 16)),
    "packed mlp discriminator": (
        lambda: build_mlp_discriminator((4, 4, 1), (8, 8), pac=2),
        (6, 4, 4, 1),
    ),
    "layer-normalised spectral critic": (_layer_norm_critic, (5, 6)),
    "batch-normalised critic": (_batch_norm_critic, (5, 6)),
    "branching critic": (_branching_critic, (5, 6)),
    "shared-layer critic": (_shared_layer_critic, (5, 6)),
    "subclassed critic": (_subclassed_critic, (5, 6)),
}
CHAINED = {"mlp generator", "packed mlp discriminator", "layer-normalised spectral critic"}


def _keras_state(network):
    """Every variable's value, so that a second call can start where the first did
    (spectral normalisation's power iteration and batch statistics move in training)."""
    return [np.array(to_numpy(variable.value)) for variable in network.variables]


@pytest.mark.parametrize("name", NETWORKS)
@pytest.mark.parametrize("training", [True, False])
def test_call_network_computes_what_the_network_call_does(name, training):
    build, shape = NETWORKS[name]
    keras.utils.set_random_seed(0)
    network = build()
    x = keras.ops.convert_to_tensor(np.random.default_rng(1).normal(size=shape), "float32")
    start = _keras_state(network)
    expected = to_numpy(network(x, training=training))
    after_keras = _keras_state(network)
    for variable, value in zip(network.variables, start):
        variable.assign(value)
    got = to_numpy(call_network(network, x, training=training))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    for variable, value in zip(network.variables, after_keras):
        np.testing.assert_allclose(to_numpy(variable.value), value, rtol=1e-6, atol=1e-6)


def test_call_network_names_a_wrong_input_shape_as_the_network_does():
    network = build_mlp_discriminator((4, 4, 1), (8,))
    x = keras.ops.zeros((3, 5, 5, 1))
    with pytest.raises(ValueError) as expected:
        network(x, training=True)
    with pytest.raises(ValueError) as got:
        call_network(network, x, training=True)
    assert str(got.value) == str(expected.value)


@torch_only
@pytest.mark.parametrize("name", NETWORKS)
def test_torch_chains_exactly_the_plain_chains(name):
    from keras_gmgan.backend import torch as plumbing

    network = NETWORKS[name][0]()
    assert (plumbing._layer_chain(network) is not None) == (name in CHAINED)


@torch_only
def test_torch_keeps_keras_call_for_mixed_precision_and_unbuilt_networks():
    from keras_gmgan.backend import torch as plumbing

    assert plumbing._layer_chain(_mixed_precision_critic()) is None
    unbuilt = keras.Sequential([keras.layers.Dense(3), keras.layers.ReLU()])
    out = call_network(unbuilt, keras.ops.ones((2, 4)), training=True)  # builds it
    assert tuple(out.shape) == (2, 3) and unbuilt not in plumbing._chains
    call_network(unbuilt, keras.ops.ones((2, 4)), training=True)
    assert plumbing._chains[unbuilt] is not None


@torch_only
def test_torch_chain_gives_keras_gradients_and_dropout():
    import torch

    keras.utils.set_random_seed(0)
    network = build_mlp_discriminator((4, 4, 1), (8, 8), dropout=0.5)
    x = torch.randn(16, 4, 4, 1)
    seeds = [layer.seed_generator for layer in network.layers if hasattr(layer, "seed_generator")]
    start = [np.array(to_numpy(seed.state.value)) for seed in seeds]

    def gradients(call):
        # A dropout layer built without a seed draws from torch's global generator.
        torch.manual_seed(0)
        for seed, state in zip(seeds, start):
            seed.state.assign(state)
        out = call()
        return out, torch.autograd.grad(out.sum(), [v.value for v in network.trainable_variables])

    expected, expected_grads = gradients(lambda: network(x, training=True))
    got, got_grads = gradients(lambda: call_network(network, x, training=True))
    torch.testing.assert_close(got, expected)
    for g, e in zip(got_grads, expected_grads):
        torch.testing.assert_close(g, e)
    inference = call_network(network, x, training=False)
    assert not torch.allclose(got, inference)  # dropout acted in training only


@torch_only
def test_torch_gan_step_runs_its_networks_as_chains():
    from keras_gmgan.backend import torch as plumbing

    gan = GAN(build_mlp_generator(8, (4, 4, 1), (8,)), build_mlp_discriminator((4, 4, 1), (8,)))
    gan.compile()
    x = np.random.default_rng(0).uniform(-1, 1, (32, 4, 4, 1)).astype("float32")
    gan.fit(x, batch_size=8, epochs=1, verbose=0)
    assert plumbing._chains[gan.generator] is not None
    assert plumbing._chains[gan.discriminator] is not None
