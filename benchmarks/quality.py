"""Sample quality of every model at one budget, on MNIST and Fashion-MNIST (issue 9).

    KERAS_BACKEND=jax KERAS_GMGAN_DATA=../shared/data python benchmarks/quality.py \\
        --datasets mnist fashion_mnist --seeds 0 1 2 --epochs 10 --steps-per-epoch 500
    python benchmarks/quality.py --quick                     # smoke run, a few minutes
    python benchmarks/quality.py --backends jax,tensorflow,torch   # backend parity

It drives the command line, so it measures exactly what users run: `keras-gmgan fit` for
each model (same epochs × steps per epoch, same seed), `keras-gmgan refit-latent` for the EM
variant of the vanilla GAN, then `keras-gmgan evaluate` on 10,000 samples (and again with
`--drs` where the discriminator is a BCE one). GM-GAN "warm" starts from that seed's vanilla
GAN run, so it has seen twice the steps; the table's `steps` column says so.

Writes a markdown report (`--out`): mean ± std over seeds of FID, precision, recall,
density, coverage, classes covered, conditional accuracy (supervised) and clustering accuracy
(unsupervised mixtures), the real-vs-real FID floor, training seconds and the backend; sample
grids under `docs/quality/`; a σ-scale sweep of the static GM-GAN as a plot. With
`--backends` it trains the vanilla GAN and the supervised GM-GAN under each backend instead and
reports their metrics and steps/s side by side.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: name → (fit arguments, whether DRS applies). "warm" and "em" are built from the GAN's run.
MODELS = {
    "gan": (["--model", "gan"], True),
    "gmgan": (["--model", "gmgan"], True),
    "gmgan-warm": (["--model", "gmgan"], True),
    "gmgan-dynamic": (["--model", "gmgan-dynamic"], True),
    "gmgan-supervised": (["--model", "gmgan-supervised"], False),
    "gmgan-wgan-gp": (["--model", "gmgan", "--loss", "wgan-gp"], False),
    "gan-em": (None, True),
}
PARITY_MODELS = ("gan", "gmgan-supervised")
SIGMA_SCALES = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5)
COLUMNS = (
    ("fid", "FID", ".2f"),
    ("precision", "precision", ".3f"),
    ("recall", "recall", ".3f"),
    ("density", "density", ".3f"),
    ("coverage", "coverage", ".3f"),
    ("classes_covered", "classes", ".1f"),
    ("conditional_accuracy", "cond. acc.", ".3f"),
    ("clustering_accuracy", "clust. acc.", ".3f"),
    ("fid_floor", "FID floor", ".2f"),
    ("train_seconds", "train s", ".0f"),
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion_mnist"])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--steps-per-epoch", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--n", type=int, default=10_000, help="generated images evaluated")
    parser.add_argument("--refit-images", type=int, default=2000)
    parser.add_argument("--refit-steps", type=int, default=500)
    parser.add_argument("--no-drs", action="store_true", help="skip the rejection-sampling rows")
    parser.add_argument(
        "--drs-seeds",
        type=int,
        default=None,
        help="rejection-sampling rows for the first N seeds only (a DRS evaluation costs about "
        "twice a plain one)",
    )
    parser.add_argument("--no-sweep", action="store_true", help="skip the σ-scale sweep")
    parser.add_argument("--backends", default=None, help="parity mode, e.g. jax,tensorflow,torch")
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny budget, mnist")
    parser.add_argument("--work", type=Path, default=Path("quality_runs"))
    parser.add_argument("--docs", type=Path, default=ROOT / "docs" / "quality")
    parser.add_argument("--out", type=Path, default=Path("BENCHMARKS.quality.md"))
    args = parser.parse_args()
    if args.quick:
        args.datasets, args.seeds = ["mnist"], [0]
        args.epochs, args.steps_per_epoch, args.n = 1, 20, 200
        args.refit_images, args.refit_steps = 64, 20
        args.docs = args.work / "docs"
    return args


def cli(backend: str, *arguments) -> None:
    """Runs `keras-gmgan ARGUMENTS` under `backend`; a failure stops the benchmark."""
    env = {**os.environ, "KERAS_BACKEND": backend}
    command = [sys.executable, "-m", "keras_gmgan.cli.main", *map(str, arguments)]
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command[2:])} failed:\n{completed.stderr[-3000:]}")


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


def train(name: str, dataset: str, seed: int, backend: str, args) -> Path:
    """The run directory of `name` (trained now unless a finished run is already there)."""
    out = args.work / backend / dataset / f"{name}-seed{seed}"
    if (out / "results.json").exists():
        return out
    fit_args, _ = MODELS[name]
    extra = []
    if name == "gmgan-warm":
        extra = ["--init-from", train("gan", dataset, seed, backend, args)]
    if name == "gan-em":
        gan_run = train("gan", dataset, seed, backend, args)
        cli(
            backend, "refit-latent", gan_run,
            "--n", args.refit_images, "--steps", args.refit_steps, "--seed", seed,
        )  # fmt: skip
        return gan_run
    cli(
        backend, "fit", *fit_args, *extra,
        "--dataset", dataset, "--epochs", args.epochs,
        "--steps-per-epoch", args.steps_per_epoch, "--batch-size", args.batch_size,
        "--seed", seed, "--verbose", 0, "--out", out, "--overwrite",
    )  # fmt: skip
    return out


def evaluate(name, run: Path, dataset, seed, backend, args, drs=False, sigma_scale=1.0) -> dict:
    source = run / "model-refit.keras" if name == "gan-em" else run
    tag = f"{'drs' if drs else 'plain'}-s{sigma_scale}"
    report = args.work / backend / dataset / f"{name}-seed{seed}-{tag}.json"
    if not report.exists():
        extra = ["--drs"] if drs else []
        if sigma_scale != 1.0:
            extra += ["--sigma-scale", sigma_scale]
        cli(
            backend, "evaluate", source, "--real", dataset, "--n", args.n,
            "--seed", seed, "--json", report, *extra,
        )  # fmt: skip
    results = read_json(report)
    training = read_json(run / "results.json")
    results["train_seconds"] = training["train_seconds"]
    results["steps_per_second"] = training["steps_per_second"]
    results["steps"] = training["steps"] * (2 if name == "gmgan-warm" else 1)
    return results


def save_grid(name: str, run: Path, dataset: str, backend: str, args) -> None:
    """The last epoch's sample grid (the refit model's own grid for gan-em)."""
    args.docs.mkdir(parents=True, exist_ok=True)
    target = args.docs / f"{dataset}_{name}.png"
    if name == "gan-em":
        samples = args.work / backend / dataset / "gan-em-samples"
        cli(backend, "generate", run / "model-refit.keras", "--n", 64, "--out", samples,
            "--overwrite")  # fmt: skip
        shutil.copyfile(samples / "grid.png", target)
        return
    grids = sorted((run / "samples").glob("epoch_*.png"))
    shutil.copyfile(grids[-1], target)


def cell(rows: list, key: str, fmt: str) -> str:
    values = [row[key] for row in rows if row.get(key) is not None]
    if not values:
        return "–"
    if len(values) == 1:
        return format(values[0], fmt)
    return f"{format(statistics.mean(values), fmt)} ± {format(statistics.stdev(values), fmt)}"


def table(results: dict, label: str) -> list:
    header = f"| {label} | sampling | seeds | steps | " + " | ".join(c[1] for c in COLUMNS)
    lines = [header + " |", "|" + "---|" * (4 + len(COLUMNS))]
    for (row_label, sampling), rows in results.items():
        steps = cell(rows, "steps", ".0f")
        values = " | ".join(cell(rows, key, fmt) for key, _, fmt in COLUMNS)
        lines.append(f"| {row_label} | {sampling} | {len(rows)} | {steps} | {values} |")
    return lines


def sigma_sweep(dataset: str, backend: str, args) -> list:
    """FID, precision and recall of the static GM-GAN (seed 0) as σ-scale goes 0.25 → 1.5."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seed = args.seeds[0]
    run = train("gmgan", dataset, seed, backend, args)
    points = [
        evaluate("gmgan", run, dataset, seed, backend, args, sigma_scale=s) for s in SIGMA_SCALES
    ]
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(SIGMA_SCALES, [p["fid"] for p in points], "o-")
    left.set(xlabel="σ-scale", ylabel="FID", title=f"static GM-GAN, {dataset}")
    for key in ("precision", "recall"):
        right.plot(SIGMA_SCALES, [p[key] for p in points], "o-", label=key)
    right.set(xlabel="σ-scale", ylim=(0, 1), title="quality vs diversity")
    right.legend()
    figure.tight_layout()
    args.docs.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.docs / f"{dataset}_sigma_sweep.png", dpi=100)
    plt.close(figure)
    lines = ["| σ-scale | FID | precision | recall |", "|---|---|---|---|"]
    for scale, p in zip(SIGMA_SCALES, points):
        lines.append(f"| {scale} | {p['fid']:.2f} | {p['precision']:.3f} | {p['recall']:.3f} |")
    return lines


