"""Conditional accuracy of the supervised GM-GAN after every epoch (issue 30, item 4).

    KERAS_BACKEND=jax KERAS_GMGAN_DATA=../shared/data python benchmarks/supervised_drift.py \\
        --seed 0 --epochs 10 --out drift-seed0
    python benchmarks/supervised_drift.py --epochs 4 --lr 4e-5      # one factor changed
    python benchmarks/supervised_drift.py --quick                   # smoke run: seconds

Trains `keras_gmgan.recipes.gmgan_supervised` on MNIST exactly as `keras-gmgan fit --model
gmgan-supervised` does (same recipe, seeding and batches; options left out keep the recipe's
defaults) and after every epoch asks it for `--n-per-class` samples of every digit, which the
bundled MNIST classifier labels (`keras_gmgan.metrics.evaluate_conditional`). Logged per epoch
besides the conditional accuracy of every class and the bundled-extractor FID of as many
samples (components drawn at random) against as many test images:

- the latent mixture: the smallest distance between two means, each component's distance to
  its nearest neighbour over its spread (σ·√d, the radius of its samples), and σ;
- with `--ema-decay`, the conditional accuracy of the trained (raw) generator weights too
  (the others score the moving average, which `generate` samples);
- the model's own discriminator on the same samples: the share of component k's samples
  whose largest class logit (fake left out) is k, and the share it calls fake. A generator
  that satisfies D's class head with images the independent classifier reads as another
  digit shows up as a high `d_class_agrees` beside a low conditional accuracy.

The script checks that it trained the steps it reports and scored the samples it claims.
Writes OUT/report.md (one table row per epoch) and OUT/results.json. Seconds it prints are
not timings unless the machine was idle.
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import time

import keras
import numpy as np

from keras_gmgan.datasets import load_dataset
from keras_gmgan.datasets.batches import RepeatingBatches
from keras_gmgan.metrics import Evaluator, evaluate_conditional
from keras_gmgan.models import SupervisedGMGAN
from keras_gmgan.networks import build_networks
from keras_gmgan.recipes import gmgan_supervised

#: Recipe options this script can change (one factor at a time); None keeps the default.
FACTORS = ("lr", "beta1", "c", "sigma", "ema_decay")


def mixture_geometry(latent) -> dict:
    """The latent mixture's separation: nearest-mean distances, their ratio to the
    components' radius σ·√d, and σ."""
    means = keras.ops.convert_to_numpy(latent.means).astype("float64")
    sigmas = np.broadcast_to(
        keras.ops.convert_to_numpy(latent.sigmas).astype("float64"), means.shape
    )
    distances = np.linalg.norm(means[:, None] - means[None], axis=-1)
    np.fill_diagonal(distances, np.inf)
    nearest = distances.min(axis=1)
    radius = np.sqrt(np.sum(sigmas**2, axis=1))  # RMS distance of a sample from its mean
    return {
        "min_mean_distance": float(nearest.min()),
        "nearest_over_radius": (nearest / radius).round(3).tolist(),
        "sigma_mean": sigmas.mean(axis=1).round(3).tolist(),
        "sigma_max": float(sigmas.max()),
        "mean_norm": np.linalg.norm(means, axis=1).round(2).tolist(),
    }


def discriminator_view(model, n_per_class: int, seed: int) -> dict:
    """How the model's own (K+1)-way discriminator labels each component's samples."""
    k = model.num_classes
    components = np.repeat(np.arange(k), n_per_class)
    images = model.generate(len(components), components=components, seed=seed)
    logits = np.concatenate(
        [
            keras.ops.convert_to_numpy(model.discriminator(images[i : i + 1000], training=False))
            for i in range(0, len(images), 1000)
        ]
    )
    named = logits[:, :k].argmax(axis=1)
    fake = logits.argmax(axis=1) == k
    probabilities = _softmax(logits)
    class_probabilities = _softmax(logits[:, :k])
    mine = class_probabilities[np.arange(len(components)), components]
    return {
        "d_class_agrees": [float(np.mean(named[components == c] == c)) for c in range(k)],
        "d_calls_fake": [float(np.mean(fake[components == c])) for c in range(k)],
        # p(fake) scales the K+1-way loss's push away from the other classes.
        "d_fake_probability": [float(probabilities[components == c, k].mean()) for c in range(k)],
        "d_own_class_probability": [float(mine[components == c].mean()) for c in range(k)],
    }


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class DriftLog(keras.callbacks.Callback):
    """Scores the model after every epoch and keeps one record per epoch."""

    def __init__(self, evaluator, n_per_class: int, seed: int, write=None):
        super().__init__()
        self.evaluator, self.n_per_class, self.seed = evaluator, n_per_class, seed
        self.extractor = evaluator.extractor
        self.write = write  # called with the records after every epoch
        self.records: list[dict] = []

    def on_epoch_end(self, epoch, logs=None):
        started = time.perf_counter()
        scores = evaluate_conditional(self.model, self.extractor, self.n_per_class, self.seed)
        record = {
            "epoch": epoch + 1,
            "steps": int(keras.ops.convert_to_numpy(self.model.optimizer.iterations)),
            "scored": self.n_per_class * self.model.num_classes,
            **scores,
            "fid": self.evaluator.evaluate(
                self.model.generate(self.n_per_class * self.model.num_classes, seed=self.seed),
                metrics=("fid",),
            )["fid"],
            **mixture_geometry(self.model.latent),
            **discriminator_view(self.model, min(self.n_per_class, 200), self.seed),
            "logs": {name: float(value) for name, value in (logs or {}).items()},
        }
        self.records.append(record)
        if self.model.generator_average is not None:  # the trained weights beside the average
            with self.model.sampling_weights("raw"):
                raw = evaluate_conditional(self.model, self.extractor, self.n_per_class, self.seed)
            record["raw_conditional_accuracy"] = raw["conditional_accuracy"]
            record["raw_conditional_accuracy_per_class"] = raw["conditional_accuracy_per_class"]
        if len(scores["conditional_accuracy_per_class"]) != self.model.num_classes:
            raise SystemExit("Scored fewer classes than the model draws.")
        if self.write is not None:
            self.write(self.records)
        per_class = " ".join(f"{a:.2f}" for a in scores["conditional_accuracy_per_class"])
        print(
            f"epoch {epoch + 1}: conditional accuracy {scores['conditional_accuracy']:.4f} "
            f"FID {record['fid']:.1f} "
            f"[{per_class}] min mean distance {record['min_mean_distance']:.2f} "
            f"σ max {record['sigma_max']:.2f} ({time.perf_counter() - started:.0f} s scoring)",
            flush=True,
        )


