"""The CLI side of `keras_gmgan.run_lock`: a command owns its output directory until it ends."""

from pathlib import Path

import click

from keras_gmgan.run_lock import RunDirectoryBusy, RunLock


def hold_run_lock(ctx: click.Context, directory: Path, create: bool = False) -> RunLock:
    """Owns `directory` until the command ends, however it ends (the lock is a resource of
    the click context); another process writing there is a one-line error."""
    try:
        return ctx.with_resource(RunLock(directory, create=create))
    except RunDirectoryBusy as error:
        raise click.ClickException(str(error)) from None
