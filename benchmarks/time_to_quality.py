"""Sample quality against training time: every model for the same wall-clock budget (issue 30).

    KERAS_BACKEND=jax KERAS_GMGAN_DATA=../shared/data python benchmarks/time_to_quality.py \\
        --seeds 0 1 2                                   # MNIST, checkpoints 2, 5, 10, 20, 30 min
    python benchmarks/time_to_quality.py --dataset fashion_mnist --seeds 0 --out ttq-fashion
    python benchmarks/time_to_quality.py --resume       # continue after an interruption
    python benchmarks/time_to_quality.py --quick        # smoke run: seconds, 200 samples
    python benchmarks/time_to_quality.py --report --models template gan --minutes 2 5 10 30
                                                        # tables and plot of what was measured

Trains, one after another, the course template's plain PyTorch loop (`TemplateGAN` of
`throughput.py`: MLP pair, BCE, Adam 2e-4, batch 64) and keras-gmgan's `gan`, `gmgan`,
`gmgan-dynamic`, `gmgan-supervised` and the Wasserstein GM-GAN (`gmgan --loss wgan-gp`, the best
Wasserstein variant in BENCHMARKS.md), each in its own process. keras-gmgan models are built
from the same command-line arguments a user gives `keras-gmgan fit` (its option parsing,
defaults and recipes) and trained with `fit` under a `TimeLimit` callback. Every model is
scored at fixed checkpoints of training wall-clock time (evaluation time excluded) with the
bundled extractor: FID, precision, recall, density, coverage, the class histogram and its
balance figures, of `--samples` generated images against as many test images.

A model's state (its `.keras` file or the template's weights, the figures so far and a grid
of 64 of the scored samples per checkpoint) is kept in `OUT/runs/<model>-seed<seed>/` after
every checkpoint, so `--resume` continues a run that outlived a session and skips the
checkpoints already measured. The script checks that it
measured what it reports (steps trained, time trained, images scored) and stops if not.

Writes OUT/report.md (one table per checkpoint, mean ± std over seeds), OUT/results.json
(every figure) and the plot of FID against minutes (`--plot`, default
docs/time_to_quality.png, docs/time_to_quality_fashion_mnist.png for Fashion-MNIST; in OUT
with --quick). Run it alone on an idle
machine: the budgets are wall-clock time.
"""

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: name → the `keras-gmgan fit` arguments that build it (None: the template's PyTorch loop).
MODELS = {
    "template": None,
    "gan": ["--model", "gan"],
    "gmgan": ["--model", "gmgan"],
    "gmgan-dynamic": ["--model", "gmgan-dynamic"],
    "gmgan-supervised": ["--model", "gmgan-supervised"],
    "gmgan-wgan-gp": ["--model", "gmgan", "--loss", "wgan-gp"],
    # Recipes to measure before they become defaults (not in the default --models). Each is
    # `gmgan`'s default of the day it was measured plus the flags shown; since 2026-12-05
    # that default packs pairs with the discriminator at 1e-4, so `--pac 1 --d-lr 3e-4`
    # (`gmgan-unpacked`) gives the earlier one.
    "gmgan-unpacked": ["--model", "gmgan", "--pac", "1", "--d-lr", "3e-4"],
    "gan-ema": ["--model", "gan", "--ema-decay", "0.999"],
    # `gmgan` samples the average by default now; the row stays so that earlier output
    # folders resume.
    "gmgan-ema": ["--model", "gmgan", "--ema-decay", "0.999"],
    # The static prior with gmgan-supervised's separated components (nearest means about
    # 1.5 radii apart, where the seeds' c = 0.467, σ = 0.7 overlap), measured before it
    # became gmgan's default; and the seeds' prior, gmgan's default before.
    "gmgan-wide": ["--model", "gmgan", "--c", "3", "--sigma", "1.4"],
    "gmgan-seed-prior": ["--model", "gmgan", "--c", "0.467", "--sigma", "0.7"],
    # A component head on the discriminator (InfoGAN's term), to make components clusters.
    "gmgan-info": ["--model", "gmgan", "--info-weight", "1"],
    # The best trial of the tuning sweep (BENCHMARKS.md), and its learning rate alone, which
    # became gmgan's default; gmgan's learning rate before.
    "gmgan-tuned": "--model gmgan --components 15 --c 0.76 --sigma 1.34 --lr 3e-4".split(),
    "gmgan-lr3e-4": ["--model", "gmgan", "--lr", "3e-4"],
    "gmgan-lr2e-4": ["--model", "gmgan", "--lr", "2e-4"],
    # A packed discriminator (PacGAN), which sees pairs or fours of samples, against the
    # digits the default draws too often or too rarely.
    "gmgan-pac2": ["--model", "gmgan", "--pac", "2"],
    "gmgan-pac4": ["--model", "gmgan", "--pac", "4"],
    # The packed discriminator at the previous, lower rate, for the seed it did not train on.
    "gmgan-pac2-lr2e-4": ["--model", "gmgan", "--pac", "2", "--lr", "2e-4"],
    # Both rates falling linearly to 0 over a run of known length (72,000 steps of 200-step
    # epochs, about 20 minutes of the 2-core CPU on 2026-12-05), against the drift of the
    # constant rate from 10 to 20 minutes.
    "gmgan-decay": ["--model", "gmgan", "--lr-decay", "linear", "--epochs", "360"],
    # The discriminator at a third of the generator's rate (two time-scale updates), alone
    # and with the packed discriminator, which outran its generator on one seed.
    "gmgan-dlr1e-4": ["--model", "gmgan", "--d-lr", "1e-4"],
    "gmgan-pac2-dlr1e-4": ["--model", "gmgan", "--pac", "2", "--d-lr", "1e-4"],
}
DEFAULT_MODELS = ("template", "gan", "gmgan", "gmgan-dynamic", "gmgan-supervised", "gmgan-wgan-gp")
DEFAULT_MINUTES = (2.0, 5.0, 10.0, 20.0, 30.0)
QUICK_MINUTES = (0.05, 0.1)  # 3 and 6 seconds
QUICK_SAMPLES = 200
#: Steps per `fit` epoch: only how often Keras reshuffles; the budget stops training.
STEPS_PER_EPOCH = 200
#: Epochs asked of each `fit` call: more than any budget can use, so the budget stops it.
EPOCHS_PER_CALL = 1_000_000
STATE_FILE = "state.json"
FIGURES = (
    ("fid", "FID ↓", ".1f"),
    ("precision", "precision", ".3f"),
    ("recall", "recall", ".3f"),
    ("coverage", "coverage", ".3f"),
    ("classes_covered", "classes", ".1f"),
    ("class_share_ratio", "max/min share", ".2f"),
    ("class_kl_to_uniform", "KL to uniform", ".3f"),
)


def check(condition: bool, message: str) -> None:
    """Stops the benchmark when it did not measure what it claims (kept under `python -O`)."""
    if not condition:
        raise RuntimeError(f"Measurement check failed: {message}")


# Workers: one process per model and seed --------------------------------------------------


class KerasGmganRunner:
    """A keras-gmgan model built and trained as `keras-gmgan fit ARGS` would build it."""

    def __init__(self, fit_args: list, dataset: str, seed: int, state_dir: Path):
        import keras

        from keras_gmgan.cli.fit import fit
        from keras_gmgan.datasets import load_dataset
        from keras_gmgan.recipes import RECIPES
        from keras_gmgan.runs import load_model

        args = [*fit_args, "--dataset", dataset, "--seed", str(seed)]
        args += ["--steps-per-epoch", str(STEPS_PER_EPOCH), "--verbose", "0"]
        context = fit.make_context("fit", args)
        self.recipe = RECIPES[context.params["model"]]
        points = dataset not in ("mnist", "fashion_mnist")
        self.options = self.recipe.with_defaults(dict(context.params), points)
        self.data = load_dataset(dataset, self.options["data"], seed=seed)
        self.path = state_dir / "model.keras"
        if self.path.exists():
            self.model = load_model(self.path)
        else:
            keras.utils.set_random_seed(seed)  # as `fit` does before it builds the model
            self.model = self.recipe.build(self.options, self.data)

    @property
    def steps(self) -> int:
        import keras

        return int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))

    def train(self, seconds: float, epoch: int) -> tuple:
        """Trains for `seconds` from epoch `epoch`; returns (steps, seconds, next epoch)."""
        from keras_gmgan.callbacks import TimeLimit

        batches = self.recipe.make_batches(self.options, self.data, initial_epoch=epoch)
        limit = TimeLimit(seconds)
        before = self.steps
        history = self.model.fit(
            batches,
            epochs=epoch + EPOCHS_PER_CALL,
            initial_epoch=epoch,
            shuffle=False,
            callbacks=[limit],
            verbose=0,
        )
        steps = self.steps - before
        check(limit.reached, f"fit stopped before its {seconds:.1f}-s budget")
        check(steps == limit.steps > 0, f"the optimizer took {steps} steps, fit ran {limit.steps}")
        return steps, limit.seconds, epoch + len(history.epoch)

    def generate(self, n: int, seed: int):
        return self.model.generate(n, seed=seed)

    def save(self) -> None:
        from keras_gmgan.runs import save_model_atomic

        save_model_atomic(self.model, self.path)


