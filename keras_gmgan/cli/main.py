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


cli.add_command(compare)
cli.add_command(evaluate)
cli.add_command(fit)
cli.add_command(generate)
cli.add_command(info)
cli.add_command(refit_latent)
cli.add_command(sweep)


if __name__ == "__main__":
    cli()
