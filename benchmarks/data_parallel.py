"""Steps per second of `keras-gmgan fit --distribute data-parallel` on 2 devices against the
same command on one device, per backend, measured side by side in one run.

    KERAS_GMGAN_DATA=../shared/data python benchmarks/data_parallel.py --repeats 3

The two devices are those the README's data-parallel sections name for a CPU: JAX on two
forced host devices (`XLA_FLAGS=--xla_force_host_platform_device_count=2`), TensorFlow on two
logical CPU devices under `MirroredStrategy`, PyTorch as two Gloo processes under
`torchrun --nproc-per-node 2`. On one CPU the two devices share the same cores, so the figure
is the overhead of data parallelism (splitting the batch, all-reducing the gradients), not a
speed-up; on a machine with several GPUs the same script measures the scaling.

Each rate is that of the steps after the first epoch: a run of `--epochs` epochs minus a run
of one (imports, data loading, compilation and process start-up cancel). The global batch is
the same in both rows (`--batch-size`), and every run's results.json must report the steps
asked for. Rounds are interleaved; the table reports medians.
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

BACKENDS = ("jax", "tensorflow", "torch")

#: Splits the CPU into two logical devices before TensorFlow initialises, then runs the CLI.
TWO_TENSORFLOW_DEVICES = (
    "import tensorflow as tf\n"
    "cpu = tf.config.list_physical_devices('CPU')[0]\n"
    "devices = [tf.config.LogicalDeviceConfiguration()] * 2\n"
    "tf.config.set_logical_device_configuration(cpu, devices)\n"
)
RUN_CLI = "import sys\nfrom keras_gmgan.cli.main import cli\ncli(sys.argv[1:])\n"


def launch_command(backend: str, devices: int, folder: Path) -> tuple[list, dict]:
    """The command prefix and environment that run the CLI on `devices` devices."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": backend}
    if devices == 1:
        return [sys.executable, "-c", RUN_CLI], env
    if backend == "jax":
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
        return [sys.executable, "-c", RUN_CLI], env
    if backend == "tensorflow":
        if devices != 2:
            raise ValueError("the TensorFlow rows split the CPU into 2 logical devices")
        return [sys.executable, "-c", TWO_TENSORFLOW_DEVICES + RUN_CLI], env
    script = folder / "run_cli.py"
    script.write_text(RUN_CLI)
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    return [*torchrun, "--nproc-per-node", str(devices), str(script)], env


def fit_seconds(backend: str, devices: int, epochs: int, args) -> float:
    """Wall-clock seconds of one `fit` run, checked against its results.json."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        prefix, env = launch_command(backend, devices, folder)
        out = folder / "run"
        command = [*prefix, "fit", "--model", args.model, "--dataset", args.dataset,
                   "--epochs", str(epochs), "--steps-per-epoch", str(args.steps_per_epoch),
                   "--batch-size", str(args.batch_size), "--out", str(out),
                   "--verbose", "0"]  # fmt: skip
        if devices > 1:
            command += ["--distribute", "data-parallel"]
        start = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - start
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stderr[-3000:]}")
        steps = json.loads((out / "results.json").read_text())["steps"]
    if steps != epochs * args.steps_per_epoch:
        raise RuntimeError(f"fit ran {steps} steps, not {epochs * args.steps_per_epoch}")
    return seconds


def steps_per_second(backend: str, devices: int, args) -> float:
    """The rate of the epochs after the first: `--epochs` epochs minus one epoch."""
    one = fit_seconds(backend, devices, 1, args)
    many = fit_seconds(backend, devices, args.epochs, args)
    if many <= one:  # the epochs are too short to rise above the noise of start-up
        raise RuntimeError(f"{args.epochs} epochs took {many:.1f} s, one took {one:.1f} s")
    rate = (args.epochs - 1) * args.steps_per_epoch / (many - one)
    print(f"{backend}, {devices} device(s): {one:.1f} s / {many:.1f} s, {rate:.1f} steps/s",
          file=sys.stderr, flush=True)  # fmt: skip
    return rate


def main(argv: list | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--model", default="gan")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--batch-size", type=int, default=64, help="the global batch")
    parser.add_argument("--steps-per-epoch", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the rates to this file")
    args = parser.parse_args(argv)
    if args.epochs < 2 or args.repeats < 1 or args.steps_per_epoch < 1:
        parser.error("--epochs must be at least 2, --repeats and --steps-per-epoch at least 1")
    if args.batch_size % 2:
        parser.error("--batch-size must split evenly over 2 devices")

    rates = {(backend, devices): [] for backend in args.backends for devices in (1, 2)}
    for _ in range(args.repeats):
        for backend, devices in rates:
            rates[backend, devices].append(steps_per_second(backend, devices, args))

    print(
        f"`keras-gmgan fit --model {args.model} --dataset {args.dataset} --batch-size "
        f"{args.batch_size} --steps-per-epoch {args.steps_per_epoch}`, {args.epochs} epochs "
        f"minus 1, median of {args.repeats} interleaved rounds."
    )
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, no GPU; "
        f"{datetime.date.today()}; load average {os.getloadavg()[0]:.2f} at the end.\n"
    )
    print("| backend | 1 device, steps/s | 2 devices, steps/s | runs (1 / 2) | 2 ÷ 1 |")
    print("|---|---|---|---|---|")
    medians = {}
    for backend in args.backends:
        one, two = rates[backend, 1], rates[backend, 2]
        medians[backend] = (statistics.median(one), statistics.median(two))
        runs = f"{', '.join(f'{v:.1f}' for v in one)} / {', '.join(f'{v:.1f}' for v in two)}"
        print(
            f"| {backend} | {medians[backend][0]:.1f} | {medians[backend][1]:.1f} | {runs} | "
            f"{medians[backend][1] / medians[backend][0]:.2f} |"
        )
    if args.json:
        args.json.write_text(json.dumps({f"{b}/{d}": v for (b, d), v in rates.items()}))
    return medians


if __name__ == "__main__":
    main()