class TemplateRunner:
    """The course template's PyTorch loop (`throughput.TemplateGAN`) on the real data."""

    def __init__(self, dataset: str, seed: int, state_dir: Path):
        import torch
        from throughput import TemplateGAN

        from keras_gmgan.datasets import load_dataset

        self.torch = torch
        self.data = load_dataset(dataset, None, seed=seed)
        self.template = TemplateGAN(seed=seed)
        self.path = state_dir / "template.npz"
        self.steps = 0
        if self.path.exists():
            self._load()
        images = torch.from_numpy(self.data.x_train.transpose(0, 3, 1, 2).astype("float32"))
        self.stream = self.template.loader(images)

    def train(self, seconds: float, epoch: int) -> tuple:
        steps, started = 0, time.perf_counter()
        while True:
            (x,) = next(self.stream)
            self.template.step(x)
            steps += 1
            elapsed = time.perf_counter() - started
            if elapsed >= seconds:
                break
        self.steps += steps
        return steps, elapsed, epoch

    def generate(self, n: int, seed: int):
        import numpy as np
        from throughput import LATENT

        torch = self.torch
        noise = torch.Generator().manual_seed(seed)
        chunks = []
        with torch.no_grad():
            for start in range(0, n, 500):
                z = torch.randn(min(500, n - start), LATENT, generator=noise)
                chunks.append(self.template.generator(z).view(-1, 28, 28, 1).numpy())
        return np.concatenate(chunks)

    def _modules(self):
        t = self.template
        return {"g": t.generator, "d": t.discriminator}, {
            "g_opt": t.g_optimizer,
            "d_opt": t.d_optimizer,
        }

    def save(self) -> None:
        """Weights, Adam moments and the RNG state as a plain .npz (nothing pickled)."""
        import numpy as np

        modules, optimizers = self._modules()
        arrays = {"steps": np.array(self.steps), "rng": self.torch.get_rng_state().numpy()}
        for prefix, module in modules.items():
            for key, tensor in module.state_dict().items():
                arrays[f"{prefix}/{key}"] = tensor.numpy()
        for prefix, optimizer in optimizers.items():
            for index, state in optimizer.state_dict()["state"].items():
                for key, value in state.items():
                    arrays[f"{prefix}/{index}/{key}"] = value.numpy()
        temporary = self.path.with_name(f".{self.path.stem}.tmp.npz")
        np.savez(temporary, **arrays)
        os.replace(temporary, self.path)

    def _load(self) -> None:
        import numpy as np

        torch = self.torch
        modules, optimizers = self._modules()
        with np.load(self.path, allow_pickle=False) as saved:
            arrays = {key: saved[key] for key in saved.files}
        self.steps = int(arrays["steps"])
        torch.set_rng_state(torch.from_numpy(arrays["rng"]))
        for prefix, module in modules.items():
            module.load_state_dict(
                {key: torch.from_numpy(arrays[f"{prefix}/{key}"]) for key in module.state_dict()}
            )
        for prefix, optimizer in optimizers.items():
            state_dict = optimizer.state_dict()
            state = {}
            for name, value in arrays.items():
                parts = name.split("/")
                if parts[0] == prefix and len(parts) == 3:
                    state.setdefault(int(parts[1]), {})[parts[2]] = torch.from_numpy(value)
            state_dict["state"] = state
            optimizer.load_state_dict(state_dict)


