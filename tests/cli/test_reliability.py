"""Reliability of `keras-gmgan fit`: resume checks, NaN guard, bad input, repeatability.

The slow subprocess tests (SIGKILL, signals, two writers) have files of their own.
"""

import json
import os
import signal
import subprocess
import sys
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
        "unit_range_floats": {**good, "x_train": good["x_train"] / 255.0},
        "no_images": {
            **good,
            "x_train": np.zeros((0, 28, 28), np.uint8),
            "y_train": np.zeros((0,), np.int64),
        },
    }
    for name, arrays in cases.items():
        path = tmp_path / f"{name}.npz"
        np.savez(path, **arrays)
        out = tmp_path / f"run-{name}"
        result = _cli("fit", "--data", str(path), "--out", str(out), "--epochs", "1")
        assert result.exit_code == 1, (name, result.output)
        assert result.output.startswith("Error: ") and len(result.output.splitlines()) == 1
        assert "Traceback" not in result.output and not out.exists()
        if name == "unit_range_floats":
            assert "np.round(x_train * 255).astype('uint8')" in result.output


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
    history = (tmp_path / "resumed" / "history.csv").read_bytes()
    assert history.count(b"\r\n") == 4 and b"\n" not in history.replace(b"\r\n", b"")
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


@pytest.mark.parametrize(
    "args",
    [
        ("fit", "--lr", "nan"),
        ("fit", "--lr", "inf"),
        ("fit", "--beta1", "nan"),
        ("fit", "--c", "inf"),
        ("generate", "run", "--sigma-scale", "nan"),
        ("evaluate", "run", "--drs", "--drs-percentile", "nan"),
    ],
)
def test_nan_and_infinity_are_refused_for_float_options(tmp_path, args):
    out = tmp_path / "out"
    result = _cli(*args, "--out" if args[0] != "evaluate" else "--json", str(out))
    assert result.exit_code == 2 and "is not a finite number" in result.output, result.output
    assert "Traceback" not in result.output and not out.exists()


def test_every_float_option_of_every_command_refuses_nan():
    import click

    from keras_gmgan.cli.option_types import FiniteFloat

    floats = [
        (name, param.name)
        for name, command in cli.commands.items()
        for param in command.params
        if isinstance(param.type, (click.types.FloatParamType, click.FloatRange))
    ]
    assert ("fit", "lr") in floats and ("generate", "sigma_scale") in floats
    for command, name in floats:
        param = next(p for p in cli.commands[command].params if p.name == name)
        assert isinstance(param.type, FiniteFloat), (command, name)


@pytest.mark.parametrize("command", ["fit", "generate", "evaluate", "refit-latent"])
@pytest.mark.parametrize("seed", ["-1", "4294967296"])
def test_seeds_outside_numpys_range_are_refused(tmp_path, command, seed):
    source = () if command == "fit" else (str(tmp_path / "run"),)
    result = _cli(command, *source, "--seed", seed)
    assert result.exit_code == 2 and "Invalid value for '--seed'" in result.output
    assert "0<=x<=4294967295" in result.output and "Traceback" not in result.output


