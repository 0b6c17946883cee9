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
command with that option. `--same-process` instead times, in one process per backend, a bare
step and the command (run in that process, its epochs after the first timed from the clock at
each epoch's end) in turns, and reports their ratio per round: the XLA step's speed differs
between TensorFlow processes, which rows from separate processes mistake for a difference
between the command and its step.

On a machine with a GPU, every implementation runs on it (the template loop moves its networks
and batches to CUDA, as the course template does); `--batch` sets the batch size of every row
and `--backends` the Keras backends measured (TensorFlow needs its GPU build). `--optax` adds
the limit proxy row: the same MLP pair and step written directly in JAX with optax (not a
dependency of keras-gmgan: `pip install optax`).
`--torch-jit` adds the torch step compiled with torch.compile (`compile(jit_compile=True)`);
its compilation falls in the warm-up steps, which are not timed. `--tf-no-xla` adds the
TensorFlow step without XLA (`jit_compile=False`; the TensorFlow row's "auto" compiles it with
XLA, also on a CPU). `--torch-keras-adam` adds the torch step with Keras' own Adam update (ten
foreach calls) in place of the fused kernel keras-gmgan's torch plumbing gives it on a CPU.
"""

import argparse
import datetime
import importlib.util
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


def keras_worker(steps: int, warmup: int, batch: int = BATCH, jit_compile="auto") -> float:
    import keras
    import numpy as np

    from keras_gmgan.models import GAN
    from keras_gmgan.networks import build_mlp_discriminator, build_mlp_generator

    keras.utils.set_random_seed(0)
    # One batch of data per step: with fewer, `fit` stops when the data run out (Keras only
    # warns), and the rate would divide `steps` by the time of fewer batches.
    shape = (batch * (warmup + steps), 28, 28, 1)
    x = np.random.default_rng(0).uniform(-1, 1, shape).astype("float32")
    gan = GAN(build_mlp_generator(LATENT), build_mlp_discriminator(), seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        jit_compile=jit_compile,
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
        x, batch_size=batch, epochs=1, steps_per_epoch=warmup + steps, verbose=0, callbacks=[timer]
    )
    if timer.timed_batches != steps:
        raise RuntimeError(f"timed {timer.timed_batches} batches, not {steps}")
    return steps / timer.seconds


class TemplateGAN:
    """The course template's GAN in plain PyTorch: nn.Sequential MLPs, sigmoid + BCELoss,
    Adam(2e-4, β=(0.5, 0.999)) for each player, batches of `batch` (64) images in [-1, 1]. D is
    trained on G(z) without detaching and G without freezing D (as the template does).
    `device="cuda"` moves the networks there and each batch as it is drawn, as the template
    does on a GPU.

    `lean=True` removes the template's two wasted backward passes (the fake batch is detached
    in the D step, D's parameters are frozen in the G step): the fastest fair plain loop.
    Used by this benchmark (speed) and by `time_to_quality.py` (sample quality over time).
    """

    def __init__(self, lean: bool = False, seed: int = 0, batch: int = BATCH, device: str = "cpu"):
        import torch
        from torch import nn

        torch.manual_seed(seed)
        self.torch, self.lean, self.batch, self.device = torch, lean, batch, device
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
        self.generator.to(device)
        self.discriminator.to(device)
        self.criterion = nn.BCELoss()
        betas = (0.5, 0.999)
        self.g_optimizer = torch.optim.Adam(self.generator.parameters(), lr=2e-4, betas=betas)
        self.d_optimizer = torch.optim.Adam(self.discriminator.parameters(), lr=2e-4, betas=betas)

    def loader(self, images):
        """The template's DataLoader over a (N, 1, 28, 28) float tensor: shuffled, full batches
        of `self.batch`, repeated without end."""
        torch = self.torch
        loader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(images),
            batch_size=self.batch,
            shuffle=True,
            drop_last=True,
        )
        while True:
            yield from loader

    def d_train(self, x):
        torch = self.torch
        n, device = self.batch, self.device
        self.discriminator.zero_grad()
        x_real, y_real = x.to(device).view(-1, IMAGE), torch.ones(n, 1, device=device)
        d_real_loss = self.criterion(self.discriminator(x_real), y_real)
        z = torch.randn(n, LATENT, device=device)
        x_fake, y_fake = self.generator(z), torch.zeros(n, 1, device=device)
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
        n, device = self.batch, self.device
        z = torch.randn(n, LATENT, device=device)
        scores = self.discriminator(self.generator(z))
        g_loss = self.criterion(scores, torch.ones(n, 1, device=device))
        g_loss.backward()
        self.g_optimizer.step()
        if self.lean:
            self.discriminator.requires_grad_(True)
        return g_loss.item()

    def step(self, x):
        """One template iteration: a D step on the batch x, then a G step."""
        return self.d_train(x), self.g_train()


def torch_template_worker(steps: int, warmup: int, lean: bool = False, batch: int = BATCH) -> float:
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    template = TemplateGAN(lean=lean, batch=batch, device=device)
    stream = template.loader(torch.rand(batch * 100, 1, 28, 28) * 2 - 1)
    for step in range(warmup + steps):
        if step == warmup:
            start = time.perf_counter()
        (x,) = next(stream)
        template.step(x)
    return steps / (time.perf_counter() - start)


def optax_worker(steps: int, warmup: int, batch: int = BATCH) -> float:
    """The limit proxy: the same MLP pair and step (a D step on the batch and fresh fakes with
    no gradient to G, then a G step on fresh latents; BCE on logits; Adam(2e-4, β1=0.5) per
    player) written directly in JAX with optax, one jitted function per step, batches fed
    from host memory as `fit` feeds them."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax

    def init_mlp(key, sizes):
        params = []
        layer_keys = jax.random.split(key, len(sizes) - 1)
        for layer_key, fan_in, fan_out in zip(layer_keys, sizes, sizes[1:]):
            limit = (6 / (fan_in + fan_out)) ** 0.5  # Keras' Dense default, Glorot uniform
            w = jax.random.uniform(layer_key, (fan_in, fan_out), minval=-limit, maxval=limit)
            params.append((w, jnp.zeros(fan_out)))
        return params

    def mlp(params, x, output):
        for w, b in params[:-1]:
            x = jax.nn.leaky_relu(x @ w + b, 0.2)
        w, b = params[-1]
        return output(x @ w + b)

    def generate(g, z):
        return mlp(g, z, jnp.tanh)

    def critic(d, x):
        return mlp(d, x.reshape(x.shape[0], -1), lambda logits: logits)[:, 0]

    bce = optax.sigmoid_binary_cross_entropy
    optimizer = optax.adam(2e-4, b1=0.5)
    d_key, g_key, key = jax.random.split(jax.random.key(0), 3)
    d = init_mlp(d_key, [IMAGE, 1024, 512, 256, 1])
    g = init_mlp(g_key, [LATENT, 256, 512, 1024, IMAGE])
    d_state, g_state = optimizer.init(d), optimizer.init(g)

    @jax.jit
    def step(d, g, d_state, g_state, real, key):
        d_key, g_key = jax.random.split(key)
        fake = jax.lax.stop_gradient(generate(g, jax.random.normal(d_key, (real.shape[0], LATENT))))

        def d_loss(d):
            real_logits, fake_logits = critic(d, real), critic(d, fake)
            return (
                bce(real_logits, jnp.ones_like(real_logits)).mean()
                + bce(fake_logits, jnp.zeros_like(fake_logits)).mean()
            )

        d_value, grads = jax.value_and_grad(d_loss)(d)
        updates, d_state = optimizer.update(grads, d_state, d)
        d = optax.apply_updates(d, updates)

        def g_loss(g):
            logits = critic(d, generate(g, jax.random.normal(g_key, (real.shape[0], LATENT))))
            return bce(logits, jnp.ones_like(logits)).mean()

        g_value, grads = jax.value_and_grad(g_loss)(g)
        updates, g_state = optimizer.update(grads, g_state, g)
        return d, optax.apply_updates(g, updates), d_state, g_state, d_value, g_value

    images = np.random.default_rng(0).uniform(-1, 1, (batch * 100, 28, 28, 1)).astype("float32")
    for index in range(warmup + steps):
        if index == warmup:
            jax.block_until_ready(d)
            start = time.perf_counter()
        real = images[(index % 100) * batch : (index % 100 + 1) * batch]
        key, step_key = jax.random.split(key)
        d, g, d_state, g_state, d_value, g_value = step(d, g, d_state, g_state, real, step_key)
    jax.block_until_ready((d, g))
    return steps / (time.perf_counter() - start)


