"""`keras-gmgan fit`: train a model and write a run directory."""

import datetime
import inspect
import os
import shlex
import shutil
import time
from pathlib import Path

import click

from keras_gmgan.cli.locking import hold_run_lock
from keras_gmgan.cli.model_specs import COMMON_DEFAULTS, COMMON_OPTIONS, MODELS
from keras_gmgan.cli.option_types import SEED, FiniteFloat
from keras_gmgan.run_lock import clear_directory

DATASET_CHOICES = ("mnist", "fashion_mnist", "digits", "ring", "grid", "two_modes")
IMAGE_DATASETS = ("mnist", "fashion_mnist", "digits")
#: The data sets that `--data` (a local copy of a download) applies to.
LOCAL_DATASETS = ("mnist", "fashion_mnist")


def _default_out(model: str) -> Path:
    return Path("runs") / f"{model}-{datetime.datetime.now():%Y%m%d-%H%M%S}"


#: Options that shape the latent prior: meaningless for a model that generates nothing.
LATENT_OPTIONS = ("latent_dim", "components", "c", "sigma")

#: Options that only one setting of another option uses: {option: (other, its settings)}.
DEPENDENT_OPTIONS = {
    "clip_value": ("lipschitz", ("clip",)),
    "gp_weight": ("lipschitz", ("gp",)),
}
GMGAN_DEPENDENT_OPTIONS = {
    "gp_weight": ("loss", ("wgan-gp",)),
    "n_critic": ("loss", ("wgan-gp",)),
}


