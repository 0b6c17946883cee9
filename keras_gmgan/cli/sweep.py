"""`keras-gmgan sweep`: search `fit` options with Optuna; each trial is a `fit` run directory.

The search itself lives in `keras_gmgan.sweeps`; this module parses the options, checks
every searched value against `fit`'s own options and rules (so a sweep that would fail in
every trial fails at once, with fit's message), and prints.
"""

from pathlib import Path

import click

from keras_gmgan.recipes import RECIPES
from keras_gmgan.recipes.options import FIT_OPTIONS
from keras_gmgan.sweeps import OBJECTIVES

#: fit options the sweep itself sets for every trial.
SET_BY_SWEEP = ("model", "seed", "out", "overwrite", "resume", "verbose")


def _kind_of(name: str) -> str:
    """What sort of fit option `name` is, for `keras_gmgan.sweeps.parse_param`."""
    from keras_gmgan.sweeps import SweepError

    option = FIT_OPTIONS.get(name)
    flag = "--" + name.replace("_", "-")
    if option is None:
        raise SweepError(
            f"--param {name}: fit has no option {flag}; name one of the options "
            "`keras-gmgan fit --help` lists (e.g. lr, c, sigma, components)."
        )
    if name in SET_BY_SWEEP:
        raise SweepError(
            f"--param {name}: the sweep sets {flag} for every trial; search another option."
        )
    if option.kind in ("flag", "choice", "int", "float"):
        return option.kind
    raise SweepError(
        f"--param {name}: {flag} is neither a number nor a choice, so a sweep cannot search "
        "it; set it as a fixed fit option."
    )


def _check_with_fit(model: str, args: list, problem: str = "") -> click.Context:
    """Parses `fit --model MODEL ARGS` with fit's own options and runs fit's check of which
    options apply to which model; its message, prefixed with `problem`, on failure."""
    from keras_gmgan.cli.fit import check_options, fit

    try:
        ctx = fit.make_context("fit", ["--model", model, *map(str, args)])
        check_options(ctx)
    except click.UsageError as error:
        raise click.UsageError(f"{problem}{error.format_message()}") from None
    return ctx


def _check_fit_args(fit_args: tuple, params: list) -> None:
    from keras_gmgan.sweeps import SweepError

    for arg in fit_args:
        name = arg.split("=")[0].lstrip("-").replace("-", "_")
        if arg.startswith("--") and name in SET_BY_SWEEP:
            raise SweepError(
                f"{arg.split('=')[0]}: the sweep sets it for every trial (trial-NNNN/ in --out); "
                "drop it."
            )
        if arg.startswith("--") and name in {param.name for param in params}:
            raise SweepError(
                f"{arg.split('=')[0]} is both searched (--param) and fixed; drop one of them."
            )


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("fit_args", nargs=-1, type=click.UNPROCESSED)
@click.option(
    "--model",
    type=click.Choice(sorted(RECIPES)),
    default="gmgan",
    show_default=True,
    help="The model every trial trains.",
)
@click.option(
    "--param",
    "param_texts",
    multiple=True,
    required=True,
    help="A searched fit option: NAME=LOW:HIGH (uniform), NAME=LOW:HIGH:log, "
    "NAME=LOW:HIGH:int, or choices NAME=a,b,c. Repeat for several.",
)
@click.option("--trials", type=click.IntRange(min=1), default=20, show_default=True,
              help="Trials the study ends with, all workers together.")  # fmt: skip
@click.option(
    "--objective",
    type=click.Choice(sorted(OBJECTIVES)),
    default=None,
    help="What to optimise, read from each finished run (default: accuracy for sgan, modes "
    "for the 2-D mixtures, else fid). balance is the largest class share over the smallest.",
)
@click.option(
    "--direction",
    type=click.Choice(["minimize", "maximize"]),
    default=None,
    help="Default: the objective's (fid, balance, reverse-kl: minimize; the others: maximize).",
)
@click.option(
    "--storage",
    default=None,
    help="Optuna database URL shared by workers (default sqlite:///OUT/study.sqlite3).",
)
@click.option("--study-name", default=None, help="Default: the --out folder's name.")
@click.option("--pruner", type=click.Choice(["median", "none"]), default="median",
              show_default=True,
              help="Stop trials whose --eval-every evaluations fall below the median.")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the sampler and of every trial's fit.")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="The sweep folder; rerun the same command to continue its study.")  # fmt: skip
def sweep(fit_args, model, param_texts, trials, objective, direction, storage, study_name,
          pruner, seed, out):  # fmt: skip
    """Search fit options with Optuna: each trial is `keras-gmgan fit ... --out OUT/trial-NNNN`.

    Other options (--epochs 10, --dataset, --eval-every N, ...) go to every fit unchanged.
    Example: keras-gmgan sweep --model gmgan --param c=0.1:5:log --param sigma=0.01:1:log
    --param components=5:20:int --epochs 10 --eval-every 500 --objective fid --out sweeps/gm

    Writes OUT/best.json, OUT/trials.csv and OUT/plots/ (objective per trial, parameter
    importances, a slice per parameter). Several processes or machines can work on one
    study by giving the same --storage.
    """
    from keras_gmgan import sweeps
    from keras_gmgan.sweep_report import write_report

    try:
        params = [sweeps.parse_param(text, _kind_of) for text in param_texts]
        names = [param.name for param in params]
        if len(set(names)) < len(names):
            raise sweeps.SweepError("The same option is searched by two --param; give each once.")
        _check_fit_args(fit_args, params)
    except sweeps.SweepError as error:
        raise click.UsageError(str(error)) from None
    base = _check_with_fit(model, list(fit_args))
    for param, text in zip(params, param_texts):
        for value in param.corners():
            _check_with_fit(model, [*fit_args, *param.fit_args(value)], f"--param {text}: ")
    dataset = base.params["dataset"]
    objective = objective or (
        "accuracy" if model == "sgan" else "modes" if dataset in sweeps.MIXTURE_DATASETS else "fid"
    )
    try:
        chosen = sweeps.check_objective(objective, model, dataset)
    except sweeps.SweepError as error:
        raise click.UsageError(str(error)) from None
    spec = sweeps.SweepSpec(
        folder=out, model=model, params=params, fit_args=list(fit_args), objective=objective,
        direction=direction or chosen.direction, trials=trials, seed=seed, storage=storage,
        study_name=study_name, pruner=pruner,
        eval_samples=base.params["eval_samples"] or 2000, param_texts=list(param_texts),
    )  # fmt: skip
    try:
        study = sweeps.start_sweep(spec)
        click.echo(
            f"Sweep {out}: {trials} trials of {model}, {objective} ({spec.direction}), study "
            f"{spec.name!r}; {sweeps.counted_trials(study)} in the study already."
        )
        sweeps.SweepRunner(spec, study, echo=click.echo).run()
        best = write_report(study, spec)
    except sweeps.SweepError as error:
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt:
        raise click.ClickException(
            "Interrupted; the running trial is queued again. Rerun the same command to continue."
        ) from None
    if "number" in best:
        shown = " ".join(f"{k}={v}" for k, v in best["params"].items())
        click.echo(f"Best: trial {best['number']}, {objective} {best['value']:.4g}: {shown}")
    else:
        click.echo("No trial finished, so there is no best configuration.")
    skipped = {k: v for k, v in best["plots"].items() if not str(v).endswith(".png")}
    for name, reason in skipped.items():
        click.echo(f"No {name} plot: {reason}.")
    click.echo(f"Wrote {out / 'best.json'}, {out / 'trials.csv'} and {out / 'plots'}/.")
