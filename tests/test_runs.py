"""`keras_gmgan.runs`: the atomic writers give files the mode the umask asks for; a `Run`
creates, trains, finishes, resumes and reads back a run directory."""

import json
import os
import stat

import keras
import numpy as np
import pytest

from keras_gmgan import runs


@pytest.fixture(params=[0o022, 0o027])
def umask(request):
    """Runs the test under this umask (and forgets the cached one either side)."""
    runs._umask.cache_clear()
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)
    runs._umask.cache_clear()


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_atomic_writes_follow_the_umask_like_plain_files(umask, tmp_path):
    runs.write_json_atomic(tmp_path / "results.json", {"epochs": 1})
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    runs.save_model_atomic(model, tmp_path / "model.keras")
    (tmp_path / "plain.txt").write_text("")
    assert _mode(tmp_path / "results.json") == 0o666 & ~umask
    assert _mode(tmp_path / "model.keras") == _mode(tmp_path / "plain.txt") == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "model.keras",
        "plain.txt",
        "results.json",
    ]
    assert os.umask(umask) == umask  # reading it left it as it was


# The Run API ------------------------------------------------------------------------------


def _points(n=128):
    return np.random.default_rng(0).normal(size=(n, 2)).astype("float32")


def _batches(initial_epoch=0):
    from keras_gmgan.datasets.batches import RepeatingBatches

    return RepeatingBatches((_points(),), 32, steps_per_epoch=2, seed=0,
                            initial_epoch=initial_epoch)  # fmt: skip


def test_a_script_runs_what_fit_runs(tmp_path):
    from keras_gmgan import recipes
    from keras_gmgan.callbacks import Mixture2DMetrics
    from keras_gmgan.datasets import get_mixture_2d

    run = runs.Run.create(tmp_path / "run", {"model": "gan", "dataset": "ring", "seed": 0})
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["format"] == runs.CONFIG_FORMAT and config["options"]["model"] == "gan"
    assert config["backend"] == keras.backend.backend()
    modes = Mixture2DMetrics(get_mixture_2d("ring"), num_samples=100)
    results = run.fit(recipes.gan((2,), seed=0), _batches(), epochs=2, evaluations=[modes],
                      evaluate=lambda model: {"extra": 1}, verbose=0)  # fmt: skip
    assert sorted(p.name for p in run.directory.iterdir()) == [
        "config.json", "history.csv", "loss.png", "model.keras", "results.json"
    ]  # fmt: skip
    assert results["epochs"] == 2 and results["steps"] == 4 and results["extra"] == 1
    assert results["model"] == "gan" and [r["step"] for r in results["mode_evaluations"]] == [2, 4]
    assert results["modes"] == results["mode_evaluations"][-1]
    finished = runs.Run.open(run.directory)
    assert finished.results() == json.loads(json.dumps(results))
    assert len(finished.history()["d_loss"]) == 2 and "modes_captured" in finished.history()
    generator = finished.load_generator()
    assert generator.generate(3, seed=0).shape == (3, 2)
    with pytest.raises(runs.ModelFileError, match="generative model, not a classifier"):
        finished.load_classifier()
    with pytest.raises(runs.ModelFileError, match="finished already"):
        runs.Run.resume(run.directory)


def test_a_crashed_run_resumes_from_its_checkpoint(tmp_path, monkeypatch):
    from keras_gmgan import callbacks, recipes

    class CrashingCheckpoint(callbacks.EpochCheckpoint):
        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, logs)
            raise KeyboardInterrupt

    run = runs.Run.create(tmp_path / "run", {"seed": 0})
    with monkeypatch.context() as patched:
        patched.setattr(callbacks, "EpochCheckpoint", CrashingCheckpoint)
        with pytest.raises(KeyboardInterrupt):
            run.fit(recipes.gan((2,), seed=0), _batches(), epochs=3, verbose=0)
    assert (run.directory / "checkpoint.keras").is_file()
    resumed = runs.Run.resume(run.directory)
    assert resumed.initial_epoch == 1
    results = resumed.fit(resumed.load_checkpoint(), _batches(1), epochs=3, verbose=0)
    assert results["epochs"] == 3 and results["steps"] == 6
    assert len(resumed.history()["epoch"]) == 3
    assert not (run.directory / "checkpoint.keras").exists()


def test_a_run_that_fails_before_its_first_checkpoint_leaves_nothing(tmp_path):
    from keras_gmgan import recipes

    run = runs.Run.create(tmp_path / "run", {"seed": 0})
    with pytest.raises(ValueError):
        run.fit(recipes.gan((2,)), np.zeros((8, 3), "float32"), epochs=1, verbose=0)
    assert not run.directory.exists()


def test_a_run_directory_is_checked_before_it_is_taken(tmp_path):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("keep")
    (tmp_path / "afile").write_text("")
    with pytest.raises(runs.RunDirectoryError, match="already exists"):
        runs.Run.create(tmp_path / "other", {})
    with pytest.raises(runs.RunDirectoryError, match="replaces run directories only"):
        runs.Run.create(tmp_path / "other", {}, overwrite=True)
    with pytest.raises(runs.RunDirectoryError, match="is a file"):
        runs.Run.create(tmp_path / "afile" / "run", {})
    assert (tmp_path / "other" / "notes.txt").read_text() == "keep"
