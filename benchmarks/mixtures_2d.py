"""Mode coverage on the 2-D ring and grid: WGAN (clip / spectral / gp), GAN and GM-GAN.

The PacGAN/VEEGAN protocol: 100k training points, latent N(0, I₂), a fixed budget of generator
steps, then 2,500 generated points scored by `keras_gmgan.metrics.evaluate_mixture_2d` (modes
captured, share of high-quality samples, reverse KL). Each (data set, method) pair is trained
with several seeds; the table reports mean ± std and the seconds per run (compile included),
beside the published figures.

    KERAS_BACKEND=jax python benchmarks/mixtures_2d.py --seeds 5 --steps 10000

Settings (chosen by short tuning runs, see BENCHMARKS.mixtures_2d.md): 3×128 ReLU networks,
data standardised to unit variance per coordinate (samples are scaled back before scoring),
Adam 1e-3 decayed linearly to 0 over the budget (β=(0.5, 0.9)); WGANs: 5 critic steps of 64
points per generator step, gradient-penalty weight 0.1 (the WGAN-GP authors' toy setting),
clip value 0.1; GAN: batches of 256. Results are rewritten after every run, so an interrupted
benchmark still leaves a table.

Method `gmgan` is what `keras-gmgan fit --model gmgan --components K` trains: the recipe
`keras_gmgan.recipes.gmgan` with its 2-D defaults and one component per mode (K = 8 ring,
25 grid), fed the points in data units (its networks standardise them themselves);
`gmgan-ema` the same with `--ema-decay 0.999` (sampled with its generator's moving average).
`--gmgan-option NAME=VALUE` passes another argument of the recipe to both (e.g.
`--gmgan-option gp_weight=0.1 --gmgan-option n_critic=5`, the penalty in data units, for a
setting other than the defaults).
`gm-gan` is the earlier hand-built GAN with a 50-component prior.
"""

import argparse
import datetime
import inspect
import json
import os
import platform
import sys
import time
from pathlib import Path

import keras
import numpy as np

from keras_gmgan.datasets import get_mixture_2d
from keras_gmgan.layers import MixtureLatent
from keras_gmgan.metrics import evaluate_mixture_2d
from keras_gmgan.models import GAN, WGAN
from keras_gmgan.networks import build_toy_2d_discriminator, build_toy_2d_generator
from keras_gmgan.recipes import RECIPES, gmgan

#: Published (modes, high-quality %) and reverse KL, from the PacGAN paper (Lin et al. 2018).
PUBLISHED = {
    "grid": "GAN 17.3, 94.8 %, KL 0.70; PacGAN4 24.8, 93.6 %, KL 0.04; VEEGAN 24.6, 40 %",
    "ring": "GAN 6.3, 98.2 %; PacGAN4 7.8, 95.9 %; VEEGAN 8, 52.9 %",
}
TARGETS = {"grid": (25, 0.98), "ring": (8, 0.99)}
METHODS = ("gan", "clip", "spectral", "gp", "gm-gan", "gmgan", "gmgan-ema")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["ring", "grid"])
    parser.add_argument("--methods", nargs="+", default=["gan", "clip", "spectral", "gp"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=10_000, help="generator steps per run")
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64, help="points per critic step")
    parser.add_argument("--gan-batch-size", type=int, default=256)
    parser.add_argument("--n-critic", type=int, default=5)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--gp-weight", type=float, default=0.1)
    parser.add_argument("--clip-value", type=float, default=0.1)
    parser.add_argument("--gm-components", type=int, default=50, help="gm-gan prior's K")
    parser.add_argument("--gm-sigma", type=float, default=0.02)
    parser.add_argument("--out", type=Path, default=Path("BENCHMARKS.mixtures_2d.md"))
    parser.add_argument("--raw", type=Path, default=None, help="JSON of every run")
    parser.add_argument(
        "--gmgan-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an argument of keras_gmgan.recipes.gmgan for methods gmgan and gmgan-ema "
        "(e.g. lr_decay=none, gp_weight=1); repeat for several",
    )
    args = parser.parse_args()
    unknown = set(args.methods) - set(METHODS)
    if unknown:
        parser.error(f"unknown methods {sorted(unknown)}; choose from {', '.join(METHODS)}")
    args.gmgan_options = _recipe_options(parser, args.gmgan_option)
    return args