def targets(results: dict) -> list:
    """The issue's targets, each marked met or missed from the plain-sampling means."""

    def mean(name, key):
        rows = results.get((name, "plain"), [])
        values = [r[key] for r in rows if r.get(key) is not None]
        return statistics.mean(values) if values else None

    lines = []
    gan_fid = mean("gan", "fid")
    mixtures = [n for n in MODELS if n.startswith("gmgan") or n == "gan-em"]
    fids = {n: mean(n, "fid") for n in mixtures if mean(n, "fid") is not None}
    if gan_fid is not None and fids:
        worse = [n for n, f in fids.items() if f > gan_fid]
        best = min(fids, key=fids.get)
        lines.append(
            f"- Every mixture variant's FID ≤ the GAN's ({gan_fid:.2f}): "
            f"{'met' if not worse else 'missed by ' + ', '.join(worse)}."
        )
        lines.append(
            f"- Best mixture FID ≤ half the GAN's: best is {best} at {fids[best]:.2f} → "
            f"{'met' if fids[best] <= gan_fid / 2 else 'missed'}."
        )
    conditional = mean("gmgan-supervised", "conditional_accuracy")
    if conditional is not None:
        verdict = "met" if conditional >= 0.99 else "missed"
        lines.append(f"- Supervised conditional accuracy ≥ 99 %: {conditional:.3f} → {verdict}.")
    for name in ("gmgan", "gmgan-dynamic", "gmgan-warm"):
        clustering = mean(name, "clustering_accuracy")
        if clustering is not None:
            verdict = "met" if clustering >= 0.9 else "missed"
            lines.append(f"- {name} clustering accuracy ≥ 90 %: {clustering:.3f} → {verdict}.")
    both = {
        n: (mean(n, "precision"), mean(n, "recall"))
        for n in MODELS
        if mean(n, "precision") is not None
    }
    if both:
        name, (p, r) = max(both.items(), key=lambda item: min(item[1]))
        verdict = "met" if min(p, r) >= 0.8 else "missed"
        lines.append(f"- Precision and recall ≥ 0.8 (best: {name}, {p:.3f} / {r:.3f}): {verdict}.")
    return lines


