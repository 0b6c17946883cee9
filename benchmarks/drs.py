"""FID / precision / recall of one trained GAN, with and without discriminator rejection sampling.

    KERAS_BACKEND=jax python benchmarks/drs.py [--epochs 10] [--n 10000] [--save gan.keras]

Trains the course template's MLP GAN (generator 100-256-512-1024-784, discriminator
784-1024-512-256-1, LeakyReLU 0.2, BCE, batch 64) with the settings of `keras-gmgan fit
--model gan` and `examples/gan_mnist.py` (Adam 2e-4, β1 = 0.5, no dropout; with β1 = 0.9 and
dropout 0.3 the discriminator won within two epochs and the generator collapsed to one
image, so that DRS had nothing to choose from) on MNIST for a few epochs, then
evaluates 10,000 plain samples and 10,000 DRS samples (Azadi et al. 2019) at several γ
percentiles against the 10,000 test digits with the bundled MNIST extractor. The real-vs-real
floor uses 10,000 train digits drawn at random (`Evaluator.from_splits`).
"""

import argparse
import os
import time

import keras
import numpy as np

from keras_gmgan.metrics.evaluation import Evaluator
from keras_gmgan.models import GAN
from keras_gmgan.networks import build_mlp_discriminator, build_mlp_generator
from keras_gmgan.sampling import discriminator_rejection_sampling

#: ../shared/data beside the repository, where the development machines keep mnist.npz.
DEFAULT_DATA_DIR = os.path.normpath(
    os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
)
DATA = os.path.join(os.environ.get("KERAS_GMGAN_DATA", DEFAULT_DATA_DIR), "mnist.npz")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--percentiles", type=float, nargs="+", default=[50.0, 80.0, 95.0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", default=None, help="write the trained GAN to this .keras file")
    parser.add_argument("--load", default=None, help="evaluate this .keras GAN instead of training")
    args = parser.parse_args()

    with np.load(DATA, allow_pickle=False) as data:
        x_train = (data["x_train"].astype("float32") / 127.5 - 1.0)[..., None]
        x_test = (data["x_test"].astype("float32") / 127.5 - 1.0)[..., None]

    keras.utils.set_random_seed(args.seed)
    if args.load:
        gan = keras.saving.load_model(args.load)
        train_seconds = float("nan")
    else:
        gan = GAN(
            build_mlp_generator(100, (28, 28, 1)),
            build_mlp_discriminator((28, 28, 1)),
            seed=args.seed,
        )
        gan.compile(
            d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        )
        start = time.time()
        gan.fit(x_train, batch_size=64, epochs=args.epochs, verbose=2)
        train_seconds = time.time() - start
        if args.save:
            gan.save(args.save)

    evaluator = Evaluator.from_splits(x_train, x_test, "mnist", n=args.n)
    rows = []
    start = time.time()
    plain = gan.generate(args.n, seed=args.seed)
    rows.append(("plain sampling", 1.0, time.time() - start, evaluator.evaluate(plain)))
    for percentile in args.percentiles:
        start = time.time()
        samples, rate = discriminator_rejection_sampling(
            gan, args.n, percentile=percentile, seed=args.seed
        )
        rows.append(
            (
                f"DRS, γ = {percentile:g}th pct",
                rate,
                time.time() - start,
                evaluator.evaluate(samples),
            )
        )

    floor = rows[0][3]
    print()
    print(
        f"backend {keras.backend.backend()}, {args.epochs} epochs "
        f"({train_seconds:.0f} s of training), n = {args.n}, MNIST extractor features"
    )
    print()
    columns = (
        "sampling",
        "acceptance",
        "sampling time",
        "FID",
        "precision",
        "recall",
        "density",
        "coverage",
        "classifier score",
        "classes covered",
    )
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for name, rate, seconds, r in rows:
        print(
            f"| {name} | {rate:.3f} | {seconds:.1f} s | {r['fid']:.3f} | {r['precision']:.3f} | "
            f"{r['recall']:.3f} | {r['density']:.3f} | {r['coverage']:.3f} | "
            f"{r['classifier_score']:.3f} | {r['classes_covered']} |"
        )
    print(
        f"| real-vs-real floor (train vs test) | | | {floor['fid_floor']:.3f} | "
        f"{floor['precision_floor']:.3f} | {floor['recall_floor']:.3f} | "
        f"{floor['density_floor']:.3f} | {floor['coverage_floor']:.3f} | | |"
    )


if __name__ == "__main__":
    main()
