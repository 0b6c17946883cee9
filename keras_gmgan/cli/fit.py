"""`keras-gmgan fit`: train a model and write a run directory.

The models, their options and defaults are `keras_gmgan.recipes.RECIPES`; the run directory
is a `keras_gmgan.runs.Run`. This command checks the options, maps them onto those two, and
turns their errors into one-line messages.
"""

import datetime
import inspect
import shlex
import time
from pathlib import Path

import click

from keras_gmgan.cli.locking import hold_run_lock
from keras_gmgan.cli.option_types import SEED, FiniteFloat
from keras_gmgan.recipes import (
    LATENT_OPTIONS,
    RECIPES,
    default,
    default_for,
    describe_defaults,
)

DATASET_CHOICES = ("mnist", "fashion_mnist", "digits", "ring", "grid", "two_modes")
IMAGE_DATASETS = ("mnist", "fashion_mnist", "digits")
#: The data sets that `--data` (a local copy of a download) applies to.
LOCAL_DATASETS = ("mnist", "fashion_mnist")
#: Default `--eval-samples` for images: cheap enough to run during training (a few seconds).
IMAGE_EVAL_SAMPLES = 2000


def _given(ctx: click.Context, name: str) -> bool:
    return ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def model_default(flag: str, type: click.ParamType, text: str):
    """An option whose default is the model's: None on the command line (and so in
    config.json when unset), the recipe's when the model is built; the help lists each
    model's default (`describe_defaults`)."""
    name = flag.lstrip("-").replace("-", "_")
    return click.option(flag, type=type, default=None,
                        help=f"{text} (default: {describe_defaults(name)}).")  # fmt: skip


def _check_model_options(ctx: click.Context, recipe, model: str) -> None:
    """Rejects options given for a model, data set or setting that does not use them, so
    that nothing the user asked for is silently ignored."""
    for name in ctx.params:
        latent_without_generator = name in LATENT_OPTIONS and not recipe.generative
        if (name in recipe.options and not latent_without_generator) or not _given(ctx, name):
            continue
        reason = " (it generates nothing)" if latent_without_generator else ""
        raise click.UsageError(f"{_flag(name)} does not apply to --model {model}{reason}.")
    points = ctx.params["dataset"] not in IMAGE_DATASETS
    for name, (other, settings) in recipe.requires.items():
        setting = ctx.params[other] or default_for(other, points)
        if _given(ctx, name) and setting not in settings:
            raise click.UsageError(
                f"{_flag(name)} applies to {_flag(other)} {' or '.join(settings)} only; "
                f"this run has {_flag(other)} {setting}. Drop {_flag(name)}."
            )
    if _given(ctx, "lr_hold") and ctx.params["lr_decay"] != "linear":
        raise click.UsageError(
            "--lr-hold sets how long the rate stays before --lr-decay linear lowers it; "
            "add --lr-decay linear."
        )
    dataset = ctx.params["dataset"]
    if _given(ctx, "gif") and dataset in IMAGE_DATASETS:
        raise click.UsageError(
            f"--gif animates 2-D points (ring, grid, two_modes); --dataset {dataset} is "
            "images, whose run directory holds a sample grid per epoch instead. Drop --gif."
        )
    if _given(ctx, "data") and dataset not in LOCAL_DATASETS:
        raise click.UsageError(
            f"--data points at a local copy of {' or '.join(LOCAL_DATASETS)}; --dataset "
            f"{dataset} needs none (it ships with scikit-learn or is generated). Drop --data."
        )


def _check_eval_options(options: dict, recipe) -> None:
    """`--eval-every` needs a feature extractor for image data and a model that generates;
    `--eval-samples` needs something to evaluate."""
    from keras_gmgan.metrics.feature_extractor import BUNDLED_EXTRACTORS

    dataset, image_data = options["dataset"], options["dataset"] in IMAGE_DATASETS
    if options["eval_every"] is not None and not recipe.generative:
        raise click.UsageError(
            f"--eval-every scores generated samples; --model {options['model']} generates "
            "none (its results.json reports test accuracy). Drop --eval-every."
        )
    if options["eval_every"] is not None and image_data and dataset not in BUNDLED_EXTRACTORS:
        raise click.UsageError(
            f"--eval-every on {dataset}: FID, precision and recall need a feature extractor, "
            f"and keras-gmgan ships one for {' and '.join(sorted(BUNDLED_EXTRACTORS))} only. "
            "Drop --eval-every, or train on one of those."
        )
    if options["eval_samples"] is not None and image_data and options["eval_every"] is None:
        raise click.UsageError("--eval-samples sets the size of --eval-every's evaluations; "
                               "add --eval-every N.")  # fmt: skip


