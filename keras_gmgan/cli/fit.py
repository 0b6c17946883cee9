"""`keras-gmgan fit`: train a model and write a run directory."""

import datetime
import shutil
import time
from pathlib import Path

import click

from keras_gmgan.cli.model_specs import COMMON_DEFAULTS, COMMON_OPTIONS, MODELS

DATASET_CHOICES = ("mnist", "fashion_mnist", "digits")


def _default_out(model: str) -> Path:
    return Path("runs") / f"{model}-{datetime.datetime.now():%Y%m%d-%H%M%S}"


def _check_model_options(ctx: click.Context, spec, model: str) -> None:
    """Rejects model-specific options given for a model that does not use them."""
    for name in ctx.params:
        if name in COMMON_OPTIONS or name in spec.options:
            continue
        if ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT:
            flag = "--" + name.replace("_", "-")
            raise click.UsageError(f"{flag} does not apply to --model {model}.")


def _with_model_defaults(options: dict, spec) -> dict:
    """Fills common options left unset (None) with the model's defaults, else everyone's."""
    filled = dict(options)
    for name, value in {**COMMON_DEFAULTS, **spec.defaults}.items():
        if filled.get(name) is None:
            filled[name] = value
    return filled


def _prepare_out_dir(out: Path, overwrite: bool) -> None:
    if out.exists() and not overwrite:
        raise click.UsageError(
            f"{out} already exists; pass --overwrite to replace it or choose another --out."
        )
    parent = out.parent if out.parent != Path("") else Path(".")
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not _writable(probe):
        raise click.ClickException(
            f"Cannot write the run directory {out}: {probe} is not writable."
        )


def _writable(directory: Path) -> bool:
    import os

    return os.access(directory, os.W_OK | os.X_OK)


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
    type=click.Path(),
    default=None,
    help="Local data: a file or a directory (else $KERAS_GMGAN_DATA, else download).",
)
@click.option("--epochs", type=click.IntRange(min=1), default=20, show_default=True)
@click.option(
    "--steps-per-epoch",
    type=click.IntRange(min=1),
    default=None,
    help="Batches per epoch (default: one pass over the training set).",
)
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@click.option(
    "--lr",
    type=click.FloatRange(min=0, min_open=True),
    default=2e-4,
    show_default=True,
    help="Adam learning rate of both players.",
)
@click.option(
    "--beta1",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.5,
    show_default=True,
    help="Adam β1 of both players.",
)
@click.option("--latent-dim", type=click.IntRange(min=1), default=100, show_default=True)
@click.option(
    "--components",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Mixture components of the latent prior (1 = standard normal).",
)
@click.option(
    "--c",
    "c",
    type=click.FloatRange(min=0),
    default=None,
    help="Mixture means are drawn from U[-c, c]^d (default 0 for one component, else 0.5).",
)
@click.option(
    "--sigma",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Mixture σ (default 1 for one component, else 0.7).",
)
@click.option(
    "--network",
    type=click.Choice(["mlp", "dcgan"]),
    default=None,
    help="Image networks: the classic MLP pair or a DCGAN-style conv pair (default mlp). "
    "sgan/cnn-baseline: the Improved-GAN MLP classifier or the seed's CNN (cnn-baseline's "
    "default).",
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
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    help="sgan: classify with an exponential moving average of the discriminator's "
    "weights with this decay (e.g. 0.999).",
)
@click.option("--seed", type=int, default=0, show_default=True)
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
@click.pass_context
def fit(ctx: click.Context, **options):
    """Train a model and write a run directory.

    The directory holds config.json, history.csv, a sample grid per epoch, loss.png,
    model.keras and results.json.
    """
    spec = MODELS[options["model"]]
    _check_model_options(ctx, spec, options["model"])
    options = _with_model_defaults(options, spec)
    out = options["out"] or _default_out(options["model"])
    _prepare_out_dir(out, options["overwrite"])

    from keras_gmgan.cli.training import train_run
    from keras_gmgan.datasets import DataFormatError, DataNotFoundError, load_dataset

    try:
        data = load_dataset(options["dataset"], options["data"], seed=options["seed"])
    except (DataNotFoundError, DataFormatError) as error:
        raise click.ClickException(str(error)) from None

    try:
        model = build_model(spec, options, data)
    except ValueError as error:
        raise click.UsageError(str(error)) from None

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    started = time.time()
    try:
        results = train_run(model, spec, options, data, out)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    click.echo(
        f"Trained {options['model']} for {options['epochs']} epochs in "
        f"{time.time() - started:.1f} s; run directory: {out}"
    )
    return results


def build_model(spec, options: dict, data):
    """Seeds Keras and builds the compiled model for `spec`."""
    import keras

    keras.utils.set_random_seed(options["seed"])
    return spec.build(options, data)
