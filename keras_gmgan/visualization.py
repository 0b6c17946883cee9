"""Pictures of training: image grids as PNG and loss curves. NumPy, Pillow and matplotlib only."""

import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Images in [-1, 1] → uint8 pixels in [0, 255]."""
    return np.clip(np.round((np.asarray(images) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def image_grid(images: np.ndarray, ncols: int = 8, padding: int = 2) -> np.ndarray:
    """Tiles (N, H, W, C) images in [-1, 1] into one uint8 (rows·H, ncols·W, C) picture."""
    images = to_uint8(images)
    n, height, width, channels = images.shape
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    grid = np.zeros(
        (nrows * (height + padding) + padding, ncols * (width + padding) + padding, channels),
        dtype=np.uint8,
    )
    for index, image in enumerate(images):
        row, col = divmod(index, ncols)
        top, left = padding + row * (height + padding), padding + col * (width + padding)
        grid[top : top + height, left : left + width] = image
    return grid


def save_png(pixels: np.ndarray, path: Path) -> None:
    """Writes a uint8 (H, W, 1) or (H, W, 3) array as a grayscale or RGB PNG."""
    from PIL import Image

    if pixels.ndim == 3 and pixels.shape[-1] == 1:
        pixels = pixels[..., 0]
    Image.fromarray(pixels).save(path, format="PNG")


def save_image_grid(images: np.ndarray, path: Path, ncols: int = 8, scale: int = 2) -> None:
    """Saves images in [-1, 1] as one grid PNG, enlarged `scale` times for viewing."""
    grid = image_grid(images, ncols=ncols)
    if scale > 1:
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    save_png(grid, path)


def plot_losses(history: Mapping[str, Sequence[float]], path: Path) -> None:
    """Plots every logged series against the epoch and saves the figure as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4))
    for name, values in history.items():
        if name == "epoch" or not len(values):
            continue
        axis.plot(np.arange(1, len(values) + 1), values, label=name, marker=".")
    axis.set_xlabel("epoch")
    axis.set_ylabel("value")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