def worker(args) -> None:
    """Trains one model and seed to every checkpoint, evaluating and saving at each."""
    import numpy as np

    from keras_gmgan.metrics import Evaluator
    from keras_gmgan.runs import write_json_atomic
    from keras_gmgan.visualization import save_image_grid

    state_dir = Path(args.out) / "runs" / f"{args.worker}-seed{args.seed}"
    state_dir.mkdir(parents=True, exist_ok=True)
    state = read_state(state_dir) or {
        "model": args.worker,
        "fit_args": MODELS[args.worker],
        "seed": args.seed,
        "dataset": args.dataset,
        "samples": args.samples,
        "train_seconds": 0.0,
        "steps": 0,
        "epochs": 0,
        "checkpoints": [],
    }
    if args.worker == "template":
        runner = TemplateRunner(args.dataset, args.seed, state_dir)
    else:
        runner = KerasGmganRunner(MODELS[args.worker], args.dataset, args.seed, state_dir)
    check(
        runner.steps == state["steps"],
        f"the saved model has {runner.steps} steps, its state {state['steps']}",
    )
    real = runner.data.x_test[: args.samples]
    check(len(real) == args.samples, f"only {len(real)} test images for {args.samples} samples")
    evaluator = Evaluator(real, extractor=args.dataset)
    done = len(state["checkpoints"])
    for minutes in args.minutes[done:]:
        budget = minutes * 60 - state["train_seconds"]
        steps = 0
        if budget > 0:  # else an earlier stretch overshot this checkpoint: measure it as is
            steps, seconds, state["epochs"] = runner.train(budget, state["epochs"])
            state["train_seconds"] += seconds
            state["steps"] += steps
        check(runner.steps == state["steps"], "steps counted and steps trained differ")
        started = time.perf_counter()
        generated = runner.generate(args.samples, seed=args.seed)
        check(generated.shape == (args.samples, 28, 28, 1), f"generated {generated.shape}")
        check(bool(np.all(np.isfinite(generated))), "non-finite generated pixels")
        report = evaluator.evaluate(generated)
        save_image_grid(generated[:64], state_dir / f"grid-{minutes:g}min.png")
        check(
            report["n_generated"] == args.samples == sum(report["class_histogram"]),
            f"scored {report['n_generated']} images, asked for {args.samples}",
        )
        record = {
            "minutes": minutes,
            "train_seconds": round(state["train_seconds"], 3),
            "steps": state["steps"],
            "steps_since_last": steps,
            "eval_seconds": round(time.perf_counter() - started, 2),
            **{key: value for key, value in report.items() if key != "extractor"},
        }
        state["checkpoints"].append(record)
        runner.save()
        write_json_atomic(state_dir / STATE_FILE, state)
        print(json.dumps({key: record[key] for key in ("minutes", "steps", "fid")}), flush=True)