def _recipe_options(parser, pairs: list) -> dict:
    """`--gmgan-option NAME=VALUE` pairs as keyword arguments of `recipes.gmgan`: numbers as
    numbers, anything else as text."""
    accepted = set(inspect.signature(gmgan).parameters) - {
        "data_shape",
        "data_scale",
        "train_steps",
        "components",
        "seed",
    }
    options = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or name not in accepted:
            parser.error(
                f"--gmgan-option {pair!r}: give NAME=VALUE with NAME one of "
                f"{', '.join(sorted(accepted))}"
            )
        try:
            options[name] = int(text)
        except ValueError:
            try:
                options[name] = float(text)
            except ValueError:
                options[name] = text
    return options


def decaying_adam(lr: float, steps: int, beta_1: float = 0.5) -> keras.optimizers.Adam:
    """Adam whose learning rate falls linearly to 0 over `steps` updates: late, small steps
    let the generator settle inside modes only a few hundredths wide."""
    schedule = keras.optimizers.schedules.PolynomialDecay(lr, steps, end_learning_rate=0.0)
    return keras.optimizers.Adam(schedule, beta_1=beta_1, beta_2=0.9)


def build_model(method: str, args, seed: int):
    hidden = (args.units,) * args.layers
    generator = build_toy_2d_generator(2, hidden)
    if method in ("gan", "gm-gan"):
        latent = None
        if method == "gm-gan":
            latent = MixtureLatent(2, args.gm_components, c=1.0, sigma=args.gm_sigma, seed=seed)
        model = GAN(generator, build_toy_2d_discriminator(hidden), latent=latent, seed=seed)
        model.compile(
            d_optimizer=decaying_adam(args.lr, args.steps),
            g_optimizer=decaying_adam(args.lr, args.steps),
        )
        return model, args.gan_batch_size
    model = WGAN(
        generator,
        build_toy_2d_discriminator(hidden, spectral_norm=method == "spectral"),
        lipschitz=method,
        n_critic=args.n_critic,
        clip_value=args.clip_value,
        gp_weight=args.gp_weight,
        seed=seed,
    )
    model.compile(
        d_optimizer=decaying_adam(args.lr, args.steps * args.n_critic),
        g_optimizer=decaying_adam(args.lr, args.steps),
    )
    return model, args.n_critic * args.batch_size


def build_recipe_model(mixture, scale: float, args, seed: int, ema_decay=None):
    """The `gmgan` recipe with its 2-D defaults, one component per mode, and the batch
    `fit` gives it; it takes and draws data units (`scale` = 1 outside). With `ema_decay`
    it samples the moving average of its generator's weights (`fit --ema-decay`)."""
    options = {"ema_decay": ema_decay, **args.gmgan_options}
    model = gmgan((2,), scale, args.steps, components=mixture.num_modes, seed=seed, **options)
    return model, RECIPES["gmgan"].default_batch_size(args.gmgan_options, points=True)


