"""`keras-gmgan`: the root command group."""

import click

from keras_gmgan.cli.compare import compare
from keras_gmgan.cli.evaluate import evaluate
from keras_gmgan.cli.fit import fit
from keras_gmgan.cli.generate import generate
from keras_gmgan.cli.info import info
from keras_gmgan.cli.refit_latent import refit_latent
from keras_gmgan.cli.sweep import sweep
from keras_gmgan.version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="keras-gmgan")
def cli():
    """Adversarial generative models with mixture-of-Gaussians latents, on Keras 3.

    Choose the backend with KERAS_BACKEND=jax|tensorflow|torch.
    """
    _settle_backend()


def _settle_backend() -> None:
    """Before any command imports Keras: refuse an unknown or missing backend in one line,
    or pick an installed one when Keras' configured default is not installed."""
    from keras_gmgan.backend_choice import BackendError, choose_backend

    try:
        note = choose_backend()
    except BackendError as error:
        raise click.ClickException(str(error)) from None
    if note:
        click.echo(note, err=True)


cli.add_command(compare)
cli.add_command(evaluate)
cli.add_command(fit)
cli.add_command(generate)
cli.add_command(info)
cli.add_command(refit_latent)
cli.add_command(sweep)


if __name__ == "__main__":
    cli()
