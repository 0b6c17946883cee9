"""A callback that films 2-D training: real (blue) vs generated (red) points, as a GIF."""

from pathlib import Path
from typing import Any, Optional, Sequence

import keras
import numpy as np

from keras_gmgan.callbacks.step_counting import StepCountingCallback


class TrainingGIF(StepCountingCallback):
    """Records generated 2-D points every N steps and writes an animated GIF at the end.

    The latent batch (component indices and noise) is drawn once from the model's own prior
    with a fixed seed, so each frame shows where the *same* latents land as training goes
    on; with a learned mixture prior the frames also follow the moving means. A frame is
    taken before the first step (step 0), after every `every_n_steps` steps, and after the
    last step. The last frame is also saved as a PNG beside the GIF.

    Steps are generator steps (`fit` batches), counted from the model's optimizer so that a
    resumed run keeps numbering. A model that keeps a moving average of its generator's
    weights (`ema_decay`) is filmed with the average, the weights it samples with.

    Args:
        path: the GIF file to write (parent folders are created).
        real_points: (N, 2) real data drawn in blue behind every frame.
        every_n_steps: steps between frames.
        num_points: generated points per frame.
        seed: seed of the fixed latent batch.
        png_path: where the last frame goes; `path` with a `.png` suffix when omitted.
        frame_ms: display time of each frame in milliseconds.
        max_real_points: at most this many real points are drawn (a fixed subset).
        limits: `(xmin, xmax, ymin, ymax)`; 30 % around the real points when omitted.
        title: text before the step number in each frame.

    Example:
    >>> gif = TrainingGIF("runs/wgan.gif", x_train, every_n_steps=50)  # doctest: +SKIP
    >>> model.fit(x_train, batch_size=800, epochs=1, callbacks=[gif])  # doctest: +SKIP
    """

    def __init__(
        self,
        path: str,
        real_points: Any,
        every_n_steps: int = 50,
        num_points: int = 1000,
        seed: int = 0,
        png_path: Optional[str] = None,
        frame_ms: int = 100,
        max_real_points: int = 2000,
        limits: Optional[Sequence[float]] = None,
        title: str = "",
    ):
        super().__init__()
        if every_n_steps < 1:
            raise ValueError(f"every_n_steps must be a positive integer; got {every_n_steps}.")
        real_points = np.asarray(real_points, dtype="float32")
        if real_points.ndim != 2 or real_points.shape[1] != 2:
            raise ValueError(
                f"TrainingGIF draws 2-D data: real_points must have shape (N, 2); got "
                f"{real_points.shape}."
            )
        if len(real_points) > max_real_points:
            keep = np.random.default_rng(seed).choice(len(real_points), max_real_points, False)
            real_points = real_points[keep]
        self.path = Path(path)
        self.png_path = Path(png_path) if png_path else self.path.with_suffix(".png")
        self.real_points = real_points
        self.every_n_steps = int(every_n_steps)
        self.num_points = int(num_points)
        self.seed = seed
        self.frame_ms = int(frame_ms)
        self.limits = tuple(limits) if limits is not None else _limits_around(real_points)
        self.title = title
        self.frames: list[tuple[int, np.ndarray]] = []
        self._latent_noise = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        model = self.model
        self._latent_noise = model.latent.sample_noise(
            self.num_points, seed=keras.random.SeedGenerator(self.seed)
        )
        self.frames = []
        self._record()

    def on_train_batch_end(self, batch, logs=None):
        ran = self.count_steps(batch)
        if self.crossed_multiple_of(self.every_n_steps, ran):
            self._record()

    def on_train_end(self, logs=None):
        if not self.frames or self.frames[-1][0] != self.step:
            self._record()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.png_path.parent.mkdir(parents=True, exist_ok=True)
        pictures = [
            render_points_frame(self.real_points, points, self.limits, f"{self.title}step {s}")
            for s, points in self.frames
        ]
        save_gif(pictures, self.path, frame_ms=self.frame_ms)
        _save_png(pictures[-1], self.png_path)

    def _record(self):
        model = self.model  # under JAX this syncs the variables out of the training state
        z = model.latent(self._latent_noise)
        with model.sampling_weights():
            points = keras.ops.convert_to_numpy(model.generator(z, training=False))
        self.frames.append((self.step, np.asarray(points, dtype="float32")))


def render_points_frame(
    real: np.ndarray,
    generated: np.ndarray,
    limits: Sequence[float],
    label: str = "",
    size_px: int = 360,
) -> np.ndarray:
    """Draws real (blue) and generated (red) 2-D points; returns a uint8 (H, W, 3) picture.

    Uses matplotlib's Agg canvas directly, so no pyplot state or display is involved.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dpi = 100
    figure = Figure(figsize=(size_px / dpi, size_px / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_axes((0.08, 0.08, 0.88, 0.84))
    axes.scatter(real[:, 0], real[:, 1], s=4, c="tab:blue", alpha=0.5, linewidths=0)
    axes.scatter(generated[:, 0], generated[:, 1], s=4, c="tab:red", alpha=0.6, linewidths=0)
    axes.set_xlim(limits[0], limits[1])
    axes.set_ylim(limits[2], limits[3])
    axes.set_aspect("equal", adjustable="box")
    axes.tick_params(labelsize=7)
    axes.set_title(label, fontsize=9)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def save_gif(pictures: Sequence[np.ndarray], path: Path, frame_ms: int = 100) -> None:
    """Writes uint8 (H, W, 3) pictures as an animated GIF that loops forever."""
    from PIL import Image

    if not pictures:
        raise ValueError("save_gif needs at least one picture.")
    images = [Image.fromarray(p).convert("P", palette=Image.Palette.ADAPTIVE) for p in pictures]
    images[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=frame_ms,
        loop=0,
        optimize=False,
        disposal=1,
    )


def _save_png(picture: np.ndarray, path: Path) -> None:
    from PIL import Image

    Image.fromarray(picture).save(path, format="PNG")


def _limits_around(points: np.ndarray, margin: float = 0.3) -> tuple:
    low, high = points.min(axis=0), points.max(axis=0)
    center, half = (low + high) / 2.0, max(float(np.max(high - low)) / 2.0, 1e-3)
    half *= 1.0 + margin
    return (
        float(center[0] - half),
        float(center[0] + half),
        float(center[1] - half),
        float(center[1] + half),
    )