def test_a_truncated_fashion_mnist_download_exits_with_one_line(tmp_path):
    import gzip

    header = bytes([0, 0, 8, 3]) + np.array([4, 28, 28], ">u4").tobytes()
    whole = gzip.compress(header + bytes(4 * 28 * 28))
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(whole[: len(whole) // 2])
    out = tmp_path / "run"
    result = _cli("fit", "--dataset", "fashion_mnist", "--data", str(tmp_path), "--out", str(out))
    assert result.exit_code == 1 and "train-images-idx3-ubyte.gz is not a readable gzip" in (
        result.output
    ), result.output
    assert len(result.output.splitlines()) == 1 and not out.exists()


def test_evaluate_names_a_png_that_is_not_an_image(tmp_path):
    from keras_gmgan.metrics import write_png_folder

    folder = tmp_path / "samples"
    write_png_folder(np.zeros((12, 28, 28), "float32"), folder)
    (folder / "5.png").write_bytes(b"not a png at all")
    result = _cli("evaluate", str(folder), "--n", "12")
    assert result.exit_code == 1 and "5.png is not a readable PNG image" in result.output
    assert len(result.output.splitlines()) == 1, result.output


def test_a_model_of_an_unknown_class_is_refused_in_a_short_line(tmp_path):
    import zipfile

    fixture = Path(__file__).parents[1] / "fixtures" / "gan_jax.keras"
    renamed = tmp_path / "renamed.keras"
    with zipfile.ZipFile(fixture) as source, zipfile.ZipFile(renamed, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "config.json":
                config = json.loads(content)
                config.update(class_name="GANFromTheFuture",
                              registered_name="keras_gmgan>GANFromTheFuture")  # fmt: skip
                content = json.dumps(config)
            target.writestr(name, content)
    result = _cli("generate", str(renamed), "--n", "2", "--out", str(tmp_path / "samples"))
    assert result.exit_code == 1 and "'GANFromTheFuture'" in result.output, result.output[:500]
    assert len(result.output.splitlines()) == 1 and len(result.output) < 400
    assert not (tmp_path / "samples").exists()


def test_resuming_keeps_the_line_endings_of_the_kept_history_rows(tmp_path):
    from keras_gmgan.runs import truncate_history

    path = tmp_path / "history.csv"
    path.write_bytes(b"epoch,d_loss\r\n0,0.5\r\n1,0.4\r\n2,0.3\r\n")
    truncate_history(path, 2)
    assert path.read_bytes() == b"epoch,d_loss\r\n0,0.5\r\n1,0.4\r\n"


def _small_mnist(path, n_train=64, n_test=20):
    """An MNIST-layout npz holding n_train real train and n_test real test images."""
    with np.load(Path(os.environ["KERAS_GMGAN_DATA"]) / "mnist.npz") as mnist:
        np.savez(path, x_train=mnist["x_train"][:n_train], y_train=mnist["y_train"][:n_train],
                 x_test=mnist["x_test"][:n_test], y_test=mnist["y_test"][:n_test])  # fmt: skip
    return path


def test_evaluation_sizes_shrink_to_the_images_there_are_and_say_so(tmp_path):
    from keras_gmgan.metrics import write_png_folder

    folder = tmp_path / "samples"
    write_png_folder(np.random.default_rng(0).uniform(-1, 1, (12, 28, 28)), folder)
    report = tmp_path / "report.json"
    result = _cli("evaluate", str(folder), "--n", "30", "--json", str(report))
    assert result.exit_code == 0, result.output
    assert f"Scoring 12 images, not --n 30: {folder} holds 12 PNG images." in result.output
    scores = json.loads(report.read_text())
    assert scores["n_generated"] == scores["n_real"] == 12

    data = _small_mnist(tmp_path / "small.npz", n_test=20)
    out = tmp_path / "run"
    result = _cli("fit", "--data", str(data), "--epochs", "1", "--steps-per-epoch", "2",
                  "--batch-size", "16", "--eval-every", "2", "--eval-samples", "50",
                  "--verbose", "0", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Evaluating 20 samples, not 50: the mnist test set has 20 images." in result.output
    results = json.loads((out / "results.json").read_text())
    assert results["evaluation_samples"] == 20
    assert json.loads((out / "config.json").read_text())["options"]["eval_samples"] == 20


#: Runs the CLI with some packages hidden, as if not installed: the path finder does not
#: find them, so `find_spec` gives None and `import` raises ModuleNotFoundError.
HIDING_CLI = """
import importlib.machinery, sys
HIDDEN = sys.argv.pop(1).split(",")
class Hide(importlib.machinery.PathFinder):
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.partition(".")[0] in HIDDEN:
            return None
        return importlib.machinery.PathFinder.find_spec(name, path, target)
sys.meta_path[:] = [Hide if f is importlib.machinery.PathFinder else f for f in sys.meta_path]
from keras_gmgan.cli.main import cli
cli()
"""


def _cli_without(hidden, *args, **env):
    clean = {k: v for k, v in ENV.items() if k != "KERAS_BACKEND"}
    command = [sys.executable, "-c", HIDING_CLI, ",".join(hidden), *args]
    return subprocess.run(
        command, env={**clean, **env}, capture_output=True, text=True, timeout=300
    )


def test_backend_choice_when_keras_default_is_missing_or_the_name_is_wrong(tmp_path):
    others = [name for name in ("jax", "tensorflow", "torch") if name != BACKEND]
    home = tmp_path / "keras_home"
    home.mkdir()
    (home / "keras.json").write_text(json.dumps({"backend": others[0]}))

    picked = _cli_without(others, "info", KERAS_HOME=str(home))
    assert picked.returncode == 0, picked.stderr[-2000:]
    assert f"backend: {BACKEND}" in picked.stdout
    note = (f"Using the {BACKEND} backend: KERAS_BACKEND is unset and Keras' configured "
            f"backend, {others[0]} ({home / 'keras.json'}), is not installed.")  # fmt: skip
    assert note in picked.stderr

    for hidden, env, message in [
        ((), {"KERAS_BACKEND": "nonsense"}, "KERAS_BACKEND=nonsense is not a backend"),
        ((BACKEND,), {"KERAS_BACKEND": BACKEND}, f"KERAS_BACKEND={BACKEND}, but {BACKEND} is "
                                                 "not installed; pip install"),
        ((BACKEND, *others), {"KERAS_HOME": str(home)}, "No Keras backend is installed"),
    ]:  # fmt: skip
        refused = _cli_without(hidden, "fit", "--epochs", "1", **env)
        assert refused.returncode == 1 and refused.stderr.startswith(f"Error: {message}")
        assert len(refused.stderr.splitlines()) == 1, refused.stderr[-2000:]


def test_stop_on_signal_puts_the_previous_handlers_back():
    from keras_gmgan.callbacks import StopOnSignal

    before = signal.getsignal(signal.SIGTERM)
    with StopOnSignal() as callback:
        callback.on_train_begin()
        assert signal.getsignal(signal.SIGTERM) == callback._record
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_signal_after_an_epochs_last_batch_still_interrupts():
    # Keras then stops after that epoch and fit returns normally; leaving the block raises.
    from keras_gmgan.callbacks import StopOnSignal, TrainingInterrupted

    with pytest.raises(TrainingInterrupted) as raised:
        with StopOnSignal() as callback:
            callback.on_train_begin()
            callback._record(signal.SIGTERM, None)
            callback.on_train_end()
    assert raised.value.exit_code == 143


def test_a_full_disk_is_one_line_and_leaves_no_partial_checkpoint(tmp_path, monkeypatch):
    import errno

    saves = []
    real_save = keras.Model.save

    def save_until_the_disk_fills(model, path, *args, **kwargs):
        saves.append(Path(path).name)
        if len(saves) == 2:  # the second epoch's checkpoint: half written, then ENOSPC
            Path(path).write_bytes(b"\0" * 1000)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_save(model, path, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "save", save_until_the_disk_fills)
    run = tmp_path / "run"
    result = _cli("fit", "--dataset", "digits", "--epochs", "3", "--steps-per-epoch", "2",
                  "--batch-size", "16", "--verbose", "0", "--out", str(run))  # fmt: skip
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1, result.output
    assert result.output == (
        f"Error: Cannot write to {run}: No space left on device ({run}/{saves[1]}); the "
        f"checkpoint after epoch 1 is intact; free some space and continue with keras-gmgan "
        f"fit --resume {run}.\n"
    )
    assert saves == [".checkpoint.epoch-1.keras", ".checkpoint.epoch-2.keras"]
    assert not list(run.glob(".checkpoint.epoch-*"))
    assert json.loads((run / "checkpoint.json").read_text())["epochs_completed"] == 1

    monkeypatch.setattr(keras.Model, "save", real_save)
    model = Path(__file__).parents[1] / "fixtures" / f"gan_{BACKEND}.keras"

    def disk_full(pixels, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("keras_gmgan.visualization.save_png", disk_full)
    out = tmp_path / "samples"
    result = _cli("generate", str(model), "--n", "3", "--out", str(out))
    assert result.exit_code == 1 and "No space left on device; nothing was kept" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
