"""`keras-gmgan refit-latent`: the EM variant of GM-GAN, applied to a trained run."""

from pathlib import Path

import click

from keras_gmgan.cli.option_types import SEED


def _components(value: str):
    if value == "bic":
        return "bic"
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise click.BadParameter(f"{value!r} is neither a positive integer nor 'bic'.")
    return count


def _check_out(out: Path) -> None:
    """Refuses an --out that cannot be written, before the minutes of inversion work."""
    if out.suffix != ".keras":
        raise click.BadParameter("the refit model file must end in .keras", param_hint="'--out'")
    if out.is_dir():
        raise click.BadParameter(
            f"{out} is a folder; give a .keras file path.", param_hint="'--out'"
        )
    if not out.parent.is_dir():
        problem = (
            f"{out.parent} is a file, not a folder; choose another path."
            if out.parent.exists()
            else f"the folder {out.parent} does not exist; create it first or choose another path."
        )
        raise click.BadParameter(problem, param_hint="'--out'")


@click.command("refit-latent")
@click.argument("run", type=click.Path(path_type=Path))
@click.option(
    "--components",
    default="bic",
    show_default=True,
    callback=lambda ctx, param, value: _components(value),
    help="Mixture components of the refit prior, or 'bic' to choose 1..15 by BIC.",
)
@click.option("--n", "n", type=click.IntRange(min=10), default=2000, show_default=True,
              help="Training images to invert.")  # fmt: skip
@click.option("--steps", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Adam steps of the latent optimisation (lr 0.01).")  # fmt: skip
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where the refit model goes (default RUN/model-refit.keras).")  # fmt: skip
def refit_latent(run: Path, components, n: int, steps: int, seed: int, out: Path | None):
    """Invert a run's generator for real images, fit a full-covariance Gaussian mixture
    to the recovered latents, and save a model that samples from it."""
    from keras_gmgan import runs
    from keras_gmgan.datasets import DataFormatError, DataNotFoundError
    from keras_gmgan.models import refit_latent as refit

    try:
        trained = runs.Run.open(run)
        model = trained.load_model()
    except runs.ModelFileError as error:
        raise click.ClickException(str(error)) from None
    if not hasattr(model, "latent"):
        raise click.UsageError(
            f"{run} holds a classifier (e.g. a cnn-baseline run), not a generative model; "
            "refit-latent refits a generator's latent prior."
        )
    out = out or run / "model-refit.keras"
    _check_out(out)
    try:
        data = trained.load_data()
    except (DataNotFoundError, DataFormatError) as error:
        raise click.ClickException(str(error)) from None
    try:
        refit_model, report = refit(
            model, data.x_train[:n], components=components, steps=steps, seed=seed
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    runs.save_model_atomic(refit_model, out)
    summary = {
        "source": str(run),
        "images_inverted": int(min(n, len(data.x_train))),
        "components": report.fit.num_components,
        "bic": {str(k): v for k, v in report.fit.bic.items()},
        "mean_reconstruction_error": float(report.reconstruction_error.mean()),
        "model": str(out),
    }
    runs.write_json_atomic(out.with_suffix(".json"), summary)
    click.echo(
        f"Refit a {report.fit.num_components}-component mixture on {summary['images_inverted']} "
        f"inverted images (mean squared error {summary['mean_reconstruction_error']:.4f}); "
        f"wrote {out}"
    )
