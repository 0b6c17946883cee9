"""`keras-gmgan fit` on the 2-D mixtures: WGAN options, mode metrics, the training GIF."""

import json

import pytest
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


def test_gmgan_on_the_grid_films_its_training(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        cli,
        ["fit", "--model", "gmgan", "--dataset", "grid", "--components", "25", "--epochs", "1",
         "--steps-per-epoch", "20", "--gif", "--verbose", "0", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert Image.open(out / "training.gif").n_frames >= 2
    assert (out / "training.png").is_file()
    # The static GM-GAN's 2-D critic: 10 steps of 64 points, penalty 0.01 on standardised points.
    from keras_gmgan.datasets import load_dataset
    from keras_gmgan.runs import load_model

    assert json.loads((out / "config.json").read_text())["options"]["batch_size"] == 640
    model = load_model(out)
    scale = load_dataset("grid").x_train.std()
    assert (model.n_critic, model.gp_weight) == (10, pytest.approx(0.01 * scale))


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


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dataset", "digits", "--gif"], "--gif animates 2-D points"),
        (["--model", "wgan", "--lipschitz", "clip", "--gp-weight", "5"],
         "--gp-weight applies to --lipschitz gp only; this run has --lipschitz clip"),
        (["--model", "wgan", "--clip-value", "0.1"],
         "--clip-value applies to --lipschitz clip only; this run has --lipschitz gp"),
        (["--model", "gmgan", "--gp-weight", "5"],
         "--gp-weight applies to --loss wgan-gp only; this run has --loss bce"),
        (["--model", "gmgan", "--n-critic", "3"], "--n-critic applies to --loss wgan-gp only"),
        (["--model", "cnn-baseline", "--components", "3"],
         "--components does not apply to --model cnn-baseline (it generates nothing)"),
        (["--model", "cnn-baseline", "--latent-dim", "8"], "--latent-dim does not apply"),
        (["--dataset", "digits", "--data", "mnist.npz"], "--dataset digits needs none"),
        (["--dataset", "ring", "--data", "mnist.npz"], "--dataset ring needs none"),
        (["--model", "gmgan", "--dataset", "grid", "--lr-decay", "none", "--lr-floor", "0.1"],
         "--lr-floor sets where --lr-decay linear ends; this run's rates do not decay"),
        (["--model", "gan", "--lr-floor", "0.1"], "Add --lr-decay linear or drop --lr-floor"),
        (["--model", "sgan", "--lr-floor", "0.1"], "--lr-floor does not apply to --model sgan"),
        (["--model", "gan", "--dataset", "ring", "--lr-floor", "1"], "'--lr-floor': 1.0 is not"),
    ],
)  # fmt: skip
def test_options_that_the_run_would_ignore_are_rejected(tmp_path, args, message):
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["fit", "--out", str(out), "--epochs", "1", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_dependent_options_are_taken_with_the_setting_that_uses_them(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        cli,
        ["fit", "--model", "wgan", "--dataset", "ring", "--lipschitz", "clip", "--clip-value",
         "0.05", "--epochs", "1", "--steps-per-epoch", "3", "--verbose", "0", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    options = json.loads((out / "config.json").read_text())["options"]
    assert (options["lipschitz"], options["clip_value"]) == ("clip", 0.05)


def _fit(out, *args):
    return CliRunner().invoke(
        cli, ["fit", "--dataset", "grid", "--epochs", "1", "--steps-per-epoch", "2",
              "--verbose", "0", "--out", str(out), *args],
    )  # fmt: skip


def test_the_short_2d_command_trains_with_the_benchmarks_settings(tmp_path):
    import numpy as np

    from keras_gmgan.datasets import load_dataset
    from keras_gmgan.runs import load_model

    out = tmp_path / "run"
    result = _fit(out, "--model", "wgan")
    assert result.exit_code == 0, result.output
    options = json.loads((out / "config.json").read_text())["options"]
    assert (options["batch_size"], options["network"]) == (320, "mlp-3x128")
    model = load_model(out)
    scale = load_dataset("grid").x_train.std()
    # The penalty of weight 0.1 on standardised points: the critic's score is scaled too.
    assert (model.gp_weight, model.n_critic) == (pytest.approx(0.1 * scale), 5)
    assert model.discriminator.get_layer("score_scale").scale == pytest.approx(scale)
    # The rates fall to 0 over the run's 2 generator steps (10 critic steps).
    assert model.d_optimizer._learning_rate.decay_steps == 10
    assert model.g_optimizer._learning_rate.decay_steps == 2
    assert float(model.g_optimizer.learning_rate) == 0.0
    # The saved model works on standardised points and draws data units.
    points = model.generator.get_layer("points")
    points.kernel.assign(np.zeros(points.kernel.shape, "float32"))
    points.bias.assign(np.array([1.0, -1.0], "float32"))
    np.testing.assert_allclose(model.generate(2, seed=0), [[scale, -scale]] * 2, rtol=1e-5)


def test_the_decay_ends_where_lr_floor_says(tmp_path):
    from keras_gmgan.runs import load_model

    out = tmp_path / "run"
    result = _fit(out, "--model", "gmgan", "--components", "2", "--lr-floor", "0.25")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "config.json").read_text())["options"]["lr_floor"] == 0.25
    model = load_model(out)
    # After the run's 2 steps (20 critic steps) both rates sit at a quarter of 1e-3.
    assert int(model.g_optimizer.iterations) == 2
    assert float(model.g_optimizer.learning_rate) == pytest.approx(2.5e-4)
    assert float(model.d_optimizer.learning_rate) == pytest.approx(2.5e-4)


def test_options_given_win_over_the_2d_defaults(tmp_path):
    from keras_gmgan.runs import load_model

    out = tmp_path / "run"
    result = _fit(out, "--model", "gmgan", "--components", "3", "--batch-size", "16",
                  "--network", "mlp", "--lr-decay", "none", "--lr", "5e-4", "--c", "0.5",
                  "--loss", "bce", "--d-lr", "2e-3", "--d-beta1", "0.8")  # fmt: skip
    assert result.exit_code == 0, result.output
    options = json.loads((out / "config.json").read_text())["options"]
    assert (options["batch_size"], options["network"]) == (16, "mlp")
    assert (options["d_lr"], options["d_beta1"]) == (2e-3, 0.8)
    assert options["latent_dim"] == 8  # the GM-GAN's on points: its components lie apart
    model = load_model(out)
    assert model.adversarial_loss == "bce" and model.latent.latent_dim == 8
    assert [layer.units for layer in model.generator.layers if hasattr(layer, "units")] == [
        100, 2
    ]  # fmt: skip
    assert float(model.g_optimizer.learning_rate) == pytest.approx(5e-4)
    assert float(model.g_optimizer.beta_1) == pytest.approx(0.5)
    assert float(model.d_optimizer.learning_rate) == pytest.approx(2e-3)
    assert float(model.d_optimizer.beta_1) == pytest.approx(0.8)
    assert float(model.latent.c) == pytest.approx(0.5)