#: Steps per epoch of the timed `keras-gmgan fit` runs by default (issue 31's setting); on a
#: GPU an epoch this short takes under a second, so pass a longer `--fit-epoch-steps` there.
FIT_EPOCH_STEPS = 300


def fit_command_seconds(
    backend: str,
    epochs: int,
    extra: list,
    batch: int = BATCH,
    epoch_steps: int = FIT_EPOCH_STEPS,
) -> float:
    """Wall-clock seconds of `keras-gmgan fit --model gan` for `epochs` epochs of
    `epoch_steps` steps in a new process under `backend`, checked against the run's
    results.json."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run"
        args = ["fit", "--model", "gan", "--epochs", str(epochs), "--steps-per-epoch",
                str(epoch_steps), "--batch-size", str(batch), "--out", str(out),
                *extra]  # fmt: skip
        start = time.perf_counter()
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": backend}
        command = [sys.executable, "-c", "from keras_gmgan.cli.main import cli; cli()", *args]
        completed = subprocess.run(command, capture_output=True, text=True, env=env)
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stderr[-3000:]}")
        seconds = time.perf_counter() - start
        steps = json.loads((out / "results.json").read_text())["steps"]
    if steps != epochs * epoch_steps:
        raise RuntimeError(f"fit ran {steps} steps, not {epochs * epoch_steps}")
    return seconds


def fit_command_rate(
    backend: str,
    epochs: int,
    extra: list,
    batch: int = BATCH,
    epoch_steps: int = FIT_EPOCH_STEPS,
) -> float:
    """Steps per second of the epochs after the first (`fit_command_seconds` of `epochs`
    epochs minus that of one, each in a new process)."""
    one = fit_command_seconds(backend, 1, extra, batch, epoch_steps)
    many = fit_command_seconds(backend, epochs, extra, batch, epoch_steps)
    if many <= one:
        raise RuntimeError(f"{epochs} epochs took {many:.1f} s, one took {one:.1f} s")
    return (epochs - 1) * epoch_steps / (many - one)


def fit_command_epoch_rate(epochs: int, batch: int = BATCH, epoch_steps: int = FIT_EPOCH_STEPS):
    """Steps per second of the epochs after the first of one `keras-gmgan fit --model gan`
    run in this process, from the clock at each epoch's end.

    A run of `epochs` epochs minus a run of one (`fit_command_rate`) cannot be timed within
    one process: the second run finds the first's traces, caches and loaded data, so the
    difference undercounts its epochs. Here `Run.fit` gets one more callback, which reads the
    clock at every epoch end: between two of its readings lies one whole epoch, steps,
    progress bar and the run's own epoch-end callbacks included.
    """
    import keras

    from keras_gmgan import runs
    from keras_gmgan.cli.main import cli

    ends = []

    class EpochClock(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            ends.append(time.perf_counter())

    plain_fit = runs.Run.fit

    def fit_with_clock(self, model, x, y=None, *, callbacks=(), **kwargs):
        return plain_fit(self, model, x, y, callbacks=[*callbacks, EpochClock()], **kwargs)

    runs.Run.fit = fit_with_clock
    try:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "run"
            args = ["fit", "--model", "gan", "--epochs", str(epochs), "--steps-per-epoch",
                    str(epoch_steps), "--batch-size", str(batch), "--out", str(out)]  # fmt: skip
            cli.main(args=args, standalone_mode=False)
            steps = json.loads((out / "results.json").read_text())["steps"]
    finally:
        runs.Run.fit = plain_fit
    if steps != epochs * epoch_steps or len(ends) != epochs:
        raise RuntimeError(
            f"fit ran {steps} steps in {len(ends)} epochs, not {epochs} of {epoch_steps}"
        )
    return (epochs - 1) * epoch_steps / (ends[-1] - ends[0])


def same_process_worker(args: argparse.Namespace) -> dict:
    """The bare step's rate and the fit command's, in turns within one process.

    TensorFlow's XLA-compiled step runs at different speeds in different processes (18-48
    steps/s on one idle 2-core machine), which a bare row and a command row timed in
    separate processes take for a difference between them. Here both share the process:
    each round times a fresh bare `GAN.fit` (`keras_worker`), then the epochs after the first
    of the command run in this process for `--fit-epochs` epochs (`fit_command_epoch_rate`).
    """
    bare, command = [], []
    for _ in range(args.repeats):
        bare.append(keras_worker(args.steps, args.warmup, args.batch))
        command.append(fit_command_epoch_rate(args.fit_epochs, args.batch, args.fit_epoch_steps))
    return {"bare": bare, "command": command}


def same_process_rows(args: argparse.Namespace) -> None:
    """Prints, per backend, the command's rate over the bare step's, both timed in one
    process (`same_process_worker`), `--repeats` rounds."""
    print(
        f"\nThe fit command against the bare step in one process per backend: "
        f"`keras-gmgan fit --model gan --steps-per-epoch {args.fit_epoch_steps}`, "
        f"the {args.fit_epochs - 1} epochs after the first of {args.fit_epochs}, each after a "
        f"bare `GAN.fit` of {args.steps} steps, "
        f"{args.repeats} rounds.\n"
    )
    print("| backend | bare steps/s | command steps/s | command / bare per round | median |")
    print("|---|---|---|---|---|")
    for backend in args.backends:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": backend}
        command = [sys.executable, __file__, "--worker", "same-process", "--steps",
                   str(args.steps), "--warmup", str(args.warmup), "--batch", str(args.batch),
                   "--repeats", str(args.repeats), "--fit-epochs", str(args.fit_epochs),
                   "--fit-epoch-steps", str(args.fit_epoch_steps)]  # fmt: skip
        completed = subprocess.run(command, capture_output=True, text=True, env=env)
        if completed.returncode != 0:
            raise RuntimeError(f"same-process {backend} failed:\n{completed.stderr[-3000:]}")
        rates = json.loads(completed.stdout.strip().splitlines()[-1])
        ratios = [c / b for b, c in zip(rates["bare"], rates["command"])]
        print(
            f"| {backend} | {', '.join(f'{v:.1f}' for v in rates['bare'])} | "
            f"{', '.join(f'{v:.1f}' for v in rates['command'])} | "
            f"{', '.join(f'{r:.2f}' for r in ratios)} | {statistics.median(ratios):.2f} |"
        )


BACKENDS = ("jax", "tensorflow", "torch")
TEMPLATE = "plain PyTorch loop (course template)"


def implementations(args: argparse.Namespace) -> dict:
    """{row name: (worker, Keras backend or None)} of the bare-step rows asked for."""
    rows = {f"keras-gmgan, {backend}": ("keras", backend) for backend in args.backends}
    if args.torch_jit:
        rows["keras-gmgan, torch, jit_compile=True"] = ("keras-jit", "torch")
    if args.torch_keras_adam:
        rows["keras-gmgan, torch, Keras' own Adam update"] = ("keras-adam", "torch")
    if args.tf_no_xla:
        rows["keras-gmgan, tensorflow, jit_compile=False"] = ("keras-nojit", "tensorflow")
    if args.optax:
        rows["bare JAX + optax step (limit proxy)"] = ("optax", None)
    rows["plain PyTorch loop, template's wasted backward passes removed"] = ("torch-lean", None)
    rows[TEMPLATE] = ("torch-template", None)
    return rows


def measure(worker: str, backend: str | None, args: argparse.Namespace) -> float:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if backend:
        env["KERAS_BACKEND"] = backend
    command = [sys.executable, __file__, "--worker", worker, "--steps", str(args.steps),
               "--warmup", str(args.warmup), "--batch", str(args.batch)]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{worker} {backend or ''} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])["steps_per_second"]


def fit_rows(args: argparse.Namespace) -> dict:
    """{row name: (backend, extra fit options)} of the `keras-gmgan fit` rows asked for."""
    rows = {}
    for backend in args.backends if args.fit else ():
        rows[f"keras-gmgan fit command, {backend}"] = (backend, [])
        if args.steps_per_execution and backend in args.steps_per_execution_backends:
            k = str(args.steps_per_execution)
            rows[f"keras-gmgan fit command, {backend}, --steps-per-execution {k}"] = (
                backend,
                ["--steps-per-execution", k],
            )
    return rows


def accelerator() -> str:
    """The GPU the rows ran on, as PyTorch names it, or "no GPU"."""
    try:
        import torch
    except ImportError:
        return "no GPU"
    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=BATCH, help="batch size of every row")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--optax", action="store_true", help="add the bare JAX + optax row")
    parser.add_argument(
        "--torch-jit",
        action="store_true",
        help="add the torch step compiled with torch.compile (compile(jit_compile=True))",
    )
    parser.add_argument(
        "--tf-no-xla",
        action="store_true",
        help="add the TensorFlow step without XLA (compile(jit_compile=False))",
    )
    parser.add_argument(
        "--torch-keras-adam",
        action="store_true",
        help="add the torch step with Keras' own Adam update instead of the fused kernel",
    )
    parser.add_argument("--fit", action="store_true", help="add the keras-gmgan fit rows")
    parser.add_argument(
        "--same-process",
        action="store_true",
        help="only time the fit command against the bare step in one process per backend",
    )
    parser.add_argument("--fit-epochs", type=int, default=3)
    parser.add_argument("--fit-epoch-steps", type=int, default=FIT_EPOCH_STEPS)
    parser.add_argument("--steps-per-execution", type=int, default=None)
    parser.add_argument(
        "--steps-per-execution-backends",
        nargs="+",
        choices=BACKENDS,
        default=list(BACKENDS),
        help="the backends that get a --steps-per-execution row",
    )
    parser.add_argument(
        "--worker",
        choices=[
            "keras",
            "keras-jit",
            "keras-nojit",
            "keras-adam",
            "optax",
            "torch-template",
            "torch-lean",
            "same-process",
        ],
    )
    args = parser.parse_args()
    if args.fit_epochs < 2 or min(args.steps_per_execution or 1, args.batch) < 1:
        parser.error(
            "--fit-epochs must be at least 2, --steps-per-execution and --batch at least 1"
        )
    if args.fit_epoch_steps < 1:
        parser.error("--fit-epoch-steps must be at least 1")
    if args.optax and importlib.util.find_spec("optax") is None:
        parser.error("--optax needs optax, which keras-gmgan does not install: pip install optax")

    if args.worker == "same-process":
        print(json.dumps(same_process_worker(args)))
        return
    if args.same_process:
        load_at_start = os.getloadavg()[0]
        same_process_rows(args)
        print(
            f"\nMachine: {platform.machine()}, {os.cpu_count()} CPU cores, {accelerator()}; "
            f"{datetime.date.today()}; load average {load_at_start:.2f} at the start and "
            f"{os.getloadavg()[0]:.2f} at the end."
        )
        return
    if args.worker:
        if args.worker == "keras-adam":
            from keras_gmgan.backend import torch as torch_plumbing

            # Leave every Adam with Keras' update step: the step as it was before fusing.
            torch_plumbing._fuse_adam_updates = lambda optimizer: None
        if args.worker.startswith("keras"):
            jit_compile = {"keras": "auto", "keras-jit": True, "keras-nojit": False,
                           "keras-adam": "auto"}[args.worker]  # fmt: skip
            rate = keras_worker(args.steps, args.warmup, args.batch, jit_compile)
        elif args.worker == "optax":
            rate = optax_worker(args.steps, args.warmup, args.batch)
        else:
            lean = args.worker == "torch-lean"
            rate = torch_template_worker(args.steps, args.warmup, lean=lean, batch=args.batch)
        print(json.dumps({"steps_per_second": rate}))
        return

    load_at_start = os.getloadavg()[0]
    bare, fits = implementations(args), fit_rows(args)
    rates = {name: [] for name in [*bare, *fits]}
    for round_ in range(args.repeats):
        for name, (worker, backend) in bare.items():
            rates[name].append(measure(worker, backend, args))
            print(f"round {round_ + 1}: {name}: {rates[name][-1]:.1f}", file=sys.stderr)
        for name, (backend, extra) in fits.items():
            rate = fit_command_rate(
                backend, args.fit_epochs, extra, args.batch, args.fit_epoch_steps
            )
            rates[name].append(rate)
            print(f"round {round_ + 1}: {name}: {rates[name][-1]:.1f}", file=sys.stderr)
    reference = statistics.median(rates[TEMPLATE])
    print(
        f"Vanilla MLP GAN (2,946,577 parameters), batch {args.batch}, {args.steps} timed steps "
        f"after {args.warmup} warm-up steps, median of {args.repeats} interleaved runs."
    )
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, {accelerator()}; "
        f"{datetime.date.today()}; load average {load_at_start:.2f} at the start and "
        f"{os.getloadavg()[0]:.2f} at the end.\n"
    )
    if fits:
        print(
            f"fit command rows: `keras-gmgan fit --model gan --steps-per-epoch "
            f"{args.fit_epoch_steps} --batch-size {args.batch}` on MNIST, {args.fit_epochs} epochs "
            "minus 1 epoch.\n"
        )
    print("| implementation | steps/s (median) | runs | × plain PyTorch loop |")
    print("|---|---|---|---|")
    for name, values in rates.items():
        median = statistics.median(values)
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(f"| {name} | {median:.1f} | {runs} | {median / reference:.2f} |")


if __name__ == "__main__":
    main()