def _given(ctx: click.Context, name: str) -> bool:
    return ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _check_model_options(ctx: click.Context, spec, model: str) -> None:
    """Rejects options given for a model, data set or setting that does not use them, so
    that nothing the user asked for is silently ignored."""
    for name in ctx.params:
        latent_without_generator = name in LATENT_OPTIONS and not spec.generative
        common = name in COMMON_OPTIONS and not latent_without_generator
        if common or name in spec.options or not _given(ctx, name):
            continue
        reason = " (it generates nothing)" if latent_without_generator else ""
        raise click.UsageError(f"{_flag(name)} does not apply to --model {model}{reason}.")
    dependent = GMGAN_DEPENDENT_OPTIONS if "loss" in spec.options else DEPENDENT_OPTIONS
    for name, (other, settings) in dependent.items():
        if name in spec.options and _given(ctx, name) and ctx.params[other] not in settings:
            raise click.UsageError(
                f"{_flag(name)} applies to {_flag(other)} {' or '.join(settings)} only; "
                f"this run has {_flag(other)} {ctx.params[other]}. Drop {_flag(name)}."
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


def _check_lr_schedule(ctx: click.Context, options: dict) -> None:
    """`--lr-hold` only shapes the decay that `--lr-decay linear` turns on."""
    held = ctx.get_parameter_source("lr_hold") != click.core.ParameterSource.DEFAULT
    if held and options["lr_decay"] != "linear":
        raise click.UsageError(
            "--lr-hold sets how long the rate stays before --lr-decay linear lowers it; "
            "add --lr-decay linear."
        )


def _with_model_defaults(options: dict, spec) -> dict:
    """Fills common options left unset (None) with the model's defaults, else everyone's."""
    filled = dict(options)
    for name, value in {**COMMON_DEFAULTS, **spec.defaults}.items():
        if filled.get(name) is None:
            filled[name] = value
    return filled


def _check_eval_options(options: dict, spec) -> None:
    """`--eval-every` needs a feature extractor for image data and a model that generates;
    `--eval-samples` needs something to evaluate."""
    from keras_gmgan.metrics.feature_extractor import BUNDLED_EXTRACTORS

    dataset, image_data = options["dataset"], options["dataset"] in IMAGE_DATASETS
    if options["eval_every"] is not None and not spec.generative:
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
    from keras_gmgan.cli.training import IMAGE_EVAL_SAMPLES

    if not (data.is_image and options["eval_every"]):
        return
    asked = options["eval_samples"] or IMAGE_EVAL_SAMPLES
    if asked > len(data.x_test):
        click.echo(
            f"Evaluating {len(data.x_test)} samples, not {asked}: the {data.name} test set "
            f"has {len(data.x_test)} images."
        )
        options["eval_samples"] = len(data.x_test)


def _prepare_out_dir(out: Path, overwrite: bool, owned: bool = False) -> None:
    """Checks that `out` can become the run directory before any work is done, and again
    once this process owns it (`owned`: its run lock is held, so no busy check).

    `--overwrite` deletes `out`, so it is refused for anything but an earlier run directory
    (one holding config.json, or an empty folder): never the working directory or a folder
    above it, never a folder of other files.
    """
    from keras_gmgan.run_lock import LOCK_FILE, RunDirectoryBusy, check_not_busy
    from keras_gmgan.runs import CONFIG_FILE

    if out.exists() and not out.is_dir():
        raise click.UsageError(f"--out {out} is a file; give a directory path for the run.")
    if not owned:
        try:
            check_not_busy(out)
        except RunDirectoryBusy as error:
            raise click.ClickException(str(error)) from None
    if out.exists() and not overwrite:
        raise click.UsageError(
            f"{out} already exists; pass --overwrite to replace it or choose another --out."
        )
    if out.exists():
        contents = [path for path in out.iterdir() if path.name != LOCK_FILE]
        here = Path.cwd().resolve()
        if out.resolve() == here or out.resolve() in here.parents:
            raise click.UsageError(
                f"--overwrite would delete {out}, which holds the working directory; choose "
                "another --out."
            )
        if contents and not (out / CONFIG_FILE).is_file():
            raise click.UsageError(
                f"--overwrite replaces run directories only, and {out} holds other files (no "
                f"{CONFIG_FILE}); choose another --out, or empty it yourself."
            )
    probe = out.parent if out.parent != Path("") else Path(".")
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise click.UsageError(
            f"Cannot make the run directory {out}: {probe} is a file, not a directory."
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise click.ClickException(
            f"Cannot write the run directory {out}: {probe} is not writable."
        )


@click.command()
@click.option(
    "--model",
    "model",
    type=click.Choice(sorted(MODELS)),
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
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help="Examples per batch (default 64; 100 for sgan, as in Improved GAN).",
)
@click.option(
    "--lr",
    type=FiniteFloat(min=0, min_open=True),
    default=None,
    help="Adam learning rate of both players (default: the model's: 2e-4 for gan, gmgan, "
    "gmgan-dynamic and cnn-baseline, 8e-5 for gmgan-supervised, 1e-4 for wgan and --loss "
    "wgan-gp, 1e-3 for sgan).",
)
@click.option(
    "--beta1",
    type=FiniteFloat(0, 1, max_open=True),
    default=None,
    help="Adam β1 of both players (default: the model's, 0.5 for GANs, 0 for WGANs).",
)
@click.option(
    "--latent-dim",
    type=click.IntRange(min=1),
    default=None,
    help="Latent dimension (default 100 for images, 2 for 2-D points).",
)
@click.option(
    "--components",
    type=click.IntRange(min=1),
    default=None,
    help="Mixture components of the latent prior (default 1, the standard normal; 10 for the "
    "unsupervised GM-GANs; the number of classes for gmgan-supervised).",
)
@click.option(
    "--c",
    "c",
    type=FiniteFloat(min=0),
    default=None,
    help="Mixture means are drawn from U[-c, c]^d (default: 0 for one component; 0.5 for "
    "gan/wgan mixtures; 0.467 for gmgan / gmgan-dynamic; 3 for gmgan-supervised).",
)
@click.option(
    "--sigma",
    type=FiniteFloat(min=0, min_open=True),
    default=None,
    help="Mixture σ (default: 1 for one component; 0.7 for gan/wgan mixtures and gmgan / "
    "gmgan-dynamic; 1.4, per dimension, for gmgan-supervised).",
)
@click.option(
    "--network",
    type=click.Choice(["mlp", "dcgan", "deep"]),
    default=None,
    help="mlp (default): the classic MLP pair (images) or the 2→100→2 pair (2-D points); "
    "dcgan: a DCGAN-style conv pair (images); deep: 3×512 ReLU pair (2-D points). sgan and "
    "cnn-baseline: mlp is the Improved-GAN MLP classifier, dcgan the seed project's CNN "
    "(cnn-baseline's default).",
)
@click.option(
    "--lipschitz",
    type=click.Choice(["clip", "spectral", "gp"]),
    default="gp",
    show_default=True,
    help="WGAN critic constraint: weight clipping, spectral normalisation or gradient penalty.",
)
@click.option(
    "--n-critic",
    type=click.IntRange(min=1),
    default=None,
    help="Critic steps per generator step (default 5 for WGAN and wgan-gp losses; WGAN splits "
    "each fit batch into this many chunks).",
)
@click.option(
    "--clip-value", type=FiniteFloat(min=0, min_open=True), default=0.01, show_default=True
)
@click.option("--gp-weight", type=FiniteFloat(min=0), default=10.0, show_default=True)
@click.option(
    "--loss",
    type=click.Choice(["bce", "wgan-gp"]),
    default="bce",
    show_default=True,
    help="GM-GAN loss: non-saturating BCE, or a Wasserstein critic with gradient penalty.",
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
    default="implicit",
    show_default=True,
    help="sgan: a (K+1)-th fake logit, or K logits with D(x) = Z/(Z+1) (Improved GAN).",
)
@click.option(
    "--ema-decay",
    type=FiniteFloat(0, 1, min_open=True, max_open=True),
    default=None,
    help="Keep an exponential moving average of a player's weights with this decay (e.g. "
    "0.999; default: none). sgan: of the discriminator's, to classify with (Improved GAN's "
    "MNIST script: 0.9999, level with 0.999 in a 300-epoch MNIST run, BENCHMARKS.md). gan, "
    "wgan and the gmgan models: of the generator's, which generate and evaluate then sample "
    "(unless --raw-weights).",
)
@click.option(
    "--entropy-weight",
    type=FiniteFloat(min=0),
    default=0.0,
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
@click.option(
    "--lr-decay",
    type=click.Choice(["linear", "none"]),
    default="none",
    show_default=True,
    help="sgan: none keeps both learning rates constant; linear lowers them to 0 over the "
    "run (epochs × steps per epoch), after --lr-hold of it at the full rate, the schedule of "
    "the 30-minute benchmark. In a 10-epoch MNIST run constant did better (BENCHMARKS.md).",
)
@click.option(
    "--lr-hold",
    type=FiniteFloat(0, 1, max_open=True),
    default=0.0,
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
    if options["resume"] is not None:
        return _resume(ctx, options)
    spec = MODELS[options["model"]]
    _check_model_options(ctx, spec, options["model"])
    _check_lr_schedule(ctx, options)
    options = _with_model_defaults(options, spec)
    _check_eval_options(options, spec)
    _check_mlflow(options)
    out = options["out"] or _default_out(options["model"])
    if options["distribute"] == "data-parallel":
        from keras_gmgan.distribution import run_directory_for_this_process

        out = run_directory_for_this_process(out)
    _prepare_out_dir(out, options["overwrite"])
    data = _load_data(options)
    _fit_eval_samples(options, data)
    model = build_model(spec, options, data)
    batches = _make_batches(spec, options, data, initial_epoch=0)
    lock = hold_run_lock(ctx, out, create=True)  # until the command ends, however it ends
    if not lock.created:
        _prepare_out_dir(out, options["overwrite"], owned=True)  # as found once owned
        clear_directory(out)
    return _train(model, spec, options, data, batches, out, initial_epoch=0)


fit.help = (
    inspect.cleandoc(fit.help)
    + "\n\n\b\n"
    + "\n".join(f"{name:<18}{spec.summary}" for name, spec in sorted(MODELS.items()))
)


def _load_data(options: dict):
    from keras_gmgan.datasets import DataFormatError, DataNotFoundError, load_dataset

    try:
        return load_dataset(options["dataset"], options["data"], seed=options["seed"])
    except (DataNotFoundError, DataFormatError) as error:
        raise click.ClickException(str(error)) from None


def _make_batches(spec, options: dict, data, initial_epoch: int):
    """The training batches, built before the run directory so a bad size leaves none."""
    from keras_gmgan.cli.training import make_batches
    from keras_gmgan.distribution import shard_batches

    try:
        return shard_batches(make_batches(spec, options, data, initial_epoch))
    except ValueError as error:
        raise click.UsageError(str(error)) from None


def _train(model, spec, options: dict, data, batches, out: Path, initial_epoch: int):
    """Trains, turning failures into one-line errors; keeps the run only if it can resume."""
    from keras_gmgan.callbacks import NonFiniteLossError, TrainingInterrupted, read_checkpoint
    from keras_gmgan.cli.training import train_run
    from keras_gmgan.runs import ModelFileError

    started = time.time()
    try:
        results = train_run(model, spec, options, data, batches, out, initial_epoch)
    except BaseException as error:
        try:
            checkpoint = read_checkpoint(out)
        except ModelFileError:
            # A counter that cannot be read still marks a run that got somewhere: keep it,
            # and let the original error speak.
            raise error from None
        if checkpoint is None and initial_epoch == 0:
            shutil.rmtree(out, ignore_errors=True)
        if isinstance(error, TrainingInterrupted):
            _interrupted(error, out, checkpoint)
        if isinstance(error, OSError) and error.errno is not None:
            raise click.ClickException(_write_failed(error, out, checkpoint)) from None
        if isinstance(error, NonFiniteLossError):
            kept = (
                f"the checkpoint after epoch {checkpoint[1]} in {out} is intact"
                if checkpoint
                else "no epoch had finished, so no run directory was kept"
            )
            raise click.ClickException(
                f"Training stopped: {error} Lower --lr or check the data; {kept}."
            ) from None
        raise
    click.echo(
        f"Trained {options['model']} to epoch {results['epochs']} in "
        f"{time.time() - started:.1f} s; run directory: {out}"
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
    from keras_gmgan import runs
    from keras_gmgan.callbacks import read_checkpoint
    from keras_gmgan.cli.training import truncate_history

    for name in ctx.params:
        if name in ("resume", "verbose"):
            continue
        if ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT:
            flag = "--" + name.replace("_", "-")
            raise click.UsageError(
                f"--resume continues with the run's own config.json; drop {flag}."
            )
    out = options["resume"]
    if not out.is_dir():
        raise click.UsageError(f"Cannot resume {out}: no such run directory.")
    from keras_gmgan.distribution import is_chief

    if is_chief():  # the other processes of a data-parallel run only read `out`
        hold_run_lock(ctx, out)
    try:
        saved = runs.read_config(out)["options"]
    except runs.ModelFileError as error:
        raise click.ClickException(str(error)) from None
    if (out / runs.RESULTS_FILE).exists():
        raise click.ClickException(f"{out} finished already; there is nothing to resume.")
    try:
        checkpoint = read_checkpoint(out)
    except runs.ModelFileError as error:
        raise click.ClickException(str(error)) from None
    if checkpoint is None:
        raise click.ClickException(
            f"{out} has no checkpoint: it stopped before its first epoch ended. Start it again."
        )
    saved = {**saved, "verbose": options["verbose"], "resume": None}
    saved["out"] = Path(saved["out"]) if saved.get("out") else out
    spec = MODELS[saved["model"]]
    data = _load_data(saved)
    if saved.get("distribute") == "data-parallel":
        # Before the model is loaded, so its variables are laid out over the devices.
        _set_data_parallel(saved["batch_size"])
        from keras_gmgan.distribution import run_directory_for_this_process

        out = run_directory_for_this_process(out, resume=True)
    model = _check_data_parallel_model(_load_checkpoint(checkpoint[0]))
    batches = _make_batches(spec, saved, data, initial_epoch=checkpoint[1])
    truncate_history(out / runs.HISTORY_FILE, checkpoint[1])
    click.echo(f"Resuming {out} after epoch {checkpoint[1]} of {saved['epochs']}.")
    return _train(model, spec, saved, data, batches, out, initial_epoch=checkpoint[1])


def _load_checkpoint(path: Path):
    from keras_gmgan.runs import ModelFileError, load_model

    try:
        return load_model(path)
    except ModelFileError as error:
        raise click.ClickException(str(error)) from None


def build_model(spec, options: dict, data):
    """Seeds Keras, sets up the distribution and builds the compiled model for `spec`."""
    import keras

    if options["latent_dim"] is None:
        options["latent_dim"] = 100 if data.is_image else 2
    keras.utils.set_random_seed(options["seed"])
    if options["distribute"] == "data-parallel":
        _set_data_parallel(options["batch_size"])
    try:
        return _check_data_parallel_model(spec.build(options, data))
    except ValueError as error:
        raise click.UsageError(str(error)) from None


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
