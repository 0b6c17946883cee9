"""`keras_gmgan.scoring.evaluate_source`: what `keras-gmgan evaluate` does, from a script."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from keras_gmgan import recipes
from keras_gmgan.metrics import write_png_folder
from keras_gmgan.scoring import (
    EvaluationError,
    InapplicableOptionError,
    evaluate_source,
    sampled_weights,
)

SHARED_DATA = Path(os.environ.get("KERAS_GMGAN_DATA", "../shared/data")).resolve()
needs_mnist = pytest.mark.skipif(
    not (SHARED_DATA / "mnist.npz").exists(), reason="MNIST not available"
)


def _small_mnist(path: Path, n_train: int = 64, n_test: int = 24) -> Path:
    with np.load(SHARED_DATA / "mnist.npz") as mnist:
        np.savez(path, x_train=mnist["x_train"][:n_train], y_train=mnist["y_train"][:n_train],
                 x_test=mnist["x_test"][:n_test], y_test=mnist["y_test"][:n_test])  # fmt: skip
    return path


@needs_mnist
def test_a_png_folder_is_scored_against_real_images_and_written_only_where_asked(tmp_path):
    data = _small_mnist(tmp_path / "mnist.npz")
    with np.load(data) as mnist:
        real = mnist["x_test"][:16].astype("float32") / 127.5 - 1.0
    folder = tmp_path / "samples"
    write_png_folder(real, folder)
    notes = []
    scored = evaluate_source(folder, n=20, data=str(data), echo=notes.append)
    # 16 PNGs, fewer than asked: every set shrinks to 16, and the note says why.
    assert notes == [f"Scoring 16 images, not --n 20: {folder} holds 16 PNG images."]
    assert scored.header == {"source_type": "png", "real": "mnist", "seed": 0}
    assert scored.report["n_generated"] == scored.report["n_real"] == 16
    assert scored.report["fid"] < 1.0  # the test images themselves
    assert scored.json_path is None and sorted(p.name for p in folder.iterdir())[0] == "0.png"
    assert not (folder / "evaluation.json").exists()

    out = tmp_path / "report" / "scores.json"
    again = evaluate_source(folder, n=16, data=str(data), json_path=out)
    written = json.loads(out.read_text())
    assert written["fid"] == pytest.approx(scored.report["fid"])
    assert written["source"] == str(folder) and written == again.payload()


def test_sources_and_options_that_cannot_be_scored_are_refused(tmp_path):
    with pytest.raises(EvaluationError, match="does not exist"):
        evaluate_source(tmp_path / "nothing")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(EvaluationError, match="neither a run directory"):
        evaluate_source(tmp_path / "notes.txt")
    folder = tmp_path / "pngs"
    folder.mkdir()
    with pytest.raises(InapplicableOptionError, match="--sigma-scale applies to a model"):
        evaluate_source(folder, sigma_scale=0.5)
    with pytest.raises(EvaluationError, match="No .png files in"):
        evaluate_source(folder)

    model = recipes.gan((2,), seed=0, ema_decay=0.9)
    path = tmp_path / "points.keras"
    model.save(path)
    assert sampled_weights(model) == "ema" and sampled_weights(model, True) == "raw"
    # Which mixture a .keras file of points should match is recorded only in a run.
    with pytest.raises(InapplicableOptionError, match="evaluate the run directory instead"):
        evaluate_source(path)
    assert not (tmp_path / "evaluation.json").exists()