def quality_report(args, backend: str) -> list:
    lines = []
    for dataset in args.datasets:
        results = {}
        for name in args.models:
            for seed in args.seeds:
                run = train(name, dataset, seed, backend, args)
                results.setdefault((name, "plain"), []).append(
                    evaluate(name, run, dataset, seed, backend, args)
                )
                drs_seeds = args.seeds[: args.drs_seeds]  # all seeds when --drs-seeds is None
                if MODELS[name][1] and not args.no_drs and seed in drs_seeds:
                    results.setdefault((name, "DRS"), []).append(
                        evaluate(name, run, dataset, seed, backend, args, drs=True)
                    )
                print(f"{dataset} {name} seed {seed} done", flush=True)
            save_grid(name, run, dataset, backend, args)
        lines += [f"### {dataset}", "", *table(results, "model"), "", *targets(results), ""]
        grids = " ".join(
            f"![{name}]({(args.docs / f'{dataset}_{name}.png').relative_to(ROOT)})"
            for name in args.models
            if (args.docs / f"{dataset}_{name}.png").is_relative_to(ROOT)
        )
        lines += [grids, ""] if grids else []
        if not args.no_sweep and "gmgan" in args.models:
            lines += [f"σ-scale sweep, static GM-GAN, {dataset}:", ""]
            lines += [*sigma_sweep(dataset, backend, args), ""]
    return lines


def parity_report(args, backends: list) -> list:
    lines = []
    for dataset in args.datasets:
        results = {}
        for backend in backends:
            for name in PARITY_MODELS:
                for seed in args.seeds:
                    run = train(name, dataset, seed, backend, args)
                    results.setdefault((f"{name} ({backend})", "plain"), []).append(
                        evaluate(name, run, dataset, seed, backend, args)
                    )
        lines += [f"### Backend parity, {dataset}", "", *table(results, "model (backend)"), ""]
        lines += ["| model (backend) | steps/s |", "|---|---|"]
        for (label, _), rows in results.items():
            lines.append(f"| {label} | {cell(rows, 'steps_per_second', '.1f')} |")
        lines.append("")
    return lines


def main():
    args = parse_args()
    started = time.time()
    command = "python benchmarks/quality.py " + " ".join(sys.argv[1:])
    if args.backends:
        backends = args.backends.split(",")
        body = parity_report(args, backends)
    else:
        backends = [os.environ.get("KERAS_BACKEND", "jax")]
        body = quality_report(args, backends[0])
    header = [
        "## Sample quality (issue 9)",
        "",
        f"- Command: `KERAS_BACKEND={backends[0]} {command}`",
        f"- Backends: {', '.join(backends)}; machine: {platform.machine()}, "
        f"{os.cpu_count()} CPU cores, no GPU; date {datetime.date.today().isoformat()}; "
        f"{(time.time() - started) / 60:.0f} min in all.",
        f"- Budget: {args.epochs} epochs × {args.steps_per_epoch} steps of {args.batch_size} per "
        f"model, seeds {args.seeds}, {args.n} generated vs {args.n} test images with the "
        "bundled extractor of each data set; the floor compares random train images with them.",
        "",
    ]
    args.out.write_text("\n".join(header + body) + "\n")
    print("\n".join(header + body))


if __name__ == "__main__":
    main()
