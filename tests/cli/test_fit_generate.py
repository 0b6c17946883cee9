"""`keras-gmgan fit` and `generate` through click's runner and as a subprocess."""

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from keras_gmgan import runs
from keras_gmgan.cli.main import cli

SHARED_DATA = Path(os.environ.get("KERAS_GMGAN_DATA", "../shared/data"))
TINY = ["--epochs", "2", "--steps-per-epoch", "2", "--batch-size", "16", "--verbose", "0"]


def _run(args):
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "gan-digits"
    result = _run(["fit", "--model", "gan", "--dataset", "digits", "--out", str(out), *TINY])
    assert result.exit_code == 0, result.output
    return out


def test_fit_writes_every_run_file(digits_run):
    names = {p.name for p in digits_run.iterdir()}
    assert {
        "config.json",
        "history.csv",
        "loss.png",
        "model.keras",
        "results.json",
        "samples",
    } <= names
    assert sorted(p.name for p in (digits_run / "samples").iterdir()) == [
        "epoch_001.png",
        "epoch_002.png",
    ]
    config = json.loads((digits_run / "config.json").read_text())
    assert config["options"]["model"] == "gan" and config["options"]["epochs"] == 2
    assert config["backend"] in {"jax", "tensorflow", "torch"}
    assert "keras" in config["versions"]
    results = json.loads((digits_run / "results.json").read_text())
    assert results["epochs"] == 2 and results["steps"] == 4
    assert np.isfinite(results["final"]["d_loss"])
    history = (digits_run / "history.csv").read_text().splitlines()
    assert history[0].startswith("epoch,") and len(history) == 3


def test_generate_writes_exactly_n_pngs(digits_run, tmp_path):
    out = tmp_path / "samples"
    result = _run(
        ["generate", str(digits_run), "--n", "37", "--batch-size", "10", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    files = {p.name for p in out.iterdir()}
    assert files == {f"{i}.png" for i in range(37)} | {"grid.png"}
    image = Image.open(out / "36.png")
    assert image.size == (8, 8) and image.mode == "L"
    # Same seed, same pictures; the model file works as a source too.
    again = tmp_path / "again"
    args = ["--n", "37", "--batch-size", "10", "--out", str(again)]
    assert _run(["generate", str(digits_run / "model.keras"), *args]).exit_code == 0
    for name in ("0.png", "36.png"):
        np.testing.assert_array_equal(
            np.asarray(Image.open(again / name)), np.asarray(Image.open(out / name))
        )


@pytest.mark.skipif(not (SHARED_DATA / "mnist.npz").exists(), reason="MNIST not available")
def test_fit_on_mnist_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GMGAN_DATA", str(SHARED_DATA))
    out = tmp_path / "run"
    result = _run(["fit", "--model", "gan", "--out", str(out), *TINY])
    assert result.exit_code == 0, result.output
    grid = Image.open(out / "samples" / "epoch_002.png")
    assert grid.mode == "L" and grid.size[0] > 28 * 8


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "vae"], "Invalid value for '--model'"),
        (["--epochs", "0"], "Invalid value for '--epochs'"),
        (["--batch-size", "-4"], "Invalid value for '--batch-size'"),
        (["--latent-dim", "0"], "Invalid value for '--latent-dim'"),
        (["--components", "0"], "Invalid value for '--components'"),
        (["--dataset", "cifar"], "Invalid value for '--dataset'"),
    ],
)
def test_bad_options_exit_non_zero_without_a_run_directory(tmp_path, args, message):
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["fit", "--dataset", "digits", "--out", str(out), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_missing_data_offline_names_the_fix(tmp_path, monkeypatch):
    out = tmp_path / "run"
    monkeypatch.setenv("KERAS_GMGAN_DATA", str(tmp_path))
    result = CliRunner().invoke(
        cli, ["fit", "--data", str(tmp_path / "missing.npz"), "--out", str(out), *TINY]
    )
    assert result.exit_code == 1
    assert "--data" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_existing_out_dir_needs_overwrite(digits_run):
    before = (digits_run / "results.json").read_text()
    result = CliRunner().invoke(
        cli, ["fit", "--dataset", "digits", "--out", str(digits_run), *TINY]
    )
    assert result.exit_code == 2 and "--overwrite" in result.output
    assert (digits_run / "results.json").read_text() == before


def test_generate_rejects_missing_and_corrupt_models(tmp_path):
    result = CliRunner().invoke(
        cli, ["generate", str(tmp_path / "nothing"), "--out", str(tmp_path / "s")]
    )
    assert result.exit_code == 1 and "does not exist" in result.output
    corrupt = tmp_path / "broken.keras"
    corrupt.write_bytes(b"PK\x03\x04 truncated")
    result = CliRunner().invoke(cli, ["generate", str(corrupt), "--out", str(tmp_path / "s")])
    assert result.exit_code == 1 and "corrupt" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "s").exists()


