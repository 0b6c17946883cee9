"""`keras-gmgan sweep`: a tiny 2-D sweep end to end, objectives, bad input.

Two workers, a killed sweep and pruning are in test_sweep_workers.py (a file stays on one
test worker, and those take minutes).
"""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
from click.testing import CliRunner

from keras_gmgan import sweeps
from keras_gmgan.cli.main import cli
from tests.conftest import BACKEND

#: The sweep and comparison logic is backend-free (trials are `fit` subprocesses, and `fit` is
#: tested on every backend), so these subprocess-heavy tests run in the JAX env only.
pytestmark = pytest.mark.skipif(BACKEND != "jax", reason="backend-free orchestration")

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
SHARED_DATA = Path(os.environ.get("KERAS_GMGAN_DATA", "../shared/data")).resolve()
#: Each trial: a GAN on the ring, 2 epochs of 3 steps, mode metrics of 100 points.
TINY = ["--model", "gan", "--dataset", "ring", "--epochs", "2", "--steps-per-epoch", "3",
        "--batch-size", "32", "--eval-samples", "100"]  # fmt: skip
PARAMS = ["--param", "lr=1e-4:1e-3:log", "--param", "components=1,4"]


def _sweep_command(out, *args):
    return [sys.executable, "-m", "keras_gmgan.cli.main", "sweep", *TINY, *PARAMS,
            "--out", str(out), *map(str, args)]  # fmt: skip


def _study(out):
    return optuna.load_study(study_name=out.name, storage=f"sqlite:///{out / sweeps.STUDY_FILE}")


def _states(out):
    return [trial.state.name for trial in _study(out).trials]


def test_a_sweep_runs_its_trials_and_writes_the_best_trials_and_plots(tmp_path):
    out = tmp_path / "sweep"
    done = subprocess.run(_sweep_command(out, "--trials", 2), env=ENV, capture_output=True,
                          text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Best: trial" in done.stdout and "modes" in done.stdout
    assert _states(out) == ["COMPLETE", "COMPLETE"]
    for number in (0, 1):
        run = out / f"trial-{number:04d}"
        config = json.loads((run / "config.json").read_text())["options"]
        trial = _study(out).trials[number]
        assert config["lr"] == pytest.approx(trial.params["lr"])
        assert config["components"] == int(trial.params["components"])
        assert (run / "results.json").exists()
        # the --eval-every-less ring still evaluates at each epoch end: two reports
        assert sorted(trial.intermediate_values) == [3, 6]
    best = json.loads((out / "best.json").read_text())
    study = _study(out)
    assert best["number"] == study.best_trial.number and best["value"] == study.best_value
    assert best["trials"]["complete"] == 2 and set(best["params"]) == {"lr", "components"}
    with open(out / "trials.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["state"] for row in rows] == ["COMPLETE", "COMPLETE"]
    assert {"modes", "lr", "components", "run_dir"} <= set(rows[0])
    plots = {path.name for path in (out / "plots").iterdir()}
    assert {"objective.png", "slice_lr.png", "slice_components.png"} <= plots
    # a sweep folder is what compare reads
    result = CliRunner().invoke(cli, ["compare", str(out), "--out", str(tmp_path / "cmp")])
    assert result.exit_code == 0, result.output
    assert "trial-0000" in result.output and "trial-0001" in result.output

    again = subprocess.run(_sweep_command(out, "--trials", 2), env=ENV, capture_output=True,
                           text=True, timeout=900)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "2 in the study already" in again.stdout and len(_study(out).trials) == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--param", "nope=1:2"], "fit has no option --nope"),
        (["--param", "lipschitz=clip,gp"], "--lipschitz does not apply to --model gan"),
        (["--param", "gp_weight=1:10"], "--gp-weight does not apply to --model gan"),
        (["--param", "lr=1e-3:1e-3"], "the range is empty"),
        (["--param", "lr=1e-3:1e-4"], "LOW is above HIGH"),
        (["--param", "lr=low:high"], "the bounds must be numbers"),
        (["--param", "lr=0:1e-3"], "--param lr=0:1e-3: Invalid value for '--lr'"),
        (["--param", "beta1=0.5:1"], "Invalid value for '--beta1'"),
        (["--param", "network=mlp,cnn"], "'cnn' is not one of"),
        (["--param", "seed=1:5"], "the sweep sets --seed"),
        (["--param", "data=a,b"], "--data is neither a number nor a choice"),
        (["--param", "lr=1e-4:1e-3", "--param", "lr=1e-4:1e-3"], "searched by two --param"),
        (["--param", "lr=1e-4:1e-3", "--lr", "1e-4"], "--lr is both searched"),
        (["--param", "lr=1e-4:1e-3", "--overwrite"], "--overwrite: the sweep sets it"),
        (["--param", "lr=1e-4:1e-3", "--epochs", "0"], "Invalid value for '--epochs'"),
        (["--param", "lr=1e-4:1e-3", "--objective", "accuracy"], "test accuracy of --model sgan"),
        (["--param", "lr=1e-4:1e-3", "--objective", "fid"], "--objective fid is measured on"),
        (["--param", "lr=1e-4:1e-3", "--storage", "sqlite:////proc/version/s.db"],
         "Cannot open the study storage sqlite:////proc/version/s.db"),
        (["--param", "lr=1e-4:1e-3", "--storage", "postgresql://me:secret@127.0.0.1:9/db"],
         "Cannot open the study storage postgresql://me:***@127.0.0.1:9/db"),
        (["--param", "lr=1e-4:1e-3", "--storage", "nonsense"], "Cannot open the study storage"),
    ],
)  # fmt: skip
def test_bad_input_exits_with_one_message_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "sweep"
    fixed = ["--model", "gan", "--dataset", "ring", "--epochs", "1"]
    result = CliRunner().invoke(cli, ["sweep", *fixed, *args, "--out", str(out)])
    assert result.exit_code != 0, result.output
    error = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(error) == 1 and message in error[0], result.output
    assert "Traceback" not in result.output and "secret" not in result.output
    assert not out.exists()


