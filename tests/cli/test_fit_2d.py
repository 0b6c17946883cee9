"""`keras-gmgan fit` on the 2-D mixtures: WGAN options, mode metrics, the training GIF."""

import json

from click.testing import CliRunner
from PIL import Image

from keras_gmgan.cli.main import cli


def test_wgan_on_the_ring_writes_mode_metrics_and_a_gif(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        cli,
        ["fit", "--model", "wgan", "--dataset", "ring", "--lipschitz", "clip", "--n-critic", "2",
         "--epochs", "2", "--steps-per-epoch", "60", "--batch-size", "64", "--gif",
         "--eval-every", "30", "--verbose", "0", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["modes"]["num_modes"] == 8 and 0 <= results["modes"]["modes_captured"] <= 8
    assert [r["step"] for r in results["mode_evaluations"]] == [30, 60, 90, 120]
    header = (out / "history.csv").read_text().splitlines()[0].split(",")
    assert {"modes_captured", "high_quality", "reverse_kl", "wasserstein"} <= set(header)
    config = json.loads((out / "config.json").read_text())
    assert config["options"]["latent_dim"] == 2
    assert Image.open(out / "training.gif").n_frames >= 2


def test_options_that_do_not_apply_are_rejected(tmp_path):
    result = CliRunner().invoke(
        cli, ["fit", "--model", "gan", "--lipschitz", "clip", "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2 and "--lipschitz does not apply to --model gan" in result.output
    result = CliRunner().invoke(
        cli, ["fit", "--model", "gan", "--dataset", "ring", "--network", "dcgan", "--out",
              str(tmp_path / "r")],
    )  # fmt: skip
    assert result.exit_code == 2 and "--network dcgan needs image data" in result.output
    assert not (tmp_path / "r").exists()
