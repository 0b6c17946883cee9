"""Reliability of `keras-gmgan fit`: resume after SIGKILL, NaN guard, bad input, repeatability."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
from click.testing import CliRunner

from keras_gmgan.cli.main import cli
from tests.conftest import history_rows

BACKEND = keras.backend.backend()
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _cli(*args):
    return CliRunner().invoke(cli, list(args))


def test_resume_after_sigkill_loses_at_most_one_epoch(tmp_path):
    run = tmp_path / "run"
    command = [sys.executable, "-m", "keras_gmgan.cli.main", "fit", "--dataset", "digits",
               "--epochs", "4", "--steps-per-epoch", "200", "--batch-size", "32",
               "--verbose", "0", "--out", str(run)]  # fmt: skip
    process = subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    state = run / "checkpoint.json"
    deadline = time.time() + 600
    while time.time() < deadline and process.poll() is None:
        if state.exists() and json.loads(state.read_text())["epochs_completed"] >= 1:
            break
        time.sleep(0.05)
    assert process.poll() is None, process.stderr.read().decode()[-2000:]
    assert state.exists(), "no epoch finished within 10 minutes"
    time.sleep(0.3)  # into the next epoch
    process.send_signal(signal.SIGKILL)
    process.wait()

    completed = json.loads(state.read_text())["epochs_completed"]
    logged = len(history_rows(run))
    assert 1 <= completed <= 3 and logged - completed in (0, 1)
    assert not (run / "model.keras").exists()

    result = _cli("fit", "--resume", str(run), "--verbose", "0")
    assert result.exit_code == 0, result.output
    assert f"after epoch {completed} of 4" in result.output
    rows = history_rows(run)
    assert [int(row["epoch"]) for row in rows] == [0, 1, 2, 3]
    assert all(np.isfinite(float(row["d_loss"])) for row in rows)
    results = json.loads((run / "results.json").read_text())
    assert results["epochs"] == 4 and results["steps"] == 4 * 200
    assert not state.exists() and (run / "model.keras").exists()


def test_resume_refuses_missing_foreign_and_finished_runs(tmp_path):
    result = _cli("fit", "--resume", str(tmp_path / "nothing"))
    assert result.exit_code == 2 and "no such run directory" in result.output

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "config.json").write_text(json.dumps({"format": 99, "options": {}}))
    result = _cli("fit", "--resume", str(foreign))
    assert result.exit_code == 1 and "config format 99" in result.output

    result = _cli("fit", "--resume", str(foreign), "--epochs", "3")
    assert result.exit_code == 2 and "drop --epochs" in result.output


def test_fit_resume_with_a_corrupt_counter_exits_with_one_line(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"format": 1, "options": {}}))
    (tmp_path / "checkpoint.keras").write_bytes(b"not read")
    (tmp_path / "checkpoint.json").write_text("{")
    result = _cli("fit", "--resume", str(tmp_path))
    assert result.exit_code == 1 and "checkpoint.json is corrupt" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "checkpoint.json",
        "checkpoint.keras",
        "config.json",
    ]


def test_same_seed_gives_the_same_first_epoch(tmp_path):
    histories = []
    for name in ("a", "b"):
        result = _cli("fit", "--dataset", "digits", "--epochs", "1", "--steps-per-epoch", "5",
                      "--batch-size", "16", "--verbose", "0", "--seed", "11",
                      "--out", str(tmp_path / name))  # fmt: skip
        assert result.exit_code == 0, result.output
        histories.append(history_rows(tmp_path / name)[0])
    # Bitwise on CPU for all three backends; GPU kernels may differ in the last bits.
    assert histories[0] == histories[1]


def test_non_finite_loss_stops_at_once_with_the_step_named(tmp_path):
    from keras_gmgan.callbacks import NonFiniteLossError, StopOnNonFinite
    from keras_gmgan.models import GAN
    from keras_gmgan.networks import build_mlp_discriminator, build_mlp_generator

    gan = GAN(build_mlp_generator(4, (3,), (8,)), build_mlp_discriminator((3,), (8,)), seed=0)
    gan.compile()
    data = np.ones((64, 3), "float32")
    data[20:] = np.nan
    with pytest.raises(NonFiniteLossError, match="at training step 2") as raised:
        gan.fit(
            data, batch_size=16, epochs=3, shuffle=False, verbose=0, callbacks=[StopOnNonFinite()]
        )
    assert raised.value.step == 2 and raised.value.name in {"d_loss", "d_real"}
    assert int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations)) == 2


def test_bad_data_files_exit_with_one_line_and_no_run(tmp_path):
    rng = np.random.default_rng(0)
    good = dict(x_train=rng.integers(0, 256, (8, 28, 28), dtype=np.uint8),
                y_train=np.arange(8), x_test=np.zeros((2, 28, 28), np.uint8),
                y_test=np.arange(2))  # fmt: skip
    cases = {
        "missing_keys": {k: v for k, v in good.items() if k != "x_test"},
        "wrong_shape": {**good, "x_train": np.zeros((8, 32, 32), np.uint8)},
        "wrong_dtype": {**good, "x_train": np.zeros((8, 28, 28), dtype="U1")},
        "nan_pixels": {**good, "x_train": np.full((8, 28, 28), np.nan)},
        "out_of_range": {**good, "x_train": np.full((8, 28, 28), -3.0)},
    }
    for name, arrays in cases.items():
        path = tmp_path / f"{name}.npz"
        np.savez(path, **arrays)
        out = tmp_path / f"run-{name}"
        result = _cli("fit", "--data", str(path), "--out", str(out), "--epochs", "1")
        assert result.exit_code == 1, (name, result.output)
        assert result.output.startswith("Error: ") and len(result.output.splitlines()) == 1
        assert "Traceback" not in result.output and not out.exists()


def test_out_paths_that_cannot_be_a_run_directory(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    result = _cli("fit", "--dataset", "digits", "--out", str(blocker / "run"), "--epochs", "1")
    assert result.exit_code == 2 and f"{blocker} is a file, not a directory" in result.output
    for extra in ((), ("--overwrite",)):
        result = _cli("fit", "--dataset", "digits", "--out", str(blocker), *extra)
        assert result.exit_code == 2 and "is a file; give a directory path" in result.output
        assert blocker.read_text() == "not a directory"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any directory")
def test_unwritable_output_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = _cli("fit", "--dataset", "digits", "--out", str(locked / "run"), "--epochs", "1")
    assert result.exit_code == 1 and f"{locked} is not writable" in result.output


def test_overwrite_replaces_only_an_earlier_run(tmp_path, monkeypatch):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "precious.txt").write_text("keep me")
    args = ("fit", "--dataset", "digits", "--epochs", "1", "--steps-per-epoch", "2",
            "--verbose", "0", "--overwrite", "--out")  # fmt: skip
    result = _cli(*args, str(folder))
    assert result.exit_code == 2 and "replaces run directories only" in result.output
    monkeypatch.chdir(folder)
    for out in (".", "..", str(tmp_path)):
        result = _cli(*args, out)
        assert result.exit_code == 2 and "holds the working directory" in result.output
    assert (folder / "precious.txt").read_text() == "keep me"

    run = tmp_path / "run"
    for _ in range(2):  # the second time over the first run, which --overwrite replaces
        result = _cli(*args, str(run))
        assert result.exit_code == 0, result.output
        assert (run / "results.json").exists()


def test_a_batch_larger_than_the_data_exits_2_without_a_run(tmp_path):
    out = tmp_path / "run"
    result = _cli("fit", "--dataset", "digits", "--batch-size", "2000", "--out", str(out))
    assert result.exit_code == 2 and "larger than the 1500 training examples" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_a_relative_data_path_is_stored_absolute(tmp_path, monkeypatch):
    data = Path(os.environ["KERAS_GMGAN_DATA"]).resolve()
    monkeypatch.chdir(data)
    out = tmp_path / "run"
    result = _cli("fit", "--data", "mnist.npz", "--epochs", "1", "--steps-per-epoch", "1",
                  "--verbose", "0", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    options = json.loads((out / "config.json").read_text())["options"]
    assert options["data"] == str(data / "mnist.npz")


def _crash_after_first_checkpoint(monkeypatch):
    """Stands in for a kill right after the first epoch's checkpoint is written."""
    from keras_gmgan import callbacks

    class CrashingCheckpoint(callbacks.EpochCheckpoint):
        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, logs)
            raise KeyboardInterrupt("killed after the first checkpoint")

    monkeypatch.setattr(callbacks, "EpochCheckpoint", CrashingCheckpoint)


