"""Time per epoch of every GM-GAN variant on MNIST, same budget, one backend (JAX by default).

Each variant trains the course template's MLPs (1.5 M-parameter generator, 1.5 M-parameter
discriminator) for `--epochs` epochs of `--steps-per-epoch` batches of 64. The first epoch
includes compilation and is reported apart. A step is one generator update (WGAN-GP: after
`n_critic` = 5 critic updates). Prints a markdown table.

    KERAS_BACKEND=jax KERAS_GMGAN_DATA=/path/to/data python benchmarks/gmgan_variants.py
"""

import argparse
import datetime
import os
import pathlib
import platform
import time

import keras
import numpy as np

from keras_gmgan import recipes
from keras_gmgan.models import GAN, warm_start_from
from keras_gmgan.networks import build_networks


def load_mnist(data_dir: str) -> tuple[np.ndarray, np.ndarray]:
    with np.load(pathlib.Path(data_dir) / "mnist.npz", allow_pickle=False) as data:
        images, labels = data["x_train"], data["y_train"]
    return (images.astype("float32") / 127.5 - 1.0)[..., None], labels.astype("int32")


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def build_vanilla(data_shape, seed):
    model = GAN(*build_networks(data_shape), seed=seed)
    model.compile(d_optimizer=keras.optimizers.Adam(2e-4), g_optimizer=keras.optimizers.Adam(2e-4))
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--steps-per-epoch", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--data-dir", default=os.environ.get("KERAS_GMGAN_DATA", "."))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    x, y = load_mnist(args.data_dir)
    shape = x.shape[1:]

    vanilla = build_vanilla(shape, args.seed)
    # The seed projects' settings (the recipes' other defaults: a moving average of the static
    # generator, the supervised one's prior and Adam).
    seeds = dict(c=0.467, sigma=0.7, lr=2e-4, pac=1, seed=args.seed)
    variants = [
        ("vanilla GAN", lambda: vanilla, None),
        ("static GM-GAN (K=10, c=0.467, σ=0.7)", lambda: recipes.gmgan(shape, **seeds), None),
        ("dynamic GM-GAN", lambda: recipes.gmgan_dynamic(shape, seed=args.seed), None),
        ("supervised GM-GAN (K=10, 11-way D)", lambda: recipes.gmgan_supervised(shape, 10), y),
        (
            "static GM-GAN, WGAN-GP (n_critic=5)",
            lambda: recipes.gmgan(shape, c=0.467, sigma=0.7, loss="wgan-gp"),
            None,
        ),
        (
            "static GM-GAN warm-started from the vanilla GAN",
            lambda: warm_start_from(recipes.gmgan(shape, **seeds), vanilla),
            None,
        ),
    ]
    rows = []
    for name, build, labels in variants:
        model = build()
        timer = EpochTimer()
        history = model.fit(
            x,
            labels,
            batch_size=args.batch_size,
            epochs=args.epochs,
            steps_per_epoch=args.steps_per_epoch,
            callbacks=[timer],
            verbose=0,
        ).history
        later = timer.times[1:] or timer.times
        rows.append(
            (
                name,
                timer.times[0],
                float(np.mean(later)),
                args.steps_per_epoch / float(np.mean(later)),
                history["d_loss"][-1],
                history["g_loss"][-1],
            )
        )
        print(f"done: {name}", flush=True)

    print(
        f"\nBackend {keras.backend.backend()}, Keras {keras.__version__}, "
        f"{os.cpu_count()}-core CPU ({platform.processor() or platform.machine()}), no GPU, "
        f"{datetime.date.today()}. Budget: {args.epochs} epochs × {args.steps_per_epoch} steps "
        f"of batch {args.batch_size} per variant; later epochs = mean of epochs 2..{args.epochs}.\n"
    )
    header = "| variant | first epoch (s, incl. compile) | later epochs (s) | steps/s |"
    print(header + " d_loss | g_loss |")
    print("|---|---|---|---|---|---|")
    for name, first, later, speed, d_loss, g_loss in rows:
        print(f"| {name} | {first:.1f} | {later:.2f} | {speed:.0f} | {d_loss:.3f} | {g_loss:.3f} |")


if __name__ == "__main__":
    main()
