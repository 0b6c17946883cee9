"""`keras-gmgan evaluate`: score a run, a `.keras` model or a folder of PNGs against real images.

A thin layer over `keras_gmgan.scoring.evaluate_source`: it maps the options onto it, prints
`format_report`'s table (with the real-vs-real floor) and turns its errors into one line.
"""

from pathlib import Path

import click

from keras_gmgan.cli.option_types import SEED
from keras_gmgan.cli.sampling_options import check_drs_percentile, sampling_options
from keras_gmgan.runs import EVALUATION_FILE
from keras_gmgan.scoring import DEFAULT_IMAGES, MIN_IMAGES, REAL_DATASETS


@click.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "--real",
    type=click.Choice(REAL_DATASETS),
    default=None,
    help="Real data set, which also picks the feature extractor (default: the run's data "
    "set, else mnist).",
)
@click.option(
    "--n",
    "n",
    type=click.IntRange(min=MIN_IMAGES),
    default=DEFAULT_IMAGES,
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
    given = {
        name
        for name in ("sigma_scale", "n")
        if ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT
    }
    check_drs_percentile(ctx, drs)
    from keras_gmgan.metrics import format_report
    from keras_gmgan.scoring import EvaluationError, InapplicableOptionError, evaluate_source

    try:
        scored = evaluate_source(
            source,
            real=real,
            n=n if "n" in given else None,
            data=data,
            seed=seed,
            sigma_scale=sigma_scale if "sigma_scale" in given else None,
            drs=drs,
            drs_percentile=drs_percentile,
            raw_weights=raw_weights,
            pictures=pictures,
            json_path=json_path,
            echo=click.echo,
        )
    except EvaluationError as error:
        raise click.ClickException(str(error)) from None
    except InapplicableOptionError as error:
        raise click.UsageError(str(error)) from None
    report, header = scored.report, scored.header
    if "fid" in report:
        against = (
            f"{report['n_real']} {header['real']} test images with the "
            f"{report['extractor']} extractor"
        )
    else:
        against = f"the modes of the {header['dataset']} mixture"
    click.echo(
        f"Evaluated {report['n_generated']} samples from {source} against {against} "
        f"({scored.seconds:.1f} s).\n"
    )
    click.echo(format_report(report))
    if scored.json_path is not None:
        click.echo(f"\nWrote {scored.json_path}")
    for path in header.get("pictures", {}).values():
        click.echo(f"Drew {path}")
    return report
