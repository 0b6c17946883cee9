"""The GM-GAN family through the command line: fit, warm start, generate --label and
--sigma-scale, refit-latent."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from keras_gmgan.cli.main import cli

TINY = ["--dataset", "digits", "--epochs", "1", "--steps-per-epoch", "3", "--batch-size", "16",
        "--latent-dim", "8", "--verbose", "0"]  # fmt: skip


def _ok(*args):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("gmgan-runs")
    _ok("fit", "--model", "gan", *TINY, "--out", str(root / "gan"))
    _ok("fit", "--model", "gmgan-supervised", *TINY, "--init-from", str(root / "gan"),
        "--out", str(root / "supervised"))  # fmt: skip
    return root


def test_static_gmgan_warm_started_from_a_gan(runs, tmp_path):
    out = tmp_path / "gmgan"
    _ok("fit", "--model", "gmgan", *TINY, "--components", "4", "--init-from", str(runs / "gan"),
        "--out", str(out))  # fmt: skip
    config = json.loads((out / "config.json").read_text())["options"]
    assert config["components"] == 4 and config["init_from"] == str(runs / "gan")
    assert json.loads((out / "results.json").read_text())["steps"] == 3
    # config.json records the recipe's generator average, not None, when none is given.
    supervised = json.loads((runs / "supervised" / "config.json").read_text())["options"]
    assert supervised["ema_decay"] == 0.999


def test_dynamic_gmgan_with_wgan_gp_loss_logs_the_penalty(tmp_path):
    out = tmp_path / "dynamic"
    _ok("fit", "--model", "gmgan-dynamic", *TINY, "--loss", "wgan-gp", "--n-critic", "2",
        "--out", str(out))  # fmt: skip
    header = (out / "history.csv").read_text().splitlines()[0].split(",")
    assert "gp" in header


def test_supervised_generate_label_and_sigma_scale(runs, tmp_path):
    out = tmp_path / "three"
    _ok("generate", str(runs / "supervised"), "--n", "5", "--label", "3", "--sigma-scale",
        "0.5", "--out", str(out))  # fmt: skip
    assert len(list(out.glob("[0-9]*.png"))) == 5
    assert Image.open(out / "0.png").size == (8, 8)
    result = CliRunner().invoke(
        cli, ["generate", str(runs / "supervised"), "--label", "10", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2 and "has 10 (0..9)" in result.output
    assert not (tmp_path / "x").exists()


def test_bad_warm_start_sources_are_refused(runs, tmp_path):
    result = CliRunner().invoke(
        cli, ["fit", "--model", "gmgan", *TINY, "--init-from", str(runs / "supervised"),
              "--out", str(tmp_path / "r")],
    )  # fmt: skip
    assert result.exit_code == 2 and "needs a vanilla GAN run" in result.output
    result = CliRunner().invoke(
        cli, ["fit", "--model", "gmgan", *TINY, "--latent-dim", "6", "--init-from",
              str(runs / "gan"), "--out", str(tmp_path / "r")],
    )  # fmt: skip
    assert result.exit_code == 2 and "Cannot warm-start" in result.output
    assert not (tmp_path / "r").exists()


def test_refit_latent_saves_a_full_covariance_model(runs, tmp_path):
    out = tmp_path / "refit.keras"
    result = _ok("refit-latent", str(runs / "gan"), "--components", "2", "--n", "40",
                 "--steps", "5", "--out", str(out))  # fmt: skip
    assert "2-component mixture" in result.output
    summary = json.loads(out.with_suffix(".json").read_text())
    assert summary["components"] == 2 and np.isfinite(summary["mean_reconstruction_error"])
    samples = tmp_path / "samples"
    _ok("generate", str(out), "--n", "3", "--out", str(samples))
    assert len(list(samples.glob("[0-9]*.png"))) == 3


@pytest.mark.parametrize(
    "out, message",
    [
        ("nodir/refit.keras", "the folder {tmp}/nodir does not exist; create it first"),
        ("afile/refit.keras", "{tmp}/afile is a file, not a folder"),
        ("folder.keras", "{tmp}/folder.keras is a folder"),
        ("refit.h5", "must end in .keras"),
    ],
)
def test_refit_latent_checks_out_before_inverting(runs, tmp_path, monkeypatch, out, message):
    (tmp_path / "afile").write_text("keep me")
    (tmp_path / "folder.keras").mkdir()
    monkeypatch.setattr("keras_gmgan.runs.Run.load_data", lambda run: pytest.fail("loaded"))
    result = CliRunner().invoke(cli, ["refit-latent", str(runs / "gan"), "--n", "20",
                                      "--steps", "2", "--out", str(tmp_path / out)])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert message.format(tmp=tmp_path) in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "folder.keras"]


def test_refit_latent_refuses_a_supervised_model(runs):
    result = CliRunner().invoke(cli, ["refit-latent", str(runs / "supervised"), "--n", "20",
                                      "--steps", "2"])  # fmt: skip
    assert result.exit_code == 1 and "supervised GM-GAN" in result.output


def test_refit_latent_refuses_a_classifier_run(tmp_path):
    run = tmp_path / "cnn"
    _ok("fit", "--model", "cnn-baseline", "--dataset", "digits", "--epochs", "1",
        "--steps-per-epoch", "2", "--verbose", "0", "--out", str(run))  # fmt: skip
    result = CliRunner().invoke(cli, ["refit-latent", str(run), "--n", "20", "--steps", "2"])
    assert result.exit_code == 2 and f"{run} holds a classifier" in result.output
    assert "Traceback" not in result.output
    assert not (run / "model-refit.keras").exists()
