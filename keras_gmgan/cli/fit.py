"""`keras-gmgan fit`: train a model and write a run directory.

The models and their defaults are `keras_gmgan.recipes.RECIPES`, the options
`keras_gmgan.recipes.options.FIT_OPTIONS`; the run directory is a `keras_gmgan.runs.Run`.
This command checks the options, maps them onto those, and turns their errors into
one-line messages.
"""

import datetime
import inspect
import shlex
import time
from pathlib import Path

import click

from keras_gmgan.cli.locking import hold_run_lock
from keras_gmgan.cli.option_types import FiniteFloat
from keras_gmgan.recipes import RECIPES
from keras_gmgan.recipes.options import (
    FIT_OPTIONS,
    IMAGE_DATASETS,
    IMAGE_EVAL_SAMPLES,
    JIT_COMPILE,
    RunOption,
    check_eval_options,
    check_jit_compile,
    check_model_options,
)

DEFAULT = click.core.ParameterSource.DEFAULT


def _given(ctx: click.Context) -> set:
    """The options set on the command line (not left at their defaults)."""
    return {name for name in ctx.params if ctx.get_parameter_source(name) != DEFAULT}


def check_options(ctx: click.Context) -> None:
    """`check_model_options` on the parsed command line, its ValueError a usage error."""
    try:
        check_model_options(ctx.params["model"], ctx.params, _given(ctx))
    except ValueError as error:
        raise click.UsageError(str(error)) from None


def _click_type(option: RunOption):
    """The click type of a `RunOption` (floats refuse NaN and infinity, `FiniteFloat`)."""
    if option.kind == "choice":
        return click.Choice(option.choices)
    if option.kind == "int":
        return click.IntRange(option.minimum, option.maximum)
    if option.kind == "float":
        return FiniteFloat(option.minimum, option.maximum, option.min_open, option.max_open)
    if option.kind == "path":
        return click.Path(resolve_path=True) if option.resolve_path else click.Path(path_type=Path)
    return str


def _click_option(option: RunOption):
    if option.kind == "flag":
        return click.option(option.flag, is_flag=True, help=option.help_text())
    optional_value = {}  # an option that may be given without its value (`--mlflow`)
    if option.flag_value is not None:
        optional_value = {"is_flag": False, "flag_value": option.flag_value}
    return click.option(
        option.flag,
        type=_click_type(option),
        default=option.default,
        show_default=option.show_default or None,
        help=option.help_text(),
        **optional_value,
    )


def _run_options(command):
    """Adds every option of `FIT_OPTIONS` to `command`, in its order."""
    for option in reversed(FIT_OPTIONS.values()):
        command = _click_option(option)(command)
    return command


@click.command()
@_run_options
@click.pass_context
def fit(ctx: click.Context, **options):
    """Train a model and write a run directory.

    The directory holds config.json, history.csv, loss.png, model.keras and results.json;
    a model that generates images adds a sample grid per epoch (samples/). Models:
    """
    from keras_gmgan.runs import Run

    if options["resume"] is not None:
        return _resume(ctx, options)
    recipe = RECIPES[options["model"]]
    check_options(ctx)
    _errors(check_jit_compile, options)
    options = recipe.with_defaults(options, options["dataset"] not in IMAGE_DATASETS)
    _errors(check_eval_options, options)
    _check_mlflow(options)
    out = (
        options["out"]
        or Path("runs") / f"{options['model']}-{datetime.datetime.now():%Y%m%d-%H%M%S}"
    )
    if options["distribute"] == "data-parallel":
        from keras_gmgan.distribution import run_directory_for_this_process

        out = run_directory_for_this_process(out)
    _errors(Run.check_directory, out, options["overwrite"])
    data = _load_data(options)
    _fit_eval_samples(options, data)
    model = _build(recipe, options, data)
    batches = _make_batches(recipe, options, data, 0)
    lock = hold_run_lock(ctx, out, create=True)  # until the command ends, however it ends
    run = _errors(Run.create, out, options, options["overwrite"], lock)
    return _train(run, model, recipe, data, batches)


fit.help = (
    inspect.cleandoc(fit.help)
    + "\n\n\b\n"
    + "\n".join(f"{name:<18}{recipe.summary}" for name, recipe in sorted(RECIPES.items()))
)


def _errors(function, *args):
    """`function(*args)`, a ValueError (a bad option) a usage error, and a PermissionError
    or a directory another process writes to a plain one."""
    from keras_gmgan.run_lock import RunDirectoryBusy

    try:
        return function(*args)
    except (PermissionError, RunDirectoryBusy) as error:
        raise click.ClickException(str(error)) from None
    except ValueError as error:
        raise click.UsageError(str(error)) from None


