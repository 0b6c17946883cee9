"""Training steps per second of the vanilla MLP GAN: keras-gmgan on each backend vs the
plain PyTorch loop of the MNIST course template, measured side by side in one run.

    python benchmarks/throughput.py --repeats 3

    KERAS_GMGAN_DATA=../shared/data python benchmarks/throughput.py --repeats 3 --fit

Each measurement runs in a fresh subprocess (a Keras backend is chosen once per process);
rounds are interleaved so that machine noise hits every implementation alike, and the table
reports the median over rounds and the ratio to the PyTorch loop measured in the same run.
Target (issue 2): the JAX backend at least 2.0x the plain PyTorch loop.

The bare step rows time `GAN.fit` on random images with no callbacks. `--fit` adds the
command users run, per backend: `keras-gmgan fit --model gan --steps-per-epoch 300` on MNIST
with its default callbacks (checkpoint, sample grid, history, NaN guard) and progress bar,
timed as a run of `--fit-epochs` epochs minus a run of one (so imports, data loading and
compilation cancel): its rate is that of the steps after the first epoch. Each run's
results.json must report the steps asked for. `--steps-per-execution K` adds a row of the
command with that option.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BATCH = 64
LATENT = 100
IMAGE = 784


def keras_worker(steps: int, warmup: int) -> float:
    import keras
    import numpy as np

    from keras_gmgan.models import GAN
    from keras_gmgan.networks import build_mlp_discriminator, build_mlp_generator

    keras.utils.set_random_seed(0)
    # One batch of data per step: with fewer, `fit` stops when the data run out (Keras only
    # warns), and the rate would divide `steps` by the time of fewer batches.
    shape = (BATCH * (warmup + steps), 28, 28, 1)
    x = np.random.default_rng(0).uniform(-1, 1, shape).astype("float32")
    gan = GAN(build_mlp_generator(LATENT), build_mlp_discriminator(), seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    )

    class Timer(keras.callbacks.Callback):
        timed_batches = 0

        def on_train_batch_begin(self, batch, logs=None):
            if batch == warmup:
                self.start = time.perf_counter()
            self.timed_batches += batch >= warmup

        def on_epoch_end(self, epoch, logs=None):  # logs are synchronised here
            self.seconds = time.perf_counter() - self.start

    timer = Timer()
    gan.fit(
        x, batch_size=BATCH, epochs=1, steps_per_epoch=warmup + steps, verbose=0, callbacks=[timer]
    )
    if timer.timed_batches != steps:
        raise RuntimeError(f"timed {timer.timed_batches} batches, not {steps}")
    return steps / timer.seconds


class TemplateGAN:
    """The course template's GAN in plain PyTorch: nn.Sequential MLPs, sigmoid + BCELoss,
    Adam(2e-4, β=(0.5, 0.999)) for each player, batches of 64 images in [-1, 1]. D is
    trained on G(z) without detaching and G without freezing D (as the template does).

    `lean=True` removes the template's two wasted backward passes (the fake batch is detached
    in the D step, D's parameters are frozen in the G step): the fastest fair plain loop.
    Used by this benchmark (speed) and by `time_to_quality.py` (sample quality over time).
    """

    def __init__(self, lean: bool = False, seed: int = 0):
        import torch
        from torch import nn

        torch.manual_seed(seed)
        self.torch, self.lean = torch, lean
        self.generator = nn.Sequential(
            nn.Linear(LATENT, 256),
            nn.LeakyReLU(0.2),
            nn.Linear(256, 512),
            nn.LeakyReLU(0.2),
            nn.Linear(512, 1024),
            nn.LeakyReLU(0.2),
            nn.Linear(1024, IMAGE),
            nn.Tanh(),
        )
        self.discriminator = nn.Sequential(
            nn.Linear(IMAGE, 1024),
            nn.LeakyReLU(0.2),
            nn.Linear(1024, 512),
            nn.LeakyReLU(0.2),
            nn.Linear(512, 256),
            nn.LeakyReLU(0.2),
            nn.Linear(256, 1),
            nn.Sigmoid(),
        )
        self.criterion = nn.BCELoss()
        betas = (0.5, 0.999)
        self.g_optimizer = torch.optim.Adam(self.generator.parameters(), lr=2e-4, betas=betas)
        self.d_optimizer = torch.optim.Adam(self.discriminator.parameters(), lr=2e-4, betas=betas)

    def loader(self, images):
        """The template's DataLoader over a (N, 1, 28, 28) float tensor: shuffled, batch 64,
        repeated without end (full batches only, as the step functions assume)."""
        torch = self.torch
        loader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(images), batch_size=BATCH, shuffle=True, drop_last=True
        )
        while True:
            yield from loader

    def d_train(self, x):
        torch = self.torch
        self.discriminator.zero_grad()
        x_real, y_real = x.view(-1, IMAGE), torch.ones(BATCH, 1)
        d_real_loss = self.criterion(self.discriminator(x_real), y_real)
        z = torch.randn(BATCH, LATENT)
        x_fake, y_fake = self.generator(z), torch.zeros(BATCH, 1)
        if self.lean:
            x_fake = x_fake.detach()
        d_fake_loss = self.criterion(self.discriminator(x_fake), y_fake)
        d_loss = d_real_loss + d_fake_loss
        d_loss.backward()
        self.d_optimizer.step()
        return d_loss.item()

    def g_train(self):
        torch = self.torch
        self.generator.zero_grad()
        if self.lean:
            self.discriminator.requires_grad_(False)
        z = torch.randn(BATCH, LATENT)
        g_loss = self.criterion(self.discriminator(self.generator(z)), torch.ones(BATCH, 1))
        g_loss.backward()
        self.g_optimizer.step()
        if self.lean:
            self.discriminator.requires_grad_(True)
        return g_loss.item()

    def step(self, x):
        """One template iteration: a D step on the batch x, then a G step."""
        return self.d_train(x), self.g_train()


def torch_template_worker(steps: int, warmup: int, lean: bool = False) -> float:
    import torch

    template = TemplateGAN(lean=lean)
    stream = template.loader(torch.rand(BATCH * 100, 1, 28, 28) * 2 - 1)
    for step in range(warmup + steps):
        if step == warmup:
            start = time.perf_counter()
        (x,) = next(stream)
        template.step(x)
    return steps / (time.perf_counter() - start)


#: Steps per epoch of the timed `keras-gmgan fit` runs (issue 31's setting).
FIT_EPOCH_STEPS = 300


def fit_command_seconds(backend: str, epochs: int, extra: list) -> float:
    """Wall-clock seconds of `keras-gmgan fit --model gan` for `epochs` epochs of
    `FIT_EPOCH_STEPS` steps, checked against the run's results.json."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": backend}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run"
        command = [sys.executable, "-c", "from keras_gmgan.cli.main import cli; cli()", "fit",
                   "--model", "gan", "--epochs", str(epochs), "--steps-per-epoch",
                   str(FIT_EPOCH_STEPS), "--out", str(out), *extra]  # fmt: skip
        start = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - start
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stderr[-3000:]}")
        steps = json.loads((out / "results.json").read_text())["steps"]
    if steps != epochs * FIT_EPOCH_STEPS:
        raise RuntimeError(f"fit ran {steps} steps, not {epochs * FIT_EPOCH_STEPS}")
    return seconds


