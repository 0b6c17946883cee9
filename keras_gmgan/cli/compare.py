"""`keras-gmgan compare`: overlay the curves of several runs and tabulate their final metrics."""

from pathlib import Path

import click


@click.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("comparison"),
    show_default=True,
    help="Folder for compare.png (one subplot per logged metric), compare.md and compare.csv.",
)
def compare(runs: tuple, out: Path):
    """Compare RUNS: run directories written by `fit`, or a sweep folder.

    Overlays every logged loss and evaluation metric against the training step, each run
    labelled by the options that differ between the runs' config.json files, and writes a
    Markdown and a CSV table of the final metrics.
    """
    from keras_gmgan.comparison import NotARunError, compare_runs, summary_line

    try:
        found = compare_runs(runs, out)
    except NotARunError as error:
        raise click.ClickException(str(error)) from None
    width = max(len(run.path.name) for run in found)
    for run in found:
        click.echo(summary_line(run, width))
    click.echo(f"Wrote {out / 'compare.png'}, compare.md and compare.csv ({len(found)} runs).")