def _check_mlflow(options: dict) -> None:
    """`--mlflow`: MLflow is installed and its store answers, before any work is done."""
    if options.get("mlflow") is None:
        return
    from keras_gmgan.callbacks.mlflow_logger import MLflowUnavailableError, start_mlflow_run

    try:
        start_mlflow_run(options["mlflow"], run_name=False)
    except MLflowUnavailableError as error:
        raise click.ClickException(str(error)) from None


def _fit_eval_samples(options: dict, data) -> None:
    """Lowers the image evaluations' size to the test set's when it holds fewer images, and
    says so: every evaluation, the floor and config.json then use the size compared."""
    if not (data.is_image and options["eval_every"]):
        return
    asked = options["eval_samples"] or IMAGE_EVAL_SAMPLES
    if asked > len(data.x_test):
        click.echo(
            f"Evaluating {len(data.x_test)} samples, not {asked}: the {data.name} test set "
            f"has {len(data.x_test)} images."
        )
        options["eval_samples"] = len(data.x_test)


def _make_batches(recipe, options: dict, data, initial_epoch: int):
    """The training batches (this process's share of each when data-parallel), built before
    the run directory so a bad size leaves none."""
    from keras_gmgan.distribution import shard_batches

    return shard_batches(_errors(recipe.make_batches, options, data, initial_epoch))


def _load_data(options: dict):
    from keras_gmgan.datasets import DataFormatError, DataNotFoundError, load_dataset

    try:
        return load_dataset(options["dataset"], options["data"], seed=options["seed"])
    except (DataNotFoundError, DataFormatError) as error:
        raise click.ClickException(str(error)) from None


def _build(recipe, options: dict, data):
    """Seeds Keras, sets up the distribution and builds the compiled model."""
    import keras

    from keras_gmgan.recipes import default_latent_dim

    keras.utils.set_random_seed(options["seed"])
    if options["distribute"] == "data-parallel":
        _set_data_parallel(options["batch_size"])
    model = _check_data_parallel_model(_errors(recipe.build, options, data))
    if options["latent_dim"] is None:  # the recipe's, recorded in config.json
        latent = getattr(model, "latent", None)
        options["latent_dim"] = latent.latent_dim if latent else default_latent_dim(data.data_shape)
    if options.get("ema_decay") is None and "ema_decay" in recipe.parameters:
        options["ema_decay"] = model.get_config().get("ema_decay")  # the recipe's default
    return model


def _evaluations(options: dict, data) -> list:
    """`--eval-every`'s callbacks: mode metrics on 2-D data (at every epoch end anyway);
    FID, precision and recall of `--eval-samples` generated images against as many test
    images for images, with the data set's bundled extractor."""
    from keras_gmgan.callbacks import EvaluationCallback, Mixture2DMetrics
    from keras_gmgan.metrics import Evaluator
    from keras_gmgan.metrics.modes_2d import NUM_EVAL_SAMPLES

    every, n, seed = options.get("eval_every"), options.get("eval_samples"), options["seed"]
    if data.mixture is not None:
        return [Mixture2DMetrics(data.mixture, every_n_steps=every,
                                 num_samples=n or NUM_EVAL_SAMPLES, seed=seed)]  # fmt: skip
    if not (data.is_image and every):
        return []
    n = n or IMAGE_EVAL_SAMPLES
    evaluator = Evaluator.from_splits(data.x_train, data.x_test, extractor=data.name, n=n,
                                      seed=seed)  # fmt: skip
    return [EvaluationCallback(evaluator, n=n, seed=seed, every_n_steps=every)]


