"""How long a full evaluation of 10,000 generated vs 10,000 real MNIST images takes.

    KERAS_BACKEND=jax python benchmarks/evaluation_speed.py [--n 10000] [--png]

Target (issue 7): features + FID + precision/recall + density/coverage + classifier score in
≤ 60 s on 2 CPU cores. The "generated" images are train digits with added noise (the metrics
cost the same whatever the images show); the real set is the test split. The real-vs-real
floor (a further 10,000 train digits) is timed separately, since a CLI run computes it once.
`--png` also times reading the generated images back from a folder of 10,000 PNG files.
"""

import argparse
import os
import tempfile
import time

import keras
import numpy as np

from keras_gmgan.metrics.classifier_score import class_histogram, classifier_score
from keras_gmgan.metrics.evaluation import Evaluator
from keras_gmgan.metrics.feature_extractor import FeatureExtractor
from keras_gmgan.metrics.fid import fid_from_features
from keras_gmgan.metrics.png_folder import read_png_folder, write_png_folder
from keras_gmgan.metrics.precision_recall import precision_recall_density_coverage

#: ../shared/data beside the repository, where the development machines keep mnist.npz.
DEFAULT_DATA_DIR = os.path.normpath(
    os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
)
DATA = os.path.join(os.environ.get("KERAS_GMGAN_DATA", DEFAULT_DATA_DIR), "mnist.npz")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--png", action="store_true", help="also time reading a PNG folder")
    args = parser.parse_args()

    with np.load(DATA, allow_pickle=False) as data:
        x_train = data["x_train"].astype("float32") / 127.5 - 1.0
        x_test = data["x_test"].astype("float32") / 127.5 - 1.0
    rng = np.random.default_rng(0)
    real = x_test[: args.n, ..., None]
    generated = x_train[args.n : 2 * args.n, ..., None]
    generated = np.clip(generated + rng.normal(0, 0.2, generated.shape), -1, 1).astype("float32")

    rows = []

    def timed(name, fn):
        start = time.perf_counter()
        value = fn()
        rows.append((name, time.perf_counter() - start))
        return value

    extractor = timed("load extractor", lambda: FeatureExtractor.load("mnist"))
    extractor.predict(real[:500])  # compile outside the timing, as a warm CLI process would
    rows.append(("(warm-up, not counted)", float("nan")))
    gen_features, gen_probs = timed(
        f"features, {args.n} generated", lambda: extractor.predict(generated)
    )
    real_features = timed(f"features, {args.n} real", lambda: extractor.features(real))
    fid = timed("FID", lambda: fid_from_features(gen_features, real_features))
    manifold = timed(
        "precision/recall (k=3) + density/coverage (k=5)",
        lambda: precision_recall_density_coverage(real_features, gen_features),
    )
    score = timed(
        "classifier score + histogram",
        lambda: (classifier_score(gen_probs), class_histogram(gen_probs)),
    )
    total = sum(seconds for name, seconds in rows[2:] if np.isfinite(seconds))

    start = time.perf_counter()
    Evaluator.from_splits(x_train[..., None], x_test[..., None], extractor, n=args.n)
    floor_seconds = time.perf_counter() - start

    png_seconds = None
    if args.png:
        with tempfile.TemporaryDirectory() as folder:
            write_png_folder(generated, folder)
            start = time.perf_counter()
            read_png_folder(folder)
            png_seconds = time.perf_counter() - start

    print(f"backend {keras.backend.backend()}, n = {args.n}, 2-core CPU")
    print()
    print("| step | seconds |")
    print("|---|---|")
    for name, seconds in rows:
        if np.isfinite(seconds):
            print(f"| {name} | {seconds:.2f} |")
    print(f"| **total (features + FID + P/R + D/C + classifier score)** | **{total:.2f}** |")
    print(f"| Evaluator set-up with real-vs-real floor (once per run) | {floor_seconds:.2f} |")
    if png_seconds is not None:
        print(f"| read {args.n} PNG files | {png_seconds:.2f} |")
    print()
    print(
        f"FID {fid:.3f}, precision {manifold['precision']:.3f}, recall {manifold['recall']:.3f}, "
        f"density {manifold['density']:.3f}, coverage {manifold['coverage']:.3f}, "
        f"classifier score {score[0][0]:.3f}"
    )


if __name__ == "__main__":
    main()
