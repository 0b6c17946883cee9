"""`keras-gmgan info`: what this installation runs on."""

import click


@click.command()
def info():
    """Print the backend, its devices and the package versions."""
    import keras

    from keras_gmgan.runs import environment

    env = environment()
    click.echo(f"backend: {env['backend']}")
    try:
        devices = keras.distribution.list_devices()
    except Exception as error:  # a backend without device listing
        devices = [f"unknown ({error})"]
    click.echo(f"devices: {', '.join(str(d) for d in devices)}")
    for package, version in env["versions"].items():
        click.echo(f"{package}: {version}")
