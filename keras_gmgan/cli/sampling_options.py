"""The sampling options `generate` and `evaluate` share: --sigma-scale, --drs, --drs-percentile,
--raw-weights.

Declared once so both commands spell, document and check them alike, and so a model that
cannot be rejection-sampled fails the same way in either.
"""

from typing import Callable

import click

from keras_gmgan.cli.option_types import FiniteFloat


def sampling_options(command: Callable) -> Callable:
    """Adds --sigma-scale, --drs, --drs-percentile and --raw-weights to a click command."""
    options = (
        click.option(
            "--sigma-scale",
            type=FiniteFloat(min=0, min_open=True),
            default=1.0,
            show_default=True,
            help="Scale the mixture's σ at sampling time: below 1 trades diversity for quality.",
        ),
        click.option(
            "--drs",
            is_flag=True,
            help="Discriminator rejection sampling: keep drawing (batches of 1000 after a "
            "10,000-sample burn-in) until N samples pass the BCE discriminator's test; for gan "
            "and gmgan --loss bce.",
        ),
        click.option(
            "--drs-percentile",
            type=FiniteFloat(0, 100),
            default=95.0,
            show_default=True,
            help="DRS γ: this percentile of each batch's scores is accepted with probability ½ "
            "(lower keeps more samples).",
        ),
        click.option(
            "--raw-weights",
            is_flag=True,
            help="Sample the generator's trained weights, not the moving average that a model "
            "trained with --ema-decay samples by default.",
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


def check_drs_percentile(ctx: click.Context, drs: bool) -> None:
    """--drs-percentile without --drs is a usage error rather than a silently ignored option."""
    if not drs and ctx.get_parameter_source("drs_percentile") != click.core.ParameterSource.DEFAULT:
        raise click.UsageError("--drs-percentile sets the rejection test of --drs; add --drs.")


def check_drs_model(model) -> None:
    """A model DRS cannot sample (no BCE discriminator) is a usage error naming why."""
    from keras_gmgan.sampling import check_drs_model as check

    try:
        check(model)
    except ValueError as error:
        raise click.UsageError(f"--drs: {error}") from None


def draw_samples(model, n: int, seed: int, sigma_scale: float, drs: bool,
                 drs_percentile: float = 95.0, batch_size: int = 500,
                 weights: str | None = None) -> tuple:  # fmt: skip
    """`keras_gmgan.sampling.draw_samples`, with a model DRS cannot sample, or a DRS that
    gives up, as one-line errors."""
    from keras_gmgan.sampling import draw_samples as draw

    if drs:
        check_drs_model(model)
    try:
        return draw(model, n, seed, sigma_scale, drs, drs_percentile, batch_size, weights)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
