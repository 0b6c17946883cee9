"""`fit --mlflow`: a tiny run logged to a local MLflow store; MLflow missing; a bad store."""

import importlib.util
import sys

import pytest
from click.testing import CliRunner

from keras_gmgan.callbacks.mlflow_logger import INSTALL_HINT
from keras_gmgan.cli.main import cli

needs_mlflow = pytest.mark.skipif(
    importlib.util.find_spec("mlflow") is None,
    reason="mlflow-skinny is installed in the jax tox env only (the callback is backend-free)",
)
TINY = ["--dataset", "digits", "--epochs", "2", "--steps-per-epoch", "2", "--batch-size", "16",
        "--verbose", "0"]  # fmt: skip


@needs_mlflow
def test_a_run_is_logged_with_params_metrics_sample_grids_and_the_model(tmp_path, monkeypatch):
    import mlflow

    monkeypatch.chdir(tmp_path)  # the default store is ./mlruns
    result = CliRunner().invoke(cli, ["fit", "--model", "gmgan", *TINY, "--mlflow", "--out", "run"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mlruns" / "mlflow.db").is_file()
    client = mlflow.tracking.MlflowClient(f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("keras-gmgan")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == "run" and run.info.status == "FINISHED"
    assert run.data.params["model"] == "gmgan" and run.data.params["epochs"] == "2"
    assert run.data.params["mlflow"] == "./mlruns"
    history = client.get_metric_history(run.info.run_id, "d_loss")
    assert [point.step for point in history] == [1, 2]
    assert {"g_loss"} <= set(run.data.metrics)
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"model", "samples", "config.json"} <= artifacts
    assert [a.path for a in client.list_artifacts(run.info.run_id, "model")] == [
        "model/model.keras"
    ]
    grids = {a.path for a in client.list_artifacts(run.info.run_id, "samples")}
    assert len(grids) == 2  # one per epoch
    stored = tmp_path / "mlruns" / "artifacts"
    assert list(stored.rglob("model.keras")) and len(list(stored.rglob("*.png"))) == 2


def test_without_mlflow_installed_fit_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import mlflow now raises ImportError
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["fit", *TINY, "--mlflow", "--out", str(out)])
    assert result.exit_code == 1 and result.output.strip() == f"Error: {INSTALL_HINT}"
    assert not out.exists() and not (tmp_path / "mlruns").exists()


@needs_mlflow
def test_a_store_that_cannot_be_reached_stops_fit_before_the_run(tmp_path):
    out = tmp_path / "run"
    (tmp_path / "file").write_text("")
    uri = f"sqlite:///{tmp_path}/file/mlflow.db"  # a folder that cannot be made
    result = CliRunner().invoke(cli, ["fit", *TINY, "--mlflow", uri, "--out", str(out)])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: Cannot log to MLflow at {uri}")
    assert not out.exists()
