"""`keras-gmgan evaluate`: score a run, a `.keras` model or a folder of PNGs against real images.

A thin layer over `keras_gmgan.metrics`: it works out what SOURCE is, draws or reads the
generated images, and prints `format_report`'s table (with the real-vs-real floor). Runs on
the 2-D mixtures get the mode metrics instead, since no feature space exists for points.
"""

import time
from pathlib import Path

import click

from keras_gmgan.cli.option_types import SEED
from keras_gmgan.cli.sampling_options import (
    check_drs_model,
    check_drs_percentile,
    draw_samples,
    sampled_weights,
    sampling_options,
)

#: Real data sets with a bundled feature extractor (kept literal so `--help` imports no Keras).
REAL_CHOICES = ("mnist", "fashion_mnist")
EVALUATION_FILE = "evaluation.json"
#: Fewer generated images than this make the k-nearest-neighbour balls (k = 5) meaningless.
MIN_IMAGES = 10


@click.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "--real",
    type=click.Choice(REAL_CHOICES),
    default=None,
    help="Real data set, which also picks the feature extractor (default: the run's data "
    "set, else mnist).",
)
@click.option(
    "--n",
    "n",
    type=click.IntRange(min=MIN_IMAGES),
    default=10000,
    show_default=True,
    help="Generated images, compared with the first N test images (at most 10,000); N random "
    "train images give the real-vs-real floor. A PNG folder's first N files are read. On a "
    "2-D run: points, default 2500 (the published protocol).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path),
    default=None,
    help=f"Write the report as JSON here (default RUN/{EVALUATION_FILE} for a run directory).",
)
@click.option(
    "--data",
    type=click.Path(),
    default=None,
    help="Local copy of the real data (else $KERAS_GMGAN_DATA, else download).",
)
@click.option(
    "--seed",
    type=SEED,
    default=0,
    show_default=True,
    help="Seed of the latents and of the train subset of the floor.",
)
@click.option(
    "--pictures",
    is_flag=True,
    help="Also draw pictures/ (in the run, else beside --json, else here): tsne.png, a "
    "t-SNE of the features of generated and real images coloured by predicted class; for "
    "mixture models components.png (a row per component) and sigma_sweep.png.",
)
@sampling_options
@click.pass_context
def evaluate(
    ctx: click.Context,
    source: Path,
    real: str | None,
    n: int,
    json_path: Path | None,
    data: str | None,
    seed: int,
    drs: bool,
    drs_percentile: float,
    sigma_scale: float,
    raw_weights: bool,
    pictures: bool,
):
    """Score SOURCE, a run directory, a .keras model or a folder of PNGs, against real images.

    Prints FID, precision/recall (k=3), density/coverage (k=5) and the classifier score in
    the bundled extractor's feature space, each beside its real-vs-real floor; adds the
    conditional accuracy of a supervised GM-GAN, or the clustering accuracy of an
    unsupervised model with several mixture components. Runs on 2-D mixtures get the mode
    metrics (modes captured, high-quality share, reverse KL) instead. A model trained with
    --ema-decay is sampled with its generator's moving average unless --raw-weights is given.
    """
    started = time.time()
    given = {
        name
        for name in ("sigma_scale", "n", "real", "data")
        if ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT
    }
    check_drs_percentile(ctx, drs)
    kind, config = _source_kind(source)
    sampling = {"seed": seed, "sigma_scale": sigma_scale, "drs": drs}
    if drs:
        sampling["drs_percentile"] = drs_percentile

    if kind == "png":
        if drs or raw_weights or "sigma_scale" in given:
            flag = "--drs" if drs else "--raw-weights" if raw_weights else "--sigma-scale"
            raise click.UsageError(
                f"{flag} applies to a model; the images of a PNG folder are already drawn."
            )
        generated = _read_pngs(source, n)
        model, sampling = None, {"seed": seed}
    else:
        model = _load_model(source)
        if not hasattr(model, "latent"):
            raise click.UsageError(
                f"{source} holds a classifier (e.g. a cnn-baseline run), not a generative "
                "model; evaluate scores generated samples."
            )
        sampling["weights"] = sampled_weights(model, raw_weights)
        dataset = (config or {}).get("options", {}).get("dataset")
        if len(model.data_shape) == 1:
            if pictures:
                raise click.UsageError(
                    "--pictures draws images; a run on 2-D points is pictured by fit --gif."
                )
            points = n if "n" in given else None
            report = _evaluate_2d(model, dataset, source, points, sampling, given)
            header = {"source_type": kind, "dataset": dataset, **sampling}
            return _finish(report, header, source, kind, json_path, started)
        if tuple(model.data_shape) != (28, 28, 1):
            raise click.UsageError(
                f"{source} generates {'×'.join(map(str, model.data_shape))} images; the "
                "bundled feature extractors take 28×28×1 (mnist, fashion_mnist), so there is "
                "nothing to compare them with."
            )
        if real is None and dataset in REAL_CHOICES:
            real = dataset
        if data is None and config is not None and real == dataset:
            data = config["options"].get("data")  # where the run found its data
        if drs:
            check_drs_model(model)  # before the real data and extractor are loaded

    real = real or "mnist"
    splits = _load_real(real, data)
    n = _sample_size(n, source, real, splits, generated if kind == "png" else None)

    from keras_gmgan.metrics import Evaluator, evaluate_components, evaluate_model

    evaluator = Evaluator.from_splits(splits.x_train, splits.x_test, extractor=real, n=n, seed=seed)
    if model is None:
        report = evaluator.evaluate(generated)
    else:
        try:
            report = evaluate_model(model, evaluator, n, **sampling)
        except RuntimeError as error:  # DRS gave up
            raise click.ClickException(str(error)) from None
        report.pop("drs_percentile", None)  # in the header already
        with model.sampling_weights(sampling["weights"]):
            try:
                report.update(evaluate_components(model, evaluator, splits.x_test,
                                                  splits.y_test, n, seed))  # fmt: skip
            except ValueError as error:  # a supervised model of another data set's classes
                click.echo(f"No conditional accuracy: {error}")
    header = {"source_type": kind, "real": real, **sampling}
    if pictures:
        from keras_gmgan.pictures import pictures_folder, write_pictures

        folder = pictures_folder(source, kind == "run", json_path)
        if model is not None:  # the images evaluate_model scored: same seed and sampling
            generated, _ = draw_samples(model, n, **sampling)
        drawn = write_pictures(model, evaluator.extractor, splits.x_test[:n], generated, folder,
                               seed=seed)  # fmt: skip
        header["pictures"] = {name: str(path) for name, path in drawn.items()}
    return _finish(report, header, source, kind, json_path, started)


