"""`keras-gmgan fit --model sgan` and `--model cnn-baseline` write classification results."""

import json

import keras
import numpy as np
import pytest
from click.testing import CliRunner

from keras_gmgan.cli.main import cli
from keras_gmgan.datasets import load_dataset
from keras_gmgan.models import SGAN_ADAM_EPSILON
from keras_gmgan.recipes.semi_supervised import semi_supervised_batches
from keras_gmgan.runs import load_model
from keras_gmgan.schedules import HoldThenLinearDecay

TINY = ["--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "16", "--verbose", "0"]


def _fit(*args):
    return CliRunner().invoke(cli, ["fit", "--dataset", "digits", *args], catch_exceptions=False)


def test_the_run_trains_on_exactly_n_balanced_labels_disjoint_from_the_unlabelled():
    data = load_dataset("digits")
    options = {
        "model": "sgan", "labels": 100, "seed": 3, "batch_size": 16, "steps_per_epoch": None
    }  # fmt: skip
    batches = semi_supervised_batches(options, data)
    assert len(batches.x_labeled) == 100
    np.testing.assert_array_equal(np.bincount(batches.y_labeled), [10] * 10)
    assert len(batches.x_labeled) + len(batches.x_unlabeled) == len(data.x_train)
    # No labelled image is among the unlabelled ones (the digits have no duplicates).
    flat_labeled = {row.tobytes() for row in batches.x_labeled}
    assert not flat_labeled & {row.tobytes() for row in batches.x_unlabeled}
    again = semi_supervised_batches(options, data)
    np.testing.assert_array_equal(again.x_labeled, batches.x_labeled)


def test_sgan_run_writes_accuracy_confusion_matrix_and_the_baseline(tmp_path):
    out = tmp_path / "sgan"
    result = _fit(
        "--model", "sgan", "--labels", "100", "--with-baseline", "--ema-decay", "0.99",
        "--fake-class", "explicit", "--lr", "5e-4", "--entropy-weight", "0.5",
        "--matching-batch", "separate", "--out", str(out), *TINY,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["labeled_examples"] == 100
    assert results["unlabeled_examples"] == 1500 - 100
    assert results["evaluated_with_ema"] is True and results["steps"] == 2
    for report in (results, results["baseline"]):
        assert 0.0 <= report["test_accuracy"] <= 1.0
        matrix = np.array(report["confusion_matrix"])
        assert matrix.shape == (10, 10) and matrix.sum() == report["test_examples"] == 297
        assert np.isclose(np.trace(matrix) / 297, report["test_accuracy"])
        assert len(report["per_class_accuracy"]) == 10
    assert results["baseline"]["steps"] >= 2
    names = {p.name for p in out.iterdir()}
    assert {"confusion_matrix.png", "confusion_matrix_baseline.png", "model.keras"} <= names
    assert (out / "samples" / "epoch_001.png").exists()
    config = json.loads((out / "config.json").read_text())
    assert config["options"]["network"] == "mlp" and config["options"]["labels"] == 100
    assert config["options"]["matching_batch"] == "separate"
    assert "matching" in semi_supervised_batches(config["options"], load_dataset("digits"))[0]
    model = load_model(out / "model.keras")
    assert model.get_config()["entropy_weight"] == 0.5
    for optimizer in (model.d_optimizer, model.g_optimizer):  # constant by default
        assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(5e-4)
        assert optimizer.epsilon == pytest.approx(SGAN_ADAM_EPSILON) == 1e-4


@pytest.mark.parametrize(
    "hold_args, hold_steps, rate_after_2_steps",
    [
        ([], 0, 5e-4),  # 1e-3, 7.5e-4, 5e-4, 2.5e-4; now 0
        (["--lr-hold", "0.5"], 2, 1e-3),  # 1e-3, 1e-3, 1e-3, 5e-4; now 0
    ],
)
def test_sgan_linear_decay_lowers_the_rate_to_zero_over_the_run(
    tmp_path, hold_args, hold_steps, rate_after_2_steps
):
    out = tmp_path / "sgan"
    result = _fit(
        "--model", "sgan", "--epochs", "2", "--steps-per-epoch", "2", "--lr-decay", "linear",
        *hold_args, "--verbose", "0", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    options = json.loads((out / "config.json").read_text())["options"]
    assert options["batch_size"] == 100  # the SGAN's default, Improved GAN's batch
    model = load_model(out / "model.keras")
    for optimizer in (model.d_optimizer, model.g_optimizer):
        schedule = optimizer._learning_rate
        assert isinstance(schedule, HoldThenLinearDecay)
        assert schedule.initial_learning_rate == pytest.approx(1e-3)
        assert schedule.hold_steps == hold_steps  # a share of 2 epochs of 2 steps
        assert schedule.hold_steps + schedule.decay_steps == 4
        assert int(keras.ops.convert_to_numpy(optimizer.iterations)) == 4
        # Each step used the rate at its own step count; after the last one it is 0.
        rate = float(keras.ops.convert_to_numpy(schedule(2)))
        assert rate == pytest.approx(rate_after_2_steps)
        assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(0.0)


def test_cnn_baseline_run(tmp_path):
    out = tmp_path / "baseline"
    # 5 steps of 16 from 30 labelled examples: --steps-per-epoch may exceed one pass.
    args = [*TINY[:2], "--steps-per-epoch", "5", *TINY[4:]]
    result = _fit("--model", "cnn-baseline", "--labels", "30", "--out", str(out), *args)
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["steps"] == 5
    assert results["labeled_examples"] == 30 and results["unlabeled_examples"] == 0
    assert 0.0 <= results["test_accuracy"] <= 1.0
    assert (out / "confusion_matrix.png").exists() and not (out / "samples").exists()
    config = json.loads((out / "config.json").read_text())
    assert config["options"]["network"] == "dcgan"  # the seed project's CNN


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "gan", "--labels", "50"], "--labels does not apply to --model gan"),
        (["--model", "gan", "--fake-class", "explicit"], "--fake-class does not apply"),
        (
            ["--model", "gmgan-supervised", "--lr-decay", "linear"],
            "--lr-decay does not apply to --model gmgan-supervised",
        ),
        (["--model", "sgan", "--lr-hold", "0.5"], "add --lr-decay linear"),
        (["--model", "sgan", "--lr-decay", "linear", "--lr-hold", "1"], "'--lr-hold': 1.0 is not"),
        (["--model", "cnn-baseline", "--with-baseline"], "--with-baseline does not apply"),
        (["--model", "sgan", "--labels", "5"], "--labels 5: n_labeled must be between"),
        (["--model", "sgan", "--ema-decay", "1"], "Invalid value for '--ema-decay'"),
        (["--model", "sgan", "--entropy-weight", "-1"], "Invalid value for '--entropy-weight'"),
        (["--model", "gan", "--entropy-weight", "1"], "--entropy-weight does not apply"),
        (["--model", "gan", "--matching-batch", "separate"], "--matching-batch does not apply"),
        (["--model", "sgan", "--matching-batch", "both"], "Invalid value for '--matching-batch'"),
        (["--model", "sgan", "--network", "deep"], "--network deep is not a classifier"),
        (["--model", "sgan", "--dataset", "ring"], "needs a labelled image data set"),
        (["--model", "cnn-baseline", "--eval-every", "5"], "cnn-baseline generates none"),
        (["--model", "sgan", "--labels", "1450"], "There are 50 unlabelled examples"),
    ],
)
def test_bad_semi_supervised_options_exit_2_without_a_run_directory(tmp_path, args, message):
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["fit", "--dataset", "digits", "--out", str(out), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()
