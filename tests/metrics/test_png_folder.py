"""Reading folders of PNG samples (as `generate` and the course template write them)."""

import numpy as np
import pytest
from PIL import Image

from keras_gmgan.metrics.png_folder import read_png_folder, write_png_folder


def _save(folder, name, array):
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(folder / name)


def test_reads_grey_28x28_in_natural_order(tmp_path):
    for i in (0, 1, 2, 10):
        _save(tmp_path, f"{i}.png", np.full((28, 28), 25 * i))
    (tmp_path / "notes.txt").write_text("not an image")
    images = read_png_folder(tmp_path)
    assert images.shape == (4, 28, 28, 1) and images.dtype == np.float32
    # Natural order: 0, 1, 2, 10 (not 0, 1, 10, 2); pixel p maps to p / 127.5 - 1.
    np.testing.assert_allclose(images[:, 0, 0, 0], np.array([0, 25, 50, 250]) / 127.5 - 1)
    assert read_png_folder(tmp_path, limit=2).shape == (2, 28, 28, 1)


def test_black_and_white_map_to_minus_one_and_one(tmp_path):
    image = np.zeros((28, 28))
    image[:, 14:] = 255
    _save(tmp_path, "0.png", image)
    pixels = read_png_folder(tmp_path)[0, :, :, 0]
    assert pixels.min() == -1.0 and pixels.max() == 1.0


def test_grey_images_stored_as_rgb_are_accepted(tmp_path):
    """torchvision's save_image (the course template) writes grey digits as 3 equal channels."""
    grey = np.random.default_rng(0).integers(0, 256, (28, 28))
    _save(tmp_path, "0.png", np.stack([grey] * 3, axis=-1))
    np.testing.assert_allclose(read_png_folder(tmp_path)[0, :, :, 0], grey / 127.5 - 1, atol=1e-6)


def test_other_sizes_are_rejected_with_the_file_name(tmp_path):
    _save(tmp_path, "0.png", np.zeros((28, 28)))
    _save(tmp_path, "1.png", np.zeros((32, 32)))
    with pytest.raises(ValueError, match=r"1\.png is 32×32 pixels; expected 28×28"):
        read_png_folder(tmp_path)


def test_colour_images_are_rejected(tmp_path):
    colour = np.zeros((28, 28, 3))
    colour[..., 0] = 255
    _save(tmp_path, "0.png", colour)
    with pytest.raises(ValueError, match="colour image"):
        read_png_folder(tmp_path)


def test_empty_or_missing_folder_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="No .png files"):
        read_png_folder(tmp_path)
    with pytest.raises(ValueError, match="is not a folder"):
        read_png_folder(tmp_path / "missing")


def test_write_then_read_round_trips_to_8_bits(tmp_path):
    images = np.random.default_rng(1).uniform(-1, 1, (12, 28, 28, 1)).astype("float32")
    paths = write_png_folder(images, tmp_path / "samples")
    assert [p.rsplit("/", 1)[-1] for p in paths[:3]] == ["0.png", "1.png", "2.png"]
    back = read_png_folder(tmp_path / "samples")
    np.testing.assert_allclose(back, images, atol=1 / 127.5 + 1e-6)


def test_the_grid_overview_beside_the_samples_is_skipped(tmp_path):
    """`generate` and the course template write grid.png (a larger mosaic) beside the samples."""
    _save(tmp_path, "0.png", np.zeros((28, 28)))
    _save(tmp_path, "grid.png", np.zeros((242, 242)))
    assert read_png_folder(tmp_path).shape == (1, 28, 28, 1)
    with pytest.raises(ValueError, match=r"grid\.png is 242×242"):
        read_png_folder(tmp_path, skip=())
