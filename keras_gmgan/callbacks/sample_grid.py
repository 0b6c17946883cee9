"""A callback that saves a grid of generated images from one fixed latent batch per epoch."""

from pathlib import Path
from typing import Optional

import keras
import numpy as np

from keras_gmgan.visualization import save_image_grid


class SampleGrid(keras.callbacks.Callback):
    """Writes `directory/epoch_001.png`, ... at each epoch end.

    The latent batch is drawn once, so successive grids show how the same latents evolve.
    Models with one mixture component per class get one row per class.

    Args:
        directory: where the PNGs go (created if needed).
        num_samples: images per grid.
        seed: seed of the fixed latent batch.
        labels: optional component index per sample (conditional models).
    """

    def __init__(
        self,
        directory: str,
        num_samples: int = 64,
        seed: int = 0,
        labels: Optional[np.ndarray] = None,
    ):
        super().__init__()
        self.directory = Path(directory)
        self.num_samples = num_samples
        self.seed = seed
        self.labels = labels
        self._latents = None

    def on_train_begin(self, logs=None):
        self.directory.mkdir(parents=True, exist_ok=True)
        z, _ = self.model.latent.sample(
            self.num_samples, self.labels, seed=keras.random.SeedGenerator(self.seed)
        )
        self._latents = keras.ops.convert_to_numpy(z)

    def on_epoch_end(self, epoch, logs=None):
        images = keras.ops.convert_to_numpy(self.model.generator(self._latents, training=False))
        save_image_grid(images, self.directory / f"epoch_{epoch + 1:03d}.png")
