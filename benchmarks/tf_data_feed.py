"""TensorFlow: does the way `fit` is fed explain the `fit` command's loss against the bare step?

    KERAS_BACKEND=tensorflow python benchmarks/tf_data_feed.py

Times `GAN.fit` (the MLP pair, batch 64, no callbacks) on the same random images fed three
ways: NumPy arrays (the bare step of `throughput.py`), `RepeatingBatches` (what
`keras-gmgan fit` feeds, a PyDataset that TensorFlow wraps in `Dataset.from_generator`) and a
`tf.data` pipeline of the tensors. Two interleaved rounds; each run must time the steps asked.
"""

import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gmgan.datasets.batches import RepeatingBatches  # noqa: E402
from keras_gmgan.models import GAN  # noqa: E402
from keras_gmgan.networks import build_mlp_discriminator, build_mlp_generator  # noqa: E402

BATCH, WARMUP, STEPS = 64, 30, 300
FEEDS = ("arrays", "pydataset", "tfdata")


class Timer(keras.callbacks.Callback):
    timed = 0

    def on_train_batch_begin(self, batch, logs=None):
        if batch == WARMUP:
            self.start = time.perf_counter()
        self.timed += batch >= WARMUP

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.start


def steps_per_second(feed: str, images: np.ndarray) -> float:
    keras.utils.set_random_seed(0)
    gan = GAN(build_mlp_generator(100), build_mlp_discriminator(), seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    )
    timer = Timer()
    steps = WARMUP + STEPS
    if feed == "arrays":
        gan.fit(images, batch_size=BATCH, steps_per_epoch=steps, verbose=0, callbacks=[timer])
    elif feed == "pydataset":
        batches = RepeatingBatches([images], BATCH, steps)
        gan.fit(batches, verbose=0, callbacks=[timer], shuffle=False)
    else:
        import tensorflow as tf

        dataset = tf.data.Dataset.from_tensor_slices(images).batch(BATCH).prefetch(2)
        gan.fit(dataset, steps_per_epoch=steps, verbose=0, callbacks=[timer])
    if timer.timed != STEPS:
        raise RuntimeError(f"{feed}: timed {timer.timed} steps, not {STEPS}")
    return STEPS / timer.seconds


def main() -> None:
    shape = (BATCH * (WARMUP + STEPS), 28, 28, 1)
    images = np.random.default_rng(0).uniform(-1, 1, shape).astype("float32")
    for round_ in range(2):
        for feed in FEEDS:
            print(f"round {round_}, {feed}: {steps_per_second(feed, images):.1f} steps/s")


if __name__ == "__main__":
    main()
