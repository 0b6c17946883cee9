"""Re-creates a bundled feature extractor from its dataset and prints its test accuracy.

    KERAS_BACKEND=jax python benchmarks/train_extractor.py --dataset mnist
    KERAS_BACKEND=jax python benchmarks/train_extractor.py --dataset fashion_mnist
    KERAS_BACKEND=jax python benchmarks/train_extractor.py --dataset fashion_mnist --evaluate-only

MNIST is read from $KERAS_GMGAN_DATA/mnist.npz (default ../shared/data, the keras npz layout);
Fashion-MNIST from the four idx .gz files of the Debian package `dataset-fashion-mnist`
(/usr/share/datasets/fashion-mnist/). Training: Adam 1e-3 with cosine decay, batch 128,
random shifts of up to 2 pixels (plus horizontal flips for Fashion-MNIST), no early stopping
and no look at the test set before the end. The weights go to
keras_gmgan/weights/<dataset>_extractor.npz unless --out says otherwise.
"""

import argparse
import gzip
import os
import time

import keras
import numpy as np

from keras_gmgan.metrics.feature_extractor import (
    BUNDLED_EXTRACTORS,
    FeatureExtractor,
    build_extractor_network,
)

HERE = os.path.dirname(os.path.abspath(__file__))
#: ../shared/data beside the repository, where the development machines keep mnist.npz.
DEFAULT_DATA_DIR = os.path.normpath(
    os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
)
DEFAULT_DATA = os.environ.get("KERAS_GMGAN_DATA", DEFAULT_DATA_DIR)
FASHION_DIR = "/usr/share/datasets/fashion-mnist"


def _read_idx_gz(path: str) -> np.ndarray:
    """Reads one idx file (the original MNIST format): magic, big-endian dims, uint8 data."""
    with gzip.open(path, "rb") as file:
        data = file.read()
    if data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte idx file.")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_dataset(name: str):
    """((x_train, y_train), (x_test, y_test)), images float32 (N, 28, 28, 1) in [-1, 1]."""
    if name == "mnist":
        with np.load(os.path.join(DEFAULT_DATA, "mnist.npz"), allow_pickle=False) as data:
            arrays = [data[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    else:
        arrays = [
            _read_idx_gz(os.path.join(FASHION_DIR, f"{split}-{kind}-idx{nd}-ubyte.gz"))
            for split in ("train", "t10k")
            for kind, nd in (("images", 3), ("labels", 1))
        ]
    x_train, y_train, x_test, y_test = arrays

    def scale(x):
        return (x.astype("float32") / 127.5 - 1.0)[..., None]

    return (scale(x_train), y_train.astype("int32")), (scale(x_test), y_test.astype("int32"))


def augment(images: np.ndarray, rng: np.random.Generator, shift: int, flip: bool) -> np.ndarray:
    """Random translations by up to `shift` pixels (background -1) and optional h-flips."""
    n, h, w, _ = images.shape
    padded = np.pad(images, ((0, 0), (shift, shift), (shift, shift), (0, 0)), constant_values=-1)
    dy = rng.integers(0, 2 * shift + 1, n)
    dx = rng.integers(0, 2 * shift + 1, n)
    rows = dy[:, None] + np.arange(h)
    cols = dx[:, None] + np.arange(w)
    out = padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]
    if flip:
        flipped = rng.random(n) < 0.5
        out[flipped] = out[flipped, :, ::-1]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=sorted(BUNDLED_EXTRACTORS), default="mnist")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="where to write the .npz weights")
    parser.add_argument(
        "--evaluate-only",
        action="store_true",
        help="do not train: print the test accuracy of the bundled (or --out) weights",
    )
    args = parser.parse_args()
    if args.evaluate_only:
        return evaluate_only(args)

    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    (x_train, y_train), (x_test, y_test) = load_dataset(args.dataset)

    network = build_extractor_network()
    classifier = keras.Model(network.inputs, network.outputs[1])
    steps = args.epochs * int(np.ceil(len(x_train) / args.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(args.learning_rate, steps)
    classifier.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    start = time.time()
    for epoch in range(args.epochs):
        x_epoch = augment(x_train, rng, shift=2, flip=args.dataset == "fashion_mnist")
        logs = classifier.fit(
            x_epoch, y_train, batch_size=args.batch_size, epochs=1, shuffle=True, verbose=0
        ).history
        print(
            f"epoch {epoch + 1}/{args.epochs}: loss {logs['loss'][-1]:.4f} "
            f"train acc {logs['accuracy'][-1]:.4f} ({time.time() - start:.0f} s)",
            flush=True,
        )
    train_seconds = time.time() - start

    extractor = FeatureExtractor(network, name=args.dataset)
    accuracy = extractor.accuracy(x_test, y_test)
    extractor.test_accuracy = accuracy
    out = args.out or os.path.join(
        HERE, "..", "keras_gmgan", "weights", BUNDLED_EXTRACTORS[args.dataset]
    )
    extractor.save(out)
    size_mb = os.path.getsize(out) / 1e6

    print()
    print("| dataset | test accuracy | epochs | train time | backend | file size |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {args.dataset} | {100 * accuracy:.2f} % | {args.epochs} | {train_seconds:.0f} s | "
        f"{keras.backend.backend()} | {size_mb:.2f} MB |"
    )


def evaluate_only(args) -> None:
    """Measures the stored weights on the test split, as shipped (no training)."""
    _, (x_test, y_test) = load_dataset(args.dataset)
    path = args.out or args.dataset
    start = time.time()
    extractor = FeatureExtractor.load(path)
    accuracy = extractor.accuracy(x_test, y_test)
    seconds = time.time() - start
    stored = extractor.test_accuracy
    print()
    print("| dataset | weights | test accuracy | stored in file | test images | time | backend |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {args.dataset} | {path} | {100 * accuracy:.2f} % | "
        f"{'' if stored is None else f'{100 * stored:.2f} %'} | {len(x_test)} | "
        f"{seconds:.1f} s | {keras.backend.backend()} |"
    )


if __name__ == "__main__":
    main()