def with_discriminator_dropout(model: SupervisedGMGAN, dropout: float, seed: int):
    """`model` (the recipe's) with a discriminator that drops out after each hidden layer:
    the same generator, prior, moving average and optimizer settings."""
    shape = model.generator.output_shape[1:]
    outputs = model.discriminator.output_shape[-1]
    _, discriminator = build_networks(shape, model.latent.latent_dim, num_outputs=outputs,
                                      dropout=dropout)  # fmt: skip
    average = model.generator_average
    rebuilt = SupervisedGMGAN(model.generator, discriminator, model.latent, seed=seed,
                              ema_decay=None if average is None else average.decay)  # fmt: skip
    rebuilt.compile(
        d_optimizer=keras.optimizers.deserialize(keras.optimizers.serialize(model.d_optimizer)),
        g_optimizer=keras.optimizers.deserialize(keras.optimizers.serialize(model.g_optimizer)),
    )
    return rebuilt


def report(args, records: list[dict], changed: dict) -> str:
    load = os.getloadavg()
    lines = [
        f"# Supervised GM-GAN conditional accuracy per epoch, seed {args.seed}",
        "",
        f"{datetime.date.today()}, {platform.node()}, Keras {keras.__version__} "
        f"({keras.backend.backend()}), load average at the end {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f}; recipe defaults except {changed or 'none'}; {args.n_per_class} "
        "samples per class, bundled MNIST classifier.",
        "",
        "| epoch | steps | cond. acc. | raw weights | FID | worst class (acc.) "
        "| D class agrees on worst | D p(fake) on worst | min mean dist. | min nearest/radius "
        "| σ max | d_loss | g_loss |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        per_class = r["conditional_accuracy_per_class"]
        worst = int(np.argmin(per_class))
        lines.append(
            f"| {r['epoch']} | {r['steps']} | {r['conditional_accuracy']:.4f} "
            f"| {r.get('raw_conditional_accuracy', float('nan')):.4f} | {r['fid']:.1f} "
            f"| {worst} ({per_class[worst]:.3f}) | {r['d_class_agrees'][worst]:.3f} "
            f"| {r['d_fake_probability'][worst]:.3f} "
            f"| {r['min_mean_distance']:.2f} | {min(r['nearest_over_radius']):.2f} "
            f"| {r['sigma_max']:.2f} | {r['logs'].get('d_loss', float('nan')):.3f} "
            f"| {r['logs'].get('g_loss', float('nan')):.3f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--steps-per-epoch", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--n-per-class", type=int, default=1000)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("supervised-drift"))
    parser.add_argument("--quick", action="store_true", help="2 epochs of 20 steps, 50 per class")
    for factor in FACTORS:
        parser.add_argument(f"--{factor.replace('_', '-')}", type=float, default=None)
    parser.add_argument(
        "--dropout",
        type=float,
        default=None,
        help="dropout after each hidden layer of the discriminator (`build_networks`' dropout)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.steps_per_epoch, args.n_per_class = 2, 20, 50

    data = load_dataset("mnist", os.environ.get("KERAS_GMGAN_DATA"), seed=args.seed)
    changed = {f: getattr(args, f) for f in FACTORS if getattr(args, f) is not None}
    keras.utils.set_random_seed(args.seed)  # as `keras-gmgan fit` seeds before building
    model = gmgan_supervised(data.data_shape, data.num_classes, seed=args.seed, **changed)
    if args.dropout is not None:
        model = with_discriminator_dropout(model, args.dropout, args.seed)
        changed["dropout"] = args.dropout
    batches = RepeatingBatches(
        (data.x_train, data.y_train), args.batch_size, args.steps_per_epoch, seed=args.seed
    )
    steps = len(batches)
    args.out.mkdir(parents=True, exist_ok=True)

    def write(records):
        if [r["steps"] for r in records] != [steps * (e + 1) for e in range(len(records))]:
            raise SystemExit(f"Trained steps {[r['steps'] for r in records]}, not {steps}/epoch.")
        (args.out / "report.md").write_text(report(args, records, changed))
        (args.out / "results.json").write_text(
            json.dumps(
                {
                    "seed": args.seed,
                    "changed": changed,
                    "steps_per_epoch": steps,
                    "epochs": records,
                },
                indent=1,
            )  # fmt: skip
        )

    evaluator = Evaluator(data.x_test[: args.n_per_class * data.num_classes], "mnist")
    log = DriftLog(evaluator, args.n_per_class, seed=0, write=write)
    model.fit(batches, epochs=args.epochs, shuffle=False, verbose=0, callbacks=[log])
    if len(log.records) != args.epochs:
        raise SystemExit(f"Trained {len(log.records)} epochs, not {args.epochs}.")
    print((args.out / "report.md").read_text())


if __name__ == "__main__":
    main()
