"""`keras-gmgan generate`: write n PNG samples from a trained model."""

import os
import shutil
import tempfile
from pathlib import Path

import click


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
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--overwrite", is_flag=True, help="Replace an existing, non-empty --out.")
@click.option(
    "--label",
    type=click.IntRange(min=0),
    default=None,
    help="Draw every sample from mixture component k (the class k of a supervised GM-GAN).",
)
@click.option(
    "--sigma-scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Scale the mixture's σ at sampling time: below 1 trades diversity for quality.",
)
def generate(
    source: Path,
    n: int,
    batch_size: int,
    out: Path,
    seed: int,
    overwrite: bool,
    label: int | None,
    sigma_scale: float,
):
    """Write N PNGs 0.png … N-1.png and grid.png from a run directory or .keras file.

    The layout is the course template's generate.py, so existing FID tools read it.
    """
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise click.UsageError(f"{out} is not empty; pass --overwrite or choose another --out.")

    import keras
    import numpy as np

    from keras_gmgan.runs import ModelFileError, load_model
    from keras_gmgan.visualization import save_image_grid, save_png, to_uint8

    try:
        model = load_model(source)
    except ModelFileError as error:
        raise click.ClickException(str(error)) from None
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

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.partial-"))
    try:
        seed_generator = keras.random.SeedGenerator(seed)
        written = 0
        with click.progressbar(length=n, label="Generating", file=None) as bar:
            while written < n:
                size = min(batch_size, n - written)
                labels = None if label is None else np.full((size,), label, dtype="int32")
                z, _ = model.latent.sample(
                    size, labels=labels, seed=seed_generator, sigma_scale=sigma_scale
                )
                images = keras.ops.convert_to_numpy(model.generator(z, training=False))
                for offset, pixels in enumerate(to_uint8(images)):
                    save_png(pixels, staging / f"{written + offset}.png")
                if written == 0:
                    save_image_grid(images[:64], staging / "grid.png")
                written += size
                bar.update(size)
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    click.echo(f"Wrote {n} images and grid.png to {out}")