def run_one(dataset: str, method: str, seed: int, args) -> dict:
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    mixture = get_mixture_2d(dataset)
    points = mixture.sample(100_000, seed=seed)
    scale = float(points.std())
    if method in ("gmgan", "gmgan-ema"):
        ema_decay = 0.999 if method == "gmgan-ema" else None
        model, fit_batch = build_recipe_model(mixture, scale, args, seed, ema_decay)
        scale = 1.0
    else:
        model, fit_batch = build_model(method, args, seed)
    # Exactly the points the budget consumes: reshuffled passes over the 100k set.
    rng = np.random.default_rng(seed)
    needed = args.steps * fit_batch
    passes = -(-needed // len(points))
    stream = np.concatenate([points[rng.permutation(len(points))] for _ in range(passes)])
    stream = stream[:needed] / scale
    start = time.perf_counter()
    model.fit(stream, batch_size=fit_batch, epochs=1, shuffle=False, verbose=0)
    seconds = time.perf_counter() - start
    trained = int(keras.ops.convert_to_numpy(model.g_optimizer.iterations))
    if trained != args.steps:
        raise SystemExit(
            f"{dataset} {method} seed {seed}: {trained} generator steps, not {args.steps}."
        )
    samples = model.generate(2500, seed=10_000 + seed) * scale
    if len(samples) != 2500:
        raise SystemExit(f"{dataset} {method} seed {seed}: scored {len(samples)} points, not 2500.")
    return {
        "dataset": dataset,
        "method": method,
        "seed": seed,
        "seconds": seconds,
        **evaluate_mixture_2d(samples, mixture),
    }


def _mean_std(values, fmt: str) -> str:
    values = np.asarray(values, dtype="float64")
    if len(values) == 1:
        return format(values[0], fmt)
    return f"{format(values.mean(), fmt)} ± {format(values.std(ddof=1), fmt)}"


def table(runs: list, args) -> str:
    lines = [
        "| data | method | seeds | modes | high quality % | reverse KL | s / run | target met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for dataset in args.datasets:
        for method in args.methods:
            rows = [r for r in runs if r["dataset"] == dataset and r["method"] == method]
            if not rows:
                continue
            num_modes, min_hq = TARGETS.get(dataset, (rows[0]["num_modes"], 0.0))
            met = sum(
                r["modes_captured"] == num_modes
                and r["high_quality"] >= min_hq
                and r["reverse_kl"] <= 0.02
                for r in rows
            )
            lines.append(
                f"| {dataset} | {method} | {len(rows)} | "
                f"{_mean_std([r['modes_captured'] for r in rows], '.1f')} / {num_modes} | "
                f"{_mean_std([100 * r['high_quality'] for r in rows], '.1f')} | "
                f"{_mean_std([r['reverse_kl'] for r in rows], '.3f')} | "
                f"{_mean_std([r['seconds'] for r in rows], '.0f')} | {met}/{len(rows)} |"
            )
    return "\n".join(lines)


def per_run_table(runs: list) -> str:
    lines = [
        "| data | method | seed | modes | HQ % | reverse KL | s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r['dataset']} | {r['method']} | {r['seed']} | {r['modes_captured']} | "
            f"{100 * r['high_quality']:.1f} | {r['reverse_kl']:.3f} | {r['seconds']:.0f} |"
        )
    return "\n".join(lines)


def write_report(runs: list, args, command: str) -> None:
    settings = {
        k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "raw"
    }
    text = "\n".join(
        [
            "# 2-D mode coverage: WGAN (clip / spectral / gp) and the vanilla GAN",
            "",
            f"- Command: `{command}`",
            f"- Backend: {keras.backend.backend()}, Keras {keras.__version__}; machine: 2-core "
            f"CPU, no GPU, shared with other jobs ({platform.machine()}); "
            f"date {datetime.date.today().isoformat()}",
            f"- Settings: `{json.dumps(settings)}`",
            "- Protocol: 100k training points, latent N(0, I₂) (gm-gan: a mixture prior), "
            "2,500 generated points; high quality = within 3 std of the nearest mean; target "
            "met = all modes, HQ ≥ 98 % (grid) / 99 % (ring) and reverse KL ≤ 0.02.",
            "",
            table(runs, args),
            "",
            "Published, PacGAN paper (modes, high-quality %, reverse KL):",
            "",
            *[f"- {name}: {figures}" for name, figures in PUBLISHED.items()],
            "",
            "<details><summary>Every run</summary>",
            "",
            per_run_table(runs),
            "",
            "</details>",
            "",
        ]
    )
    args.out.write_text(text)


def main():
    args = parse_args()
    command = "KERAS_BACKEND={} python benchmarks/mixtures_2d.py {}".format(
        os.environ.get("KERAS_BACKEND", keras.backend.backend()),
        " ".join(sys.argv[1:]),
    )
    runs = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for dataset in args.datasets:
            for method in args.methods:
                result = run_one(dataset, method, seed, args)
                runs.append(result)
                print(json.dumps(result), flush=True)
                write_report(runs, args, command)
                if args.raw:
                    args.raw.write_text(json.dumps(runs, indent=1))
    print(table(runs, args))


if __name__ == "__main__":
    main()