def test_a_resumed_run_reports_the_evaluations_of_the_whole_run(tmp_path, monkeypatch):
    args = ("fit", "--model", "gan", "--dataset", "ring", "--epochs", "3",
            "--steps-per-epoch", "4", "--eval-every", "2", "--eval-samples", "200",
            "--verbose", "0", "--seed", "3", "--out")  # fmt: skip
    assert _cli(*args, str(tmp_path / "whole")).exit_code == 0
    whole = json.loads((tmp_path / "whole" / "results.json").read_text())

    with monkeypatch.context() as patched:
        _crash_after_first_checkpoint(patched)
        result = _cli(*args, str(tmp_path / "resumed"))
    assert result.exit_code == 1 and (tmp_path / "resumed" / "checkpoint.json").exists()
    result = _cli("fit", "--resume", str(tmp_path / "resumed"), "--verbose", "0")
    assert result.exit_code == 0 and "after epoch 1 of 3" in result.output, result.output
    resumed = json.loads((tmp_path / "resumed" / "results.json").read_text())

    steps = [record["step"] for record in resumed["mode_evaluations"]]
    assert steps == [record["step"] for record in whole["mode_evaluations"]] == [2, 4, 6, 8, 10, 12]
    for ours, theirs in zip(resumed["mode_evaluations"], whole["mode_evaluations"]):
        assert ours["modes_captured"] == theirs["modes_captured"]
        np.testing.assert_allclose(ours["reverse_kl"], theirs["reverse_kl"], rtol=1e-4)
    assert resumed["train_seconds"] > 0 and resumed["steps"] == 12
    assert sorted(p.name for p in (tmp_path / "resumed").iterdir()) == sorted(
        p.name for p in (tmp_path / "whole").iterdir()
    )


def test_truncated_model_file_is_rejected(tmp_path):
    from keras_gmgan.models import GAN
    from keras_gmgan.networks import build_mlp_discriminator, build_mlp_generator

    gan = GAN(build_mlp_generator(4, (8, 8, 1), (8,)), build_mlp_discriminator((8, 8, 1), (8,)))
    gan.compile()
    path = tmp_path / "gan.keras"
    gan.save(path)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    result = _cli("generate", str(truncated), "--out", str(tmp_path / "samples"), "--n", "2")
    assert result.exit_code == 1 and "corrupt, truncated" in result.output
    assert not (tmp_path / "samples").exists()
