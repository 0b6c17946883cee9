"""`keras-gmgan generate`: write n PNG samples from a trained model."""

import re
import shutil
import tempfile
from pathlib import Path

import click

from keras_gmgan.cli.locking import hold_run_lock
from keras_gmgan.cli.option_types import SEED
from keras_gmgan.cli.sampling_options import (
    check_drs_percentile,
    draw_samples,
    sampling_options,
)
from keras_gmgan.run_lock import LOCK_FILE, RunDirectoryBusy, check_not_busy

#: The files generate writes into --out: only these may --overwrite replace.
OWN_FILE = re.compile(r"(\d+\.png|grid\.png|generate\.json)")


@click.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "--n",
    "n",
    type=click.IntRange(min=1),
    default=10000,
    show_default=True,
    help="Number of images to write.",
)
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=Path("samples"), show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--overwrite", is_flag=True, help="Replace an existing, non-empty --out.")
@click.option(
    "--label",
    type=click.IntRange(min=0),
    default=None,
    help="Draw every sample from mixture component k (the class k of a supervised GM-GAN).",
)
@sampling_options
@click.pass_context
def generate(
    ctx: click.Context,
    source: Path,
    n: int,
    batch_size: int,
    out: Path,
    seed: int,
    overwrite: bool,
    label: int | None,
    sigma_scale: float,
    drs: bool,
    drs_percentile: float,
    raw_weights: bool,
):
    """Write N PNGs 0.png … N-1.png and grid.png from a run directory or .keras file.

    The layout is the course template's generate.py, so existing FID tools read it. With
    --drs, generate.json records the sampling settings and the acceptance rate. A model
    trained with --ema-decay is sampled with its generator's moving average unless
    --raw-weights is given.
    """
    _check_out(out, source, overwrite)
    check_drs_percentile(ctx, drs)
    if drs and label is not None:
        raise click.UsageError("--drs draws from the whole prior; it does not take --label.")

    from keras_gmgan.runs import ModelFileError, apply_umask, load_model, write_json_atomic
    from keras_gmgan.scoring import sampled_weights
    from keras_gmgan.visualization import save_image_grid, save_png, to_uint8

    try:
        model = load_model(source)
    except ModelFileError as error:
        raise click.ClickException(str(error)) from None
    if not hasattr(model, "latent"):
        raise click.UsageError(
            f"{source} holds a classifier (e.g. a cnn-baseline run), not a generative model."
        )
    if len(model.data_shape) != 3:
        raise click.UsageError(
            f"{source} generates data of shape {model.data_shape}, not images; generate writes "
            "PNG images only."
        )

    components = model.latent.num_components
    if label is not None and label >= components:
        raise click.BadParameter(
            f"{label} is not a component of this model's prior, which has {components} "
            f"(0..{components - 1}).",
            param_hint="'--label'",
        )

    weights = sampled_weights(model, raw_weights)
    if drs:
        samples, rate = draw_samples(model, n, seed, sigma_scale, drs, drs_percentile,
                                     weights=weights)  # fmt: skip
    else:
        samples = model.generate(
            n,
            labels=label,
            sigma_scale=sigma_scale,
            seed=seed,
            batch_size=batch_size,
            weights=weights,
        )

    lock = hold_run_lock(ctx, out, create=True)  # until the command ends, however it ends
    _check_out(out, source, overwrite, owned=True)  # as found once owned
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.partial-"))
    try:
        apply_umask(staging)
        written = 0
        with click.progressbar(length=n, label="Generating", file=None) as bar:
            for images in (samples[i : i + batch_size] for i in range(0, n, batch_size)):
                for offset, pixels in enumerate(to_uint8(images)):
                    save_png(pixels, staging / f"{written + offset}.png")
                if written == 0:
                    save_image_grid(images[:64], staging / "grid.png")
                written += len(images)
                bar.update(len(images))
        if drs:
            metadata = {
                "source": str(source),
                "n": n,
                "seed": seed,
                "sigma_scale": sigma_scale,
                "drs": True,
                "drs_percentile": drs_percentile,
                "drs_acceptance_rate": rate,
                "weights": weights,
            }
            write_json_atomic(staging / "generate.json", metadata)
        lock.replace_with(staging)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, RunDirectoryBusy):
            raise click.ClickException(str(error)) from None
        if isinstance(error, OSError) and error.errno is not None:  # a full disk
            raise click.ClickException(
                f"Cannot write the samples beside {out}: {error.strerror or error}; nothing "
                f"was kept, and {out} is as it was."
            ) from None
        raise
    if drs:
        click.echo(
            f"Discriminator rejection sampling (γ at the {drs_percentile:g}th percentile) "
            f"accepted {rate:.1%} of the samples drawn."
        )
    click.echo(f"Wrote {n} images and grid.png to {out}")


def _check_out(out: Path, source: Path, overwrite: bool, owned: bool = False) -> None:
    """Refuses an --out that generate cannot write, or whose replacement would lose data;
    checked first, then again once this process owns it (`owned`: its lock is held).

    The old folder is deleted when the new one moves in, so it must not be the current
    directory, the source run or a folder above either; with --overwrite it may hold only
    what an earlier generate wrote.
    """
    for folder in (out, *out.parents):
        if folder.exists():
            if not folder.is_dir():
                problem = "is a file" if folder == out else f"is inside {folder}, a file"
                raise click.UsageError(f"--out {out} {problem}; give a folder path.")
            break
    target = out.resolve()
    for name, path in (("the current directory", Path.cwd()), ("the source", source)):
        path = path.resolve()
        if target == path or target in path.parents:
            raise click.UsageError(
                f"--out {out} is {name} or a folder above it, which generate would replace; "
                "choose a new folder for the samples."
            )
    if not owned:
        try:
            check_not_busy(out)
        except RunDirectoryBusy as error:
            raise click.ClickException(str(error)) from None
    if not out.exists() or not [p for p in out.iterdir() if p.name != LOCK_FILE]:
        return
    if not overwrite:
        raise click.UsageError(f"{out} is not empty; pass --overwrite or choose another --out.")
    foreign = sorted(
        p.name
        for p in out.iterdir()
        if not (OWN_FILE.fullmatch(p.name) and p.is_file()) and p.name != LOCK_FILE
    )
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise click.UsageError(
            f"--overwrite replaces only an earlier generate's samples, and {out} also holds "
            f"{foreign[0]}{more}; choose another --out, or move those away first."
        )