def _refused(message, *args):
    result = CliRunner().invoke(cli, ["generate", *map(str, args)])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output
    return result


def test_generate_never_replaces_the_working_directory_or_the_run(
    digits_run, tmp_path, monkeypatch
):
    here = tmp_path / "here"
    here.mkdir()
    (here / "notes.txt").write_text("keep me")
    monkeypatch.chdir(here)
    run = shutil.copytree(digits_run, tmp_path / "run")
    for out in (".", here, tmp_path, run, run / "samples" / ".."):
        _refused("or a folder above it", run, "--n", "3", "--out", out, "--overwrite")
    _refused("is a file", run, "--n", "3", "--out", run / "model.keras", "--overwrite")
    assert (here / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in here.iterdir()) == ["notes.txt"]
    assert (run / "model.keras").exists() and (run / "results.json").exists()


def test_generate_overwrite_replaces_only_its_own_files(digits_run, tmp_path):
    out = tmp_path / "samples"
    assert _run(["generate", str(digits_run), "--n", "3", "--out", str(out)]).exit_code == 0
    args = ["generate", str(digits_run), "--n", "2", "--out", str(out), "--overwrite"]
    assert _run(args).exit_code == 0
    assert {p.name for p in out.iterdir()} == {"0.png", "1.png", "grid.png"}
    (out / "notes.txt").write_text("keep me")
    _refused("also holds notes.txt", *args[1:])
    assert {p.name for p in out.iterdir()} == {"0.png", "1.png", "grid.png", "notes.txt"}
    _refused("also holds epoch_001.png and 1 more", *args[1:4], "--out", digits_run / "samples",
             "--overwrite")  # fmt: skip
    assert len(list((digits_run / "samples").iterdir())) == 2


def test_generate_out_that_is_a_file_is_refused(digits_run, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    for extra in ([], ["--overwrite"]):
        _refused(f"--out {afile} is a file", digits_run, "--n", "3", "--out", afile, *extra)
    _refused(f"is inside {afile}, a file", digits_run, "--n", "3", "--out", afile / "x")
    assert afile.read_text() == "keep me"


def test_generate_out_folder_follows_the_umask(digits_run, tmp_path):
    runs._umask.cache_clear()
    previous = os.umask(0o027)
    try:
        out = tmp_path / "samples"
        assert _run(["generate", str(digits_run), "--n", "2", "--out", str(out)]).exit_code == 0
    finally:
        os.umask(previous)
        runs._umask.cache_clear()
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert stat.S_IMODE((out / "0.png").stat().st_mode) == 0o640


def test_info_and_subprocess_entry_point(tmp_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    completed = subprocess.run(
        [sys.executable, "-m", "keras_gmgan.cli.main", "info"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert "backend: " in completed.stdout and "keras: 3." in completed.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "keras_gmgan.cli.main", "fit", "--epochs", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert bad.returncode == 2 and "Invalid value for '--epochs'" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "runs").exists()


def test_ema_decay_is_saved_and_generate_samples_it_unless_raw_weights(tmp_path):
    from keras_gmgan.visualization import to_uint8

    out = tmp_path / "gan-ema"
    args = ["fit", "--model", "gan", "--dataset", "digits", "--ema-decay", "0.9"]
    result = _run([*args, "--out", str(out), *TINY])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "config.json").read_text())["options"]["ema_decay"] == 0.9
    model = runs.load_model(out)
    assert model.generator_average.decay == 0.9

    pictures = {}
    for name, extra in (("ema", []), ("raw", ["--raw-weights"])):
        folder = tmp_path / name
        result = _run(["generate", str(out), "--n", "5", "--out", str(folder), *extra])
        assert result.exit_code == 0, result.output
        pictures[name] = np.stack([np.array(Image.open(folder / f"{i}.png")) for i in range(5)])
        expected = to_uint8(model.generate(5, seed=0, weights=name))
        np.testing.assert_array_equal(pictures[name], expected.reshape(pictures[name].shape))
    assert np.any(pictures["ema"] != pictures["raw"])


def test_ema_decay_is_refused_for_a_model_that_generates_nothing(tmp_path):
    result = CliRunner().invoke(
        cli, ["fit", "--model", "cnn-baseline", "--ema-decay", "0.9", "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2 and "--ema-decay does not apply to --model cnn-baseline" in (
        result.output
    )