def fit_command_rate(backend: str, epochs: int, extra: list) -> float:
    """Steps per second of the epochs after the first (`fit_command_seconds` of `epochs`
    epochs minus that of one)."""
    one = fit_command_seconds(backend, 1, extra)
    many = fit_command_seconds(backend, epochs, extra)
    if many <= one:
        raise RuntimeError(f"{epochs} epochs took {many:.1f} s, one took {one:.1f} s")
    return (epochs - 1) * FIT_EPOCH_STEPS / (many - one)


IMPLEMENTATIONS = {
    "keras-gmgan, jax": ("keras", "jax"),
    "keras-gmgan, tensorflow": ("keras", "tensorflow"),
    "keras-gmgan, torch": ("keras", "torch"),
    "plain PyTorch loop, template's wasted backward passes removed": ("torch-lean", None),
    "plain PyTorch loop (course template)": ("torch-template", None),
}


def measure(name: str, steps: int, warmup: int) -> float:
    worker, backend = IMPLEMENTATIONS[name]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if backend:
        env["KERAS_BACKEND"] = backend
    completed = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            worker,
            "--steps",
            str(steps),
            "--warmup",
            str(warmup),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])["steps_per_second"]


def fit_rows(args) -> dict:
    """{row name: (backend, extra fit options)} of the `keras-gmgan fit` rows asked for."""
    rows = {}
    for backend in ("jax", "tensorflow", "torch") if args.fit else ():
        rows[f"keras-gmgan fit command, {backend}"] = (backend, [])
        if args.steps_per_execution and backend in args.steps_per_execution_backends:
            k = str(args.steps_per_execution)
            rows[f"keras-gmgan fit command, {backend}, --steps-per-execution {k}"] = (
                backend,
                ["--steps-per-execution", k],
            )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fit", action="store_true", help="add the keras-gmgan fit rows")
    parser.add_argument("--fit-epochs", type=int, default=3)
    parser.add_argument("--steps-per-execution", type=int, default=None)
    parser.add_argument(
        "--steps-per-execution-backends",
        nargs="+",
        choices=["jax", "tensorflow", "torch"],
        default=["jax", "tensorflow", "torch"],
        help="the backends that get a --steps-per-execution row",
    )
    parser.add_argument("--worker", choices=["keras", "torch-template", "torch-lean"])
    args = parser.parse_args()
    if args.fit_epochs < 2 or (args.steps_per_execution or 1) < 1:
        parser.error("--fit-epochs must be at least 2 and --steps-per-execution at least 1")

    if args.worker:
        if args.worker == "keras":
            rate = keras_worker(args.steps, args.warmup)
        else:
            rate = torch_template_worker(args.steps, args.warmup, lean=args.worker == "torch-lean")
        print(json.dumps({"steps_per_second": rate}))
        return

    fits = fit_rows(args)
    rates = {name: [] for name in [*IMPLEMENTATIONS, *fits]}
    for _ in range(args.repeats):
        for name in IMPLEMENTATIONS:
            rates[name].append(measure(name, args.steps, args.warmup))
        for name, (backend, extra) in fits.items():
            rates[name].append(fit_command_rate(backend, args.fit_epochs, extra))
    reference = statistics.median(rates["plain PyTorch loop (course template)"])
    print(
        f"Vanilla MLP GAN (2,946,577 parameters), batch {BATCH}, {args.steps} timed steps "
        f"after {args.warmup} warm-up steps, median of {args.repeats} interleaved runs."
    )
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, no GPU; "
        f"{datetime.date.today()}; load average {os.getloadavg()[0]:.2f} at the end.\n"
    )
    if fits:
        print(
            f"fit command rows: `keras-gmgan fit --model gan --steps-per-epoch "
            f"{FIT_EPOCH_STEPS}` on MNIST, {args.fit_epochs} epochs minus 1 epoch.\n"
        )
    print("| implementation | steps/s (median) | runs | × plain PyTorch loop |")
    print("|---|---|---|---|")
    for name, values in rates.items():
        median = statistics.median(values)
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(f"| {name} | {median:.1f} | {runs} | {median / reference:.2f} |")


if __name__ == "__main__":
    main()
