"""TensorFlow: `RepeatingBatches` fed to `fit` through a `tf.data` gather pipeline."""

import keras
import numpy as np
import pytest

from keras_gmgan.datasets.batches import RepeatingBatches

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="the tf.data pipeline is TensorFlow's"
)


def _served(batches, epochs, initial_epoch=0):
    """What `__getitem__` serves in epochs `initial_epoch` … `epochs` - 1."""
    batches.epoch = initial_epoch
    served = []
    for _ in range(initial_epoch, epochs):
        served += [batches[step] for step in range(len(batches))]
        batches.epoch += 1
    return served


def test_the_pipeline_serves_the_pydatasets_batches_in_order():
    from keras_gmgan.backend.tensorflow import gathered_batches

    x = np.arange(30, dtype="float32").reshape(10, 3)
    y = np.arange(10)
    # 4 batches of 3 from 10 examples: epochs cross passes, so every shuffle is used.
    batches = RepeatingBatches([x, y], batch_size=3, steps_per_epoch=4, seed=2)
    pipeline = [tuple(t.numpy() for t in b) for b in gathered_batches(batches, 3, 1)]
    expected = _served(RepeatingBatches([x, y], batch_size=3, steps_per_epoch=4, seed=2), 3, 1)
    assert len(pipeline) == len(expected) == 8
    for got, want in zip(pipeline, expected):
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


def test_a_gan_fits_the_batches_through_the_pipeline():
    from keras_gmgan.models import GAN
    from keras_gmgan.networks import build_toy_2d_discriminator, build_toy_2d_generator

    gan = GAN(build_toy_2d_generator(2, (8,)), build_toy_2d_discriminator((8,)), seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    points = np.random.default_rng(0).normal(size=(20, 2)).astype("float32")
    batches = RepeatingBatches([points], batch_size=4, steps_per_epoch=3, seed=0)
    history = gan.fit(batches, epochs=3, initial_epoch=1, shuffle=False, verbose=0)
    assert int(gan.g_optimizer.iterations) == 6 and len(history.history["g_loss"]) == 2
    # Only the pipeline checks the epoch length against the batches'.
    with pytest.raises(ValueError, match="leave it out"):
        gan.fit(batches, epochs=1, steps_per_epoch=2, verbose=0)


class _KerasFed(RepeatingBatches):
    """The same batches, fed by Keras' own `PyDataset` path (the pipeline takes exactly
    `RepeatingBatches`)."""


@pytest.mark.parametrize("steps_per_execution", [1, 2])
def test_the_pipeline_trains_as_keras_own_feed_does(steps_per_execution):
    from keras_gmgan.models import GAN
    from keras_gmgan.networks import build_toy_2d_discriminator, build_toy_2d_generator

    points = np.random.default_rng(0).normal(size=(20, 2)).astype("float32")

    def train(batches_type):
        keras.utils.set_random_seed(0)
        gan = GAN(build_toy_2d_generator(2, (8,)), build_toy_2d_discriminator((8,)), seed=0)
        gan.compile(
            d_optimizer=keras.optimizers.Adam(1e-3),
            g_optimizer=keras.optimizers.Adam(1e-3),
            steps_per_execution=steps_per_execution,
        )
        batches = batches_type([points], batch_size=4, steps_per_epoch=4, seed=0)
        return gan.fit(batches, epochs=3, shuffle=False, verbose=0).history

    # Keras' feed skips the batches' first epoch under TensorFlow; the pipeline does the same.
    piped, fed = train(RepeatingBatches), train(_KerasFed)
    for name, values in fed.items():
        np.testing.assert_allclose(piped[name], values, rtol=1e-5, atol=1e-6, err_msg=name)
