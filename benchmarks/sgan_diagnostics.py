"""Why the SGAN is slow to use its unlabelled data: two diagnostics on MNIST, 100 labels.

    KERAS_BACKEND=jax KERAS_GMGAN_DATA=../shared/data python benchmarks/sgan_diagnostics.py

1. Does the unlabelled data help early on? The SGAN of `benchmarks/sgan.py` (same builder and
   settings) is trained for `--steps` steps with its unsupervised weight (default 0.5) and
   with weight 0, i.e. the same noisy classifier on the labelled batches alone; the test
   accuracy is recorded every `--every` steps.
2. Can the generator match the discriminator's features? After `--freeze-after` steps the
   discriminator's learning rate is set to 0 and training goes on: the feature-matching loss
   and D(G(z)) show how fast the generator catches up with a discriminator that stops moving.
3. With `--learning-rates 5e-4 1e-3 2e-3` (instead of 1 and 2): the same SGAN at each
   constant Adam rate, test accuracy every `--every` steps: how the benchmark's rate was chosen.

        ... sgan_diagnostics.py --learning-rates 5e-4 1e-3 2e-3 3e-3 --steps 3000 --every 600

Prints markdown tables; `--json` also writes the raw figures.
"""

import argparse
import json
import time

import keras
import numpy as np
from sgan import sgan_and_batches

from keras_gmgan.datasets import load_mnist
from keras_gmgan.models import SGAN_ADAM_EPSILON

LOGGED = ("g_loss", "d_real", "d_fake", "labeled_accuracy")


class Recorder(keras.callbacks.Callback):
    """After each (short) epoch: test accuracy and the epoch's mean logs; optionally freezes D."""

    def __init__(self, x_test, y_test, every: int, freeze_after: int = 0):
        super().__init__()
        self.x_test, self.y_test = x_test, y_test
        self.every, self.freeze_after = every, freeze_after
        self.rows = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        steps = (epoch + 1) * self.every
        predicted = self.model.predict_classes(self.x_test)
        self.rows.append(
            {
                "steps": steps,
                "seconds": time.perf_counter() - self.started,
                "test_accuracy": float(np.mean(predicted == self.y_test)),
                **{name: float(logs[name]) for name in LOGGED},
                "discriminator_frozen": bool(self.freeze_after and steps > self.freeze_after),
            }
        )
        if self.freeze_after and steps >= self.freeze_after:
            self.model.d_optimizer.learning_rate.assign(0.0)


def train(
    args, data, unsupervised_weight: float, steps: int, freeze_after: int = 0, lr=None
) -> list:
    train_data, (x_test, y_test) = data
    settings = argparse.Namespace(
        **{**vars(args), "unsupervised_weight": unsupervised_weight, "lr": lr or args.lr}
    )
    model, batches = sgan_and_batches(settings, args.seed, train_data, steps_per_epoch=args.every)
    recorder = Recorder(x_test, y_test, args.every, freeze_after)
    model.fit(batches, epochs=steps // args.every, shuffle=False, verbose=0, callbacks=[recorder])
    return recorder.rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=1800)
    parser.add_argument("--every", type=int, default=300)
    parser.add_argument("--freeze-after", type=int, default=600)
    parser.add_argument("--freeze-steps", type=int, default=1200, help="total steps of run 2")
    parser.add_argument("--unsupervised-weight", type=float, default=0.5)
    parser.add_argument("--labels", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--adam-epsilon", type=float, default=SGAN_ADAM_EPSILON)
    parser.add_argument(
        "--learning-rates",
        type=float,
        nargs="+",
        default=None,
        help="run only diagnostic 3, the constant-rate sweep over these Adam rates",
    )
    parser.add_argument("--data", default=None, help="mnist.npz or a directory holding it")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    # The rest of benchmarks/sgan.py's settings, at its defaults.
    defaults = dict(
        network="mlp", fake_class="implicit", batch_size=100, beta1=0.5, latent_dim=100,
        input_noise=0.3, hidden_noise=0.5, weight_norm=True, ema_decay=0.999,
    )  # fmt: skip
    args = argparse.Namespace(**{**defaults, **vars(args)})

    data = load_mnist(args.data)
    if args.learning_rates:
        learning_rate_sweep(args, data)
        return
    with_unlabeled = train(args, data, args.unsupervised_weight, args.steps)
    labels_only = train(args, data, 0.0, args.steps)
    frozen = train(args, data, args.unsupervised_weight, args.freeze_steps, args.freeze_after)

    backend = keras.backend.backend()
    print(f"\n### 1. Test accuracy (EMA weights), seed {args.seed}, backend {backend}\n")
    weight = args.unsupervised_weight
    print(f"| steps | SGAN (unsupervised weight {weight:g}) | labelled batches only |")
    print("|---|---|---|")
    for sgan, alone in zip(with_unlabeled, labels_only):
        sgan_accuracy, alone_accuracy = 100 * sgan["test_accuracy"], 100 * alone["test_accuracy"]
        print(f"| {sgan['steps']} | {sgan_accuracy:.2f} | {alone_accuracy:.2f} |")
    print(f"\n### 2. Discriminator frozen after {args.freeze_after} steps\n")
    print("| steps | D frozen | feature-matching loss | mean D(x_u) | mean D(G(z)) |")
    print("|---|---|---|---|---|")
    for row in frozen:
        print(
            f"| {row['steps']} | {'yes' if row['discriminator_frozen'] else 'no'} | "
            f"{row['g_loss']:.3f} | {row['d_real']:.3f} | {row['d_fake']:.3f} |"
        )
    if args.json:
        with open(args.json, "w") as stream:
            json.dump(
                {"args": vars(args), "sgan": with_unlabeled, "labels_only": labels_only,
                 "frozen": frozen}, stream, indent=2,
            )  # fmt: skip


def learning_rate_sweep(args, data) -> None:
    """Diagnostic 3: test accuracy over the steps at each constant learning rate."""
    runs = {lr: train(args, data, args.unsupervised_weight, args.steps, lr=lr)
            for lr in args.learning_rates}  # fmt: skip
    print(f"\n### 3. Test accuracy (EMA weights) at constant Adam rates, seed {args.seed}, "
          f"backend {keras.backend.backend()}\n")  # fmt: skip
    print("| steps | " + " | ".join(f"lr {lr:g}" for lr in runs) + " |")
    print("|---" * (len(runs) + 1) + "|")
    for index, row in enumerate(next(iter(runs.values()))):
        cells = [f"{100 * rows[index]['test_accuracy']:.2f}" for rows in runs.values()]
        print(f"| {row['steps']} | {' | '.join(cells)} |")
    if args.json:
        with open(args.json, "w") as stream:
            json.dump({"args": vars(args), "learning_rates": {str(k): v for k, v in runs.items()}},
                      stream, indent=2)  # fmt: skip


if __name__ == "__main__":
    main()