def _source_kind(source: Path) -> tuple[str, dict | None]:
    """Whether SOURCE is a "run" (returned with its config), a "model" or a "png" folder;
    anything else is a one-line error."""
    from keras_gmgan import runs

    if not source.exists():
        raise click.ClickException(
            f"{source} does not exist: pass a run directory, a .keras file or a folder of PNGs."
        )
    if source.is_dir():
        if (source / runs.CONFIG_FILE).exists():
            try:
                return "run", runs.read_config(source)
            except runs.ModelFileError as error:
                raise click.ClickException(str(error)) from None
        if (source / runs.MODEL_FILE).exists():
            return "model", None
        return "png", None
    if source.suffix != ".keras":
        raise click.ClickException(
            f"{source} is neither a run directory, a .keras model file nor a folder of PNGs."
        )
    return "model", None


def _load_model(source: Path):
    from keras_gmgan.runs import ModelFileError, load_model

    try:
        return load_model(source)
    except ModelFileError as error:
        raise click.ClickException(str(error)) from None


def _read_pngs(source: Path, n: int):
    from keras_gmgan.metrics import read_png_folder

    try:
        images = read_png_folder(source, limit=n)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if len(images) < MIN_IMAGES:
        raise click.ClickException(
            f"{source} holds {len(images)} PNG images; evaluation needs at least {MIN_IMAGES} "
            "(10,000 for figures comparable with published ones)."
        )
    return images


def _sample_size(n: int, source: Path, real: str, splits, pngs) -> int:
    """--n, or fewer when the PNG folder or the real data hold fewer images, said in one
    line: generated, real and floor sets are then all of the size actually compared."""
    limits = {
        f"the {real} {split} set has {len(images)} images": len(images)
        for split, images in (("test", splits.x_test), ("train", splits.x_train))
    }
    if pngs is not None:
        limits[f"{source} holds {len(pngs)} PNG images"] = len(pngs)
    reason, size = min(limits.items(), key=lambda limit: limit[1])
    if size >= n:
        return n
    click.echo(f"Scoring {size} images, not --n {n}: {reason}.")
    return size


def _load_real(name: str, path: str | None):
    from keras_gmgan.datasets import DataFormatError, DataNotFoundError, load_dataset

    try:
        return load_dataset(name, path)
    except (DataNotFoundError, DataFormatError) as error:
        raise click.ClickException(str(error)) from None


def _evaluate_2d(model, dataset, source: Path, n, sampling: dict, given: set) -> dict:
    """Mode metrics of a model trained on a 2-D mixture, against that mixture."""
    from keras_gmgan.datasets import MIXTURES_2D, get_mixture_2d
    from keras_gmgan.metrics import evaluate_mixture_2d
    from keras_gmgan.metrics.modes_2d import NUM_EVAL_SAMPLES

    if dataset not in MIXTURES_2D:
        raise click.UsageError(
            f"{source} generates 2-D points, and which mixture they should match is recorded "
            "only in a run directory: evaluate the run directory instead."
        )
    for name in ("real", "data"):
        if name in given:
            raise click.UsageError(
                f"--{name} does not apply to a run on the 2-D mixture {dataset!r}: its points "
                "are scored against the mixture's known modes."
            )
    points, drs_rate = draw_samples(model, n or NUM_EVAL_SAMPLES, **sampling)
    report = {**evaluate_mixture_2d(points, get_mixture_2d(dataset)), "n_generated": len(points)}
    if sampling["drs"]:
        report["drs_acceptance_rate"] = drs_rate
    return report


def _finish(report: dict, header: dict, source: Path, kind: str, json_path, started) -> dict:
    """Prints the table and writes the JSON (atomically) where asked or into the run."""
    from keras_gmgan.metrics import format_report
    from keras_gmgan.runs import write_json_atomic

    if json_path is None and kind == "run":
        json_path = source / EVALUATION_FILE
    seconds = time.time() - started
    if "fid" in report:
        against = (
            f"{report['n_real']} {header['real']} test images with the "
            f"{report['extractor']} extractor"
        )
    else:
        against = f"the modes of the {header['dataset']} mixture"
    click.echo(
        f"Evaluated {report['n_generated']} samples from {source} against {against} "
        f"({seconds:.1f} s).\n"
    )
    click.echo(format_report(report))
    if json_path is not None:
        payload = {"source": str(source), **header, **report, "seconds": round(seconds, 2)}
        try:
            json_path.parent.mkdir(parents=True, exist_ok=True)
            write_json_atomic(json_path, payload)
        except OSError as error:
            raise click.ClickException(f"Cannot write {json_path}: {error}") from None
        click.echo(f"\nWrote {json_path}")
    for path in header.get("pictures", {}).values():
        click.echo(f"Drew {path}")
    return report