def test_a_folder_of_another_sweep_or_of_other_files_is_refused(tmp_path):
    out = tmp_path / "sweep"
    spec = sweeps.SweepSpec(folder=out, model="gan", params=[], fit_args=["--dataset", "ring"],
                            objective="modes", direction="maximize", trials=1)  # fmt: skip
    sweeps.start_sweep(spec)
    before = sorted(out.iterdir())
    result = CliRunner().invoke(
        cli, ["sweep", "--model", "gan", "--dataset", "ring", "--param", "lr=1e-4:1e-3",
              "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 1 and "holds a sweep with other params;" in result.output
    assert sorted(out.iterdir()) == before
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    result = CliRunner().invoke(
        cli, ["sweep", "--model", "gan", "--dataset", "ring", "--param", "lr=1e-4:1e-3",
              "--out", str(other)],
    )  # fmt: skip
    assert result.exit_code == 1 and "it is not a sweep folder" in result.output
    assert [p.name for p in other.iterdir()] == ["notes.txt"]


@pytest.mark.skipif(not (SHARED_DATA / "mnist.npz").exists(), reason="MNIST not available")
def test_an_objective_missing_from_results_comes_from_an_evaluation_of_the_run(tmp_path):
    out = tmp_path / "sweep"
    command = [sys.executable, "-m", "keras_gmgan.cli.main", "sweep", "--model", "gan",
               "--data", str(SHARED_DATA), "--epochs", "1", "--steps-per-epoch", "3",
               "--batch-size", "16", "--eval-every", "3", "--eval-samples", "100",
               "--param", "lr=1e-4:1e-3:log", "--objective", "coverage", "--trials", "1",
               "--out", str(out)]  # fmt: skip
    done = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    run = out / "trial-0000"
    results = json.loads((run / "results.json").read_text())
    assert "coverage" not in results["evaluation"]  # fit records fid, precision, recall
    evaluation = json.loads((run / "evaluation.json").read_text())
    assert evaluation["n_generated"] == 100
    (trial,) = _study(out).trials
    assert trial.value == pytest.approx(evaluation["coverage"])