@click.command()
@click.option(
    "--model",
    "model",
    type=click.Choice(sorted(RECIPES)),
    default="gan",
    show_default=True,
    help="Which adversarial model to train.",
)
@click.option("--dataset", type=click.Choice(DATASET_CHOICES), default="mnist", show_default=True)
@click.option(
    "--data",
    # Absolute in config.json, so --resume, evaluate and refit-latent find it from anywhere.
    type=click.Path(resolve_path=True),
    default=None,
    help="mnist, fashion_mnist: a local copy, the file or a directory holding it (else "
    "$KERAS_GMGAN_DATA, else download).",
)
@click.option("--epochs", type=click.IntRange(min=1), default=20, show_default=True)
@click.option(
    "--steps-per-epoch",
    type=click.IntRange(min=1),
    default=None,
    help="Batches per epoch (default: one pass over the training set).",
)
@model_default("--batch-size", click.IntRange(min=1), "Examples per batch")
@model_default("--lr", FiniteFloat(min=0, min_open=True), "Adam learning rate of both players")
@model_default("--beta1", FiniteFloat(0, 1, max_open=True), "Adam β1 of both players")
@model_default("--latent-dim", click.IntRange(min=1), "Latent dimension")
@model_default(
    "--components",
    click.IntRange(min=1),
    "Mixture components of the latent prior; 1 is the standard normal",
)
@model_default("--c", FiniteFloat(min=0), "Mixture means are drawn from U[-c, c]^d")
@model_default(
    "--sigma",
    FiniteFloat(min=0, min_open=True),
    "Mixture σ, per dimension for gmgan-supervised",
)
@model_default(
    "--network",
    click.Choice(["mlp", "dcgan", "mlp-3x128", "deep"]),
    "mlp: the classic MLP pair (images) or the 2→100→2 pair (2-D points); dcgan: a "
    "DCGAN-style conv pair (images); mlp-3x128, deep: 3×128 and 3×512 ReLU pairs (2-D "
    "points, which they see standardised). sgan and "
    "cnn-baseline: mlp is the Improved-GAN MLP classifier, dcgan the seed project's CNN",
)
@click.option(
    "--lipschitz",
    type=click.Choice(["clip", "spectral", "gp"]),
    default=default("lipschitz"),
    show_default=True,
    help="WGAN critic constraint: weight clipping, spectral normalisation or gradient penalty.",
)
@model_default(
    "--n-critic",
    click.IntRange(min=1),
    "Critic steps per generator step; WGAN splits each fit batch into this many chunks",
)
@model_default("--clip-value", FiniteFloat(min=0, min_open=True), "WGAN critic weight clip")
@model_default("--gp-weight", FiniteFloat(min=0), "Gradient-penalty weight")
@model_default(
    "--loss",
    click.Choice(["bce", "wgan-gp"]),
    "GM-GAN loss: non-saturating BCE, or a Wasserstein critic with gradient penalty",
)
@click.option(
    "--init-from",
    type=click.Path(path_type=Path),
    default=None,
    help="GM-GAN warm start: copy the networks of a trained vanilla GAN run (same networks).",
)
@click.option(
    "--gif", is_flag=True, help="2-D data: write training.gif (real blue, generated red)."
)
@click.option(
    "--eval-every",
    type=click.IntRange(min=1),
    default=None,
    help="Evaluate every N steps and at each epoch end into history.csv and results.json. "
    "2-D data: mode metrics (taken at epoch ends anyway); mnist / fashion_mnist: FID, "
    "precision and recall with the bundled feature extractor (not available for digits).",
)
@click.option(
    "--eval-samples",
    type=click.IntRange(min=10),
    default=None,
    help="Samples per evaluation (default 2000 generated vs 2000 test images; 2500 points, "
    "the published protocol, for 2-D data).",
)
@click.option(
    "--labels",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="sgan, cnn-baseline: labelled training examples, balanced over the classes.",
)
@click.option(
    "--with-baseline",
    is_flag=True,
    help="sgan: also train the same classifier on the labelled examples alone and report it.",
)
@click.option(
    "--fake-class",
    type=click.Choice(["explicit", "implicit"]),
    default=default("fake_class"),
    show_default=True,
    help="sgan: a (K+1)-th fake logit, or K logits with D(x) = Z/(Z+1) (Improved GAN).",
)
@click.option(
    "--ema-decay",
    type=FiniteFloat(0, 1, min_open=True, max_open=True),
    default=None,
    help="Keep an exponential moving average of a player's weights with this decay (e.g. "
    "0.999; default: 0.999 for gmgan-supervised, none otherwise). sgan: of the "
    "discriminator's, to classify with (Improved GAN's MNIST script: 0.9999, level with "
    "0.999 in a 300-epoch MNIST run, BENCHMARKS.md). gan, "
    "wgan and the gmgan models: of the generator's, which generate and evaluate then sample "
    "(unless --raw-weights).",
)
@click.option(
    "--entropy-weight",
    type=FiniteFloat(min=0),
    default=default("entropy_weight"),
    show_default=True,
    help="sgan: add this weight × the entropy of the class posterior of the unlabelled batch "
    "to the discriminator's loss (entropy minimisation, as in Bad GAN); 0 is Improved GAN's "
    "recipe.",
)
@click.option(
    "--matching-batch",
    type=click.Choice(["shared", "separate"]),
    default="shared",
    show_default=True,
    help="sgan: the real features the generator matches come from the discriminator's "
    "unlabelled batch (shared) or from a second unlabelled batch drawn from its own "
    "shuffles (separate, as Improved GAN's MNIST script does).",
)
@model_default(
    "--lr-decay",
    click.Choice(["linear", "none"]),
    "none keeps both learning rates constant; linear lowers them to 0 over the run (epochs "
    "× steps per epoch; sgan: after --lr-hold of it at the full rate, the schedule of the "
    "30-minute benchmark; in a 10-epoch MNIST run constant did better, BENCHMARKS.md)",
)
@click.option(
    "--lr-hold",
    type=FiniteFloat(0, 1, max_open=True),
    default=default("lr_hold"),
    show_default=True,
    help="sgan, with --lr-decay linear: the share of the run at the full rate before the "
    "decay starts (Improved GAN on CIFAR-10: 0.67, its MNIST script never decays; the "
    "30-minute benchmark: 0.5).",
)
@click.option(
    "--mlflow",
    type=str,
    is_flag=False,
    flag_value="./mlruns",
    default=None,
    help="Log options, per-epoch metrics, sample grids and the model to MLflow: to a local "
    "store in ./mlruns, or to the tracking URI given. Needs keras-gmgan[mlflow].",
)
@click.option(
    "--steps-per-execution",
    type=click.IntRange(min=1),
    default=default("steps_per_execution"),
    show_default=True,
    help="Training steps per call of the compiled train function (Keras' compile option): "
    "the progress bar and callbacks run once per call, the training is the same; "
    "--eval-every then evaluates at the end of the call that reaches each multiple.",
)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Run directory (default runs/<model>-<timestamp>).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing run directory.")
@click.option(
    "--verbose",
    type=click.IntRange(0, 2),
    default=1,
    show_default=True,
    help="Keras progress output: 0 silent, 1 progress bar, 2 one line per epoch.",
)
@click.option(
    "--distribute",
    type=click.Choice(["none", "data-parallel"]),
    default="none",
    show_default=True,
    help="data-parallel: split each batch over all visible devices (JAX, TensorFlow), or "
    "over the processes of torchrun --nproc-per-node N (PyTorch); README.md.",
)
@click.option(
    "--resume",
    type=click.Path(path_type=Path),
    default=None,
    help="Continue an interrupted run directory from its last epoch checkpoint, with its own "
    "config.json.",
)
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
    _check_model_options(ctx, recipe, options["model"])
    options = recipe.with_defaults(options, options["dataset"] not in IMAGE_DATASETS)
    _check_eval_options(options, recipe)
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

    for name in ctx.params:
        if name not in ("resume", "verbose") and _given(ctx, name):
            raise click.UsageError(
                f"--resume continues with the run's own config.json; drop {_flag(name)}."
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
