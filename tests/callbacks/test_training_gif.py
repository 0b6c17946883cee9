"""TrainingGIF: one frame per N steps, real points in blue, generated in red."""

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gmgan.callbacks import TrainingGIF
from keras_gmgan.datasets import get_mixture_2d
from keras_gmgan.models import WGAN
from keras_gmgan.networks import build_toy_2d_discriminator, build_toy_2d_generator


def _share(picture, mask):
    return float(np.mean(mask(*np.moveaxis(picture.astype(int), -1, 0))))


def _small_wgan(**kwargs) -> WGAN:
    """A weight-clipped WGAN of 16-unit networks on 2-D points, compiled to move fast."""
    wgan = WGAN(
        build_toy_2d_generator(2, (16,)),
        build_toy_2d_discriminator((16,)),
        lipschitz="clip",
        n_critic=2,
        seed=0,
        **kwargs,
    )
    wgan.compile(g_optimizer=keras.optimizers.Adam(5e-2))
    return wgan


def test_gif_has_a_frame_per_n_steps_and_the_last_frame_as_png(tmp_path):
    points = get_mixture_2d("two_modes").sample(256, seed=0)
    wgan = _small_wgan()
    gif = TrainingGIF(tmp_path / "run" / "train.gif", points, every_n_steps=3, num_points=300)

    # 2 epochs × 4 steps = 8 steps: frames after steps 0, 3, 6 and the last one, 8.
    wgan.fit(points, batch_size=32, epochs=2, steps_per_epoch=4, verbose=0, callbacks=[gif])

    assert [step for step, _ in gif.frames] == [0, 3, 6, 8]
    with Image.open(tmp_path / "run" / "train.gif") as image:
        assert image.n_frames == 4
        assert image.info.get("loop") == 0
    png = np.asarray(Image.open(tmp_path / "run" / "train.png").convert("RGB"))
    assert png.shape[0] > 200 and png.shape[1] > 200
    assert _share(png, lambda r, g, b: b > r + 50) > 0.002  # blue dots: the real data
    assert _share(png, lambda r, g, b: r > b + 50) > 0.002  # red dots: the generated points
    first, last = gif.frames[0][1], gif.frames[-1][1]
    assert first.shape == (300, 2) and not np.allclose(first, last)


def test_a_model_with_a_generator_average_is_filmed_with_the_average(tmp_path):
    points = get_mixture_2d("two_modes").sample(256, seed=0)
    wgan = _small_wgan(ema_decay=0.9)
    gif = TrainingGIF(tmp_path / "train.gif", points, every_n_steps=4, num_points=50)
    wgan.fit(points, batch_size=32, epochs=1, steps_per_epoch=8, verbose=0, callbacks=[gif])

    z = wgan.latent(gif._latent_noise)
    with wgan.sampling_weights("ema"):
        averaged = keras.ops.convert_to_numpy(wgan.generator(z))
    raw = keras.ops.convert_to_numpy(wgan.generator(z))
    assert not np.allclose(averaged, raw, atol=1e-4)  # the average lags the trained weights
    np.testing.assert_allclose(gif.frames[-1][1], averaged, rtol=1e-5, atol=1e-5)


def test_non_2d_real_points_are_rejected(tmp_path):
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        TrainingGIF(tmp_path / "x.gif", np.zeros((10, 3)))
    with pytest.raises(ValueError, match="every_n_steps must be a positive integer"):
        TrainingGIF(tmp_path / "x.gif", np.zeros((10, 2)), every_n_steps=0)