def _train(run, model, recipe, data, batches):
    """Trains with the run's callbacks; failures become one-line errors."""
    from keras_gmgan.callbacks import NonFiniteLossError, TrainingGIF, TrainingInterrupted
    from keras_gmgan.runs import CONFIG_FILE

    options, started = run.options, time.time()
    extra = []
    if data.mixture is not None and options.get("gif"):
        extra = [TrainingGIF(run.directory / "training.gif", data.x_test, seed=options["seed"])]
    if options.get("mlflow") is not None:  # after the evaluations, so the logs are complete
        from keras_gmgan.callbacks import MLflowLogger

        files = [run.directory / CONFIG_FILE]
        extra.append(MLflowLogger(options["mlflow"], options, run_name=run.directory.name,
                                  seed=options["seed"], files=files))  # fmt: skip
    evaluate = recipe.evaluate and (
        lambda model: recipe.evaluate(model, options, data, run.directory)
    )
    try:
        results = run.fit(
            model,
            batches,
            epochs=options["epochs"],
            evaluations=_evaluations(options, data),
            callbacks=extra,
            sample_grid=data.is_image and recipe.generative,
            evaluate=evaluate,
            verbose=options["verbose"],
            jit_compile=JIT_COMPILE[options.get("jit_compile") or "auto"],
        )
    except (NonFiniteLossError, TrainingInterrupted, OSError) as error:
        checkpoint = run.checkpoint() if run.directory.exists() else None
        if isinstance(error, TrainingInterrupted):
            _interrupted(error, run.directory, checkpoint)
        if isinstance(error, OSError):
            if error.errno is None:
                raise
            raise click.ClickException(_write_failed(error, run.directory, checkpoint)) from None
        kept = "no epoch had finished, so no run directory was kept"
        if checkpoint:
            kept = f"the checkpoint after epoch {checkpoint[1]} in {run.directory} is intact"
        raise click.ClickException(
            f"Training stopped: {error} Lower --lr or check the data; {kept}."
        ) from None
    click.echo(
        f"Trained {options['model']} to epoch {results['epochs']} in "
        f"{time.time() - started:.1f} s; run directory: {run.directory}"
    )
    return results


def _write_failed(error: OSError, out: Path, checkpoint) -> str:
    """A full disk (or another OSError writing the run): what failed and what was kept."""
    if checkpoint:
        kept = (
            f"the checkpoint after epoch {checkpoint[1]} is intact; free some space and "
            f"continue with keras-gmgan fit --resume {shlex.quote(str(out))}"
        )
    else:
        kept = "no epoch had finished, so no run directory was kept"
    where = f" ({error.filename})" if error.filename else ""
    return f"Cannot write to {out}: {error.strerror or error}{where}; {kept}."


def _interrupted(error, out: Path, checkpoint) -> None:
    """Ctrl-C or SIGTERM during fit: one line saying what was kept and how to go on, and the
    shell's exit code for the signal (130, 143)."""
    if checkpoint:
        kept = (
            f"kept the checkpoint after epoch {checkpoint[1]} in {out}; continue with "
            f"keras-gmgan fit --resume {shlex.quote(str(out))}"
        )
    else:
        kept = "no epoch had finished, so no run directory was kept"
    click.echo(f"Interrupted by {error.signal_name}: {kept}", err=True)
    raise click.exceptions.Exit(error.exit_code)


def _resume(ctx: click.Context, options: dict):
    from keras_gmgan.runs import ModelFileError, Run

    given = _given(ctx) - {"resume", "verbose"}
    for name in (name for name in ctx.params if name in given):
        raise click.UsageError(
            f"--resume continues with the run's own config.json; drop {FIT_OPTIONS[name].flag}."
        )
    out = options["resume"]
    if not out.is_dir():
        raise click.UsageError(f"Cannot resume {out}: no such run directory.")
    from keras_gmgan.distribution import is_chief

    if is_chief():  # the other processes of a data-parallel run only read `out`
        hold_run_lock(ctx, out)  # until the command ends, however it ends
    try:
        run = Run.resume(out)
    except ModelFileError as error:
        raise click.ClickException(str(error)) from None
    saved = run.options
    saved.update(verbose=options["verbose"], resume=None)
    saved["out"] = Path(saved["out"]) if saved.get("out") else out
    _errors(check_jit_compile, saved)
    recipe = RECIPES[saved["model"]]
    data = _load_data(saved)
    if saved.get("distribute") == "data-parallel":
        # Before the model is loaded, so its variables are laid out over the devices.
        _set_data_parallel(saved["batch_size"])
        from keras_gmgan.distribution import run_directory_for_this_process

        copy = run_directory_for_this_process(out, resume=True)
        if copy != out:  # this process writes its own copy of the run files there
            run = Run.resume(copy)
    try:
        model = _check_data_parallel_model(run.load_checkpoint())
    except ModelFileError as error:
        raise click.ClickException(str(error)) from None
    batches = _make_batches(recipe, saved, data, run.initial_epoch)
    click.echo(f"Resuming {out} after epoch {run.initial_epoch} of {saved['epochs']}.")
    return _train(run, model, recipe, data, batches)


def _set_data_parallel(batch_size: int) -> None:
    """Trains data-parallel over every device (`keras_gmgan.distribution`)."""
    from keras_gmgan.distribution import set_data_parallel

    try:
        replicas = set_data_parallel(batch_size)
    except (ValueError, RuntimeError) as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"Data parallel: each batch of {batch_size} split over {replicas} devices.")


def _check_data_parallel_model(model):
    from keras_gmgan.distribution import check_data_parallel_model

    try:
        check_data_parallel_model(model)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    return model
