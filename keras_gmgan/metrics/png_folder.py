"""Folders of PNG images, the exchange format of `generate` and the course template.

The MNIST course template's `generate.py` writes exactly 10,000 files `samples/0.png` ...
`samples/9999.png` (with `torchvision.utils.save_image`, which stores grey images as RGB
with three equal channels). `read_png_folder` turns such a folder into the array the feature
extractor takes, so any model, from any framework, can be evaluated from its samples alone.
"""

import os
import re
from typing import Sequence, Union

import numpy as np
from PIL import Image


def read_png_folder(
    path: Union[str, os.PathLike],
    image_size: Sequence[int] = (28, 28),
    limit: int = None,
    skip: Sequence[str] = ("grid.png",),
) -> np.ndarray:
    """Reads every `*.png` in a folder as float32 (N, H, W, 1) grey images in [-1, 1].

    Files are read in natural order (`2.png` before `10.png`). Grey (`L`), 16-bit grey, palette
    and RGB(A) files whose colour channels are equal (as torchvision writes grey images) are
    accepted; colour images and any size other than `image_size` (height, width) raise a
    ValueError naming the file.

    Args:
        path: the folder.
        image_size: the expected (height, width); 28×28 for MNIST and Fashion-MNIST.
        limit: read only the first `limit` files (in natural order).
        skip: file names that are not samples: by default the `grid.png` overview that
            `keras-gmgan generate` and the course template write beside the samples.
    """
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise ValueError(f"{path!r} is not a folder; give a folder of .png files.")
    skipped = set(skip)
    names = sorted(
        (
            name
            for name in os.listdir(path)
            if name.lower().endswith(".png") and name not in skipped
        ),
        key=_natural_key,
    )
    if not names:
        raise ValueError(f"No .png files in {path!r}.")
    if limit is not None:
        names = names[:limit]
    height, width = (int(s) for s in image_size)
    images = np.empty((len(names), height, width, 1), dtype="float32")
    for i, name in enumerate(names):
        images[i, :, :, 0] = _read_grey(os.path.join(path, name), height, width)
    return images


def write_png_folder(images, path: Union[str, os.PathLike], start: int = 0) -> list[str]:
    """Writes (N, H, W[, 1]) images in [-1, 1] as 8-bit grey `{start + i}.png` files.

    Returns the written paths. The inverse of `read_png_folder` up to 8-bit rounding
    (at most 1/255 in [-1, 1] units).
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(f"Expected (N, H, W) or (N, H, W, 1) grey images; got {images.shape}.")
    os.makedirs(path, exist_ok=True)
    pixels = np.clip(np.rint((images + 1.0) * 127.5), 0, 255).astype(np.uint8)
    paths = []
    for i, image in enumerate(pixels):
        file = os.path.join(os.fspath(path), f"{start + i}.png")
        Image.fromarray(image).save(file)  # uint8 (H, W): mode "L"
        paths.append(file)
    return paths


def _read_grey(file: str, height: int, width: int) -> np.ndarray:
    try:
        return _decode_grey(file, height, width)
    except (OSError, SyntaxError) as error:  # PIL: not a PNG, truncated, corrupt chunks
        raise ValueError(
            f"{file} is not a readable PNG image ({error}); remove it or write it again."
        ) from error


def _decode_grey(file: str, height: int, width: int) -> np.ndarray:
    with Image.open(file) as image:
        if image.size != (width, height):
            raise ValueError(
                f"{file} is {image.size[0]}×{image.size[1]} pixels; expected {width}×{height} "
                "grey images (resize them, or generate samples at the dataset's size)."
            )
        if image.mode in ("L", "1", "P"):
            pixels = np.asarray(image.convert("L"), dtype="float32")
        elif image.mode.startswith("I"):
            pixels = np.asarray(image, dtype="float32") / 257.0
        elif image.mode in ("RGB", "RGBA", "LA"):
            channels = np.asarray(image.convert("RGB"), dtype="float32")
            if np.ptp(channels, axis=2).max() > 1:
                raise ValueError(
                    f"{file} is a colour image; expected grey {width}×{height} images."
                )
            pixels = channels[..., 0]
        else:
            raise ValueError(f"{file} has unsupported PNG mode {image.mode!r}; save it as grey.")
    return pixels / 127.5 - 1.0


def _natural_key(name: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]
