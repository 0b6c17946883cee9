"""Tiny GAN, WGAN-GP and SGAN runs for the data-parallel parity tests.

`train(kind)` builds one model from a fixed seed, fits it for a few steps of fixed batches
with plain SGD (Adam would hide a gradient counted twice: it divides the scale away) and
returns every weight. The tests run it once on one device and once data-parallel, in
subprocesses, since TensorFlow's logical devices and torch's process group must be set up
before anything else:

    python -m tests.data_parallel_parity tensorflow OUT.json   # both runs, 2 logical CPUs
    python -m tests.data_parallel_parity torch OUT_DIR          # one torchrun process
"""

import json
import sys

import keras
import numpy as np

from keras_gmgan import distribution
from keras_gmgan.datasets import SemiSupervisedBatches
from keras_gmgan.datasets.batches import RepeatingBatches
from keras_gmgan.layers import MixtureLatent
from keras_gmgan.models import GAN, GMGAN, SGAN
from keras_gmgan.networks import (
    build_improved_gan_discriminator,
    build_mlp_discriminator,
    build_mlp_generator,
)

KINDS = ("gan", "wgan-gp", "sgan")
BATCH_SIZE = 16
STEPS = 3


def _points(n=96, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)).astype("float32"), (np.arange(n) % 3).astype("int32")


def build(kind: str) -> keras.Model:
    keras.utils.set_random_seed(0)
    generator = build_mlp_generator(4, (2,), hidden_units=(8,), output_activation="linear")
    if kind == "gan":
        model = GAN(generator, build_mlp_discriminator((2,), hidden_units=(8,)), seed=0)
    elif kind == "wgan-gp":
        # A learned mixture prior: its means get gradients through a gather as well.
        prior = MixtureLatent(4, num_components=3, c=1.0, sigma=0.5, trainable_means=True)
        critic = build_mlp_discriminator((2,), hidden_units=(8,))
        model = GMGAN(generator, critic, prior, seed=0, loss="wgan-gp", n_critic=2)
    else:
        discriminator = build_improved_gan_discriminator(
            (2,), num_outputs=3, hidden_units=(8, 8), input_noise=0, hidden_noise=0,
            rescale_inputs=False,
        )  # fmt: skip
        model = SGAN(generator, discriminator, num_classes=3, fake_class="implicit", seed=0)
    # Without XLA: Keras runs replicas under a tf.distribute strategy without it, and XLA
    # would draw the single device's noise with another generator.
    model.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1),
                  jit_compile=False)  # fmt: skip
    return model


def batches(kind: str) -> keras.utils.PyDataset:
    x, y = _points()
    if kind == "sgan":
        return SemiSupervisedBatches(
            x[12:], x[:12], y[:12], batch_size=BATCH_SIZE, labeled_batch_size=8,
            steps_per_epoch=STEPS, matching_batch=True,
        )  # fmt: skip
    return RepeatingBatches((x,), BATCH_SIZE, steps_per_epoch=STEPS)


def weights(model: keras.Model) -> dict:
    return {f"weight:{i}": keras.ops.convert_to_numpy(v) for i, v in enumerate(model.weights)}


def train(kind: str) -> dict:
    """Every weight of `kind` after the run, and its last logs, by name."""
    model = build(kind)
    history = model.fit(
        distribution.shard_batches(batches(kind)), epochs=1, shuffle=False, verbose=0
    )
    logs = {f"log:{name}": np.float64(values[-1]) for name, values in history.history.items()}
    return {**weights(model), **logs}


def largest_difference(a: dict, b: dict) -> float:
    """The largest absolute difference over the names of `a`."""
    return max(float(np.max(np.abs(np.asarray(a[k], "float64") - b[k]))) for k in a)


def _tensorflow(out: str) -> None:
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    initial = {kind: weights(build(kind)) for kind in KINDS}
    single = {kind: train(kind) for kind in KINDS}
    replicas = distribution.set_data_parallel(BATCH_SIZE)
    parallel = {kind: train(kind) for kind in KINDS}
    report = {
        "replicas": replicas,
        "difference": {kind: largest_difference(single[kind], parallel[kind]) for kind in KINDS},
        # How far training moved the weights: the scale the differences are measured on.
        "moved": {kind: largest_difference(initial[kind], single[kind]) for kind in KINDS},
    }
    with open(out, "w") as stream:
        json.dump(report, stream)


def _torch(out: str) -> None:
    distribution.set_data_parallel(BATCH_SIZE)
    for kind in KINDS:
        np.savez(f"{out}/{kind}-{distribution.process_index()}.npz", **train(kind))


if __name__ == "__main__":
    {"tensorflow": _tensorflow, "torch": _torch}[sys.argv[1]](sys.argv[2])