def read_state(state_dir: Path):
    path = Path(state_dir) / STATE_FILE
    return json.loads(path.read_text()) if path.exists() else None


# The driver ---------------------------------------------------------------------------------


def run_worker(args, model: str, seed: int) -> None:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.setdefault("KERAS_BACKEND", "jax")
    command = [
        sys.executable,
        __file__,
        "--worker",
        model,
        "--seed",
        str(seed),
        "--out",
        str(args.out),
        "--dataset",
        args.dataset,
        "--samples",
        str(args.samples),
        "--minutes",
        *map(str, args.minutes),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{model} (seed {seed}) failed:\n{completed.stderr[-3000:]}")
    for line in completed.stdout.splitlines():
        print(f"  {model} seed {seed}: {line}", flush=True)


def check_resumable(args, state_dir: Path) -> bool:
    """Whether the saved state covers every checkpoint; errors if it cannot be continued."""
    state = read_state(state_dir)
    if state is None:
        return False
    for key in ("dataset", "samples"):
        if state[key] != getattr(args, key):
            sys.exit(
                f"error: {state_dir} was measured with --{key} {state[key]}; resume with "
                f"the same, or choose another --out."
            )
    done = [record["minutes"] for record in state["checkpoints"]]
    if done != list(args.minutes[: len(done)]):
        sys.exit(
            f"error: {state_dir} holds checkpoints at {done} minutes, which --minutes "
            f"{' '.join(map(str, args.minutes))} does not start with; resume with them."
        )
    return len(done) == len(args.minutes)


def mean_std(values: list, spec: str) -> str:
    if any(math.isnan(v) for v in values):
        return "nan"
    if any(math.isinf(v) for v in values):
        return "inf"  # a class missing in some seed: the ratio of shares has no finite mean
    if len(values) == 1:
        return format(values[0], spec)
    return f"{statistics.mean(values):{spec}} ± {statistics.stdev(values):{spec}}"


def report_markdown(args, runs: dict, skipped: dict) -> str:
    seeds = ", ".join(map(str, args.seeds))
    lines = [
        f"# Time to quality on {args.dataset} ({datetime.date.today()})",
        "",
        f"Backend {os.environ.get('KERAS_BACKEND', 'jax')}, {platform.machine()}, "
        f"{os.cpu_count()} CPU cores; {args.samples} generated vs {args.samples} test images, "
        f"bundled extractor; seeds {seeds}. Minutes are training wall-clock time "
        "(evaluation excluded); `train s` is the time actually trained when the checkpoint "
        "was scored.",
    ]
    lines += [f"\nNot run: {name} ({why})." for name, why in skipped.items()]
    header = "| model | seeds | train s | steps | " + " | ".join(t for _, t, _ in FIGURES)
    for index, minutes in enumerate(args.minutes):
        lines += ["", f"## After {minutes:g} min of training (mean ± std over seeds {seeds})", ""]
        lines += [header + " | class histogram (first seed) |", "|---" * (len(FIGURES) + 5) + "|"]
        for model, by_seed in runs.items():
            records = [
                state["checkpoints"][index]
                for state in by_seed.values()
                if len(state["checkpoints"]) > index
            ]
            if not records:  # --report: this model was not trained this long
                continue
            cells = [
                model,
                str(len(records)),
                mean_std([r["train_seconds"] for r in records], ".0f"),
                mean_std([float(r["steps"]) for r in records], ".0f"),
            ]
            cells += [mean_std([float(r[key]) for r in records], spec) for key, _, spec in FIGURES]
            cells.append(" ".join(map(str, records[0]["class_histogram"])))
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_fid(args, runs: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    for model, by_seed in runs.items():
        fids = [[r["fid"] for r in state["checkpoints"]] for state in by_seed.values()]
        means = [statistics.mean(values) for values in zip(*fids)]
        spread = [statistics.stdev(v) if len(v) > 1 else 0.0 for v in zip(*fids)]
        minutes = args.minutes[: len(means)]  # --report: as far as the model was trained
        axes.errorbar(minutes, means, yerr=spread, marker="o", capsize=3, label=model)
    axes.set_xlabel("training wall-clock minutes")
    axes.set_ylabel(f"FID, {args.samples} samples (bundled extractor)")
    axes.set_yscale("log")
    axes.set_title(f"Sample quality against training time, {args.dataset}")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=sorted(MODELS), default=None)
    parser.add_argument(
        "--minutes",
        nargs="+",
        type=float,
        default=None,
        help="checkpoints of training time (default 2 5 10 20 30)",
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--dataset", choices=["mnist", "fashion_mnist"], default="mnist")
    parser.add_argument("--samples", type=int, default=None, help="default 10000")
    parser.add_argument("--out", type=Path, default=Path("time_to_quality"))
    parser.add_argument("--plot", type=Path, default=None)
    parser.add_argument("--quick", action="store_true", help="budgets of seconds, 200 samples")
    parser.add_argument("--resume", action="store_true", help="continue --out's runs")
    parser.add_argument(
        "--report",
        action="store_true",
        help="train nothing: report --out's runs as far as each was trained (e.g. the "
        "template to 30 min, the others to 10)",
    )
    parser.add_argument("--worker", choices=sorted(MODELS), help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.minutes = sorted(args.minutes or (QUICK_MINUTES if args.quick else DEFAULT_MINUTES))
    args.samples = args.samples or (QUICK_SAMPLES if args.quick else 10_000)
    if args.samples < 10 or args.minutes[0] <= 0:
        parser.error("--samples must be at least 10 and --minutes positive")
    if args.worker:
        return worker(args)

    models = list(args.models or DEFAULT_MODELS)
    skipped = {}
    if "template" in models:
        try:
            import torch  # noqa: F401
        except ImportError:
            models.remove("template")
            skipped["template"] = "torch is not installed"
    if args.out.exists() and any(args.out.iterdir()) and not (args.resume or args.report):
        parser.error(f"{args.out} exists; pass --resume to continue it, or choose another --out")
    name = (
        "time_to_quality.png" if args.dataset == "mnist" else f"time_to_quality_{args.dataset}.png"
    )
    plot = args.plot or (args.out / name if args.quick else ROOT / "docs" / name)
    started = time.time()
    runs = {model: {} for model in models}
    for seed in args.seeds:
        for model in models:
            state_dir = args.out / "runs" / f"{model}-seed{seed}"
            if args.report:
                check(read_state(state_dir) is not None, f"{state_dir} holds no measurements")
            elif check_resumable(args, state_dir):
                print(f"{model} seed {seed}: every checkpoint measured already", flush=True)
            else:
                print(f"{model} seed {seed}: training to {args.minutes[-1]:g} min", flush=True)
                run_worker(args, model, seed)
            state = read_state(state_dir)
            records = state["checkpoints"]
            expected = args.minutes[: len(records)] if args.report else args.minutes
            check(
                records and [r["minutes"] for r in records] == expected,
                f"{model} seed {seed} holds checkpoints {[r['minutes'] for r in records]}",
            )
            for before, after in zip(records, records[1:]):
                check(
                    after["steps"] == before["steps"] + after["steps_since_last"],
                    f"{model} seed {seed}: the steps between checkpoints do not add up",
                )
            for record in records:
                check(
                    record["train_seconds"] >= record["minutes"] * 60 and record["steps"] > 0,
                    f"{model} seed {seed} was scored before its budget was trained",
                )
                check(
                    record["n_generated"] == args.samples,
                    f"{model} seed {seed}: {record['n_generated']} images scored",
                )
            runs[model][seed] = state

    markdown = report_markdown(args, runs, skipped)
    (args.out / "report.md").write_text(markdown)
    results = {
        "dataset": args.dataset,
        "minutes": args.minutes,
        "samples": args.samples,
        "seeds": args.seeds,
        "backend": os.environ.get("KERAS_BACKEND", "jax"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
        "date": str(datetime.date.today()),
        "skipped": skipped,
        "runs": {
            model: {str(seed): state for seed, state in by_seed.items()}
            for model, by_seed in runs.items()
        },
    }
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    if runs:
        plot_fid(args, runs, plot)
    print(markdown)
    print(
        f"Wrote {args.out / 'report.md'}, {args.out / 'results.json'} and {plot} "
        f"({time.time() - started:.0f} s)."
    )


if __name__ == "__main__":
    main()
