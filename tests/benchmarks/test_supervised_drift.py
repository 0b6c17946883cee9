"""benchmarks/supervised_drift.py runs end to end in --quick mode and reports every epoch."""

import importlib.util
import json
import os
from pathlib import Path

import keras
import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("KERAS_GMGAN_DATA", "../shared/data")).resolve()

pytestmark = [
    pytest.mark.skipif(keras.backend.backend() != "jax", reason="the benchmark runs under JAX"),
    pytest.mark.skipif(not (SHARED_DATA / "mnist.npz").exists(), reason="MNIST not available"),
]


def _script():
    spec = importlib.util.spec_from_file_location(
        "supervised_drift", ROOT / "benchmarks" / "supervised_drift.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_run_scores_every_epoch_with_raw_and_averaged_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GMGAN_DATA", str(SHARED_DATA))
    _script().main(["--quick", "--ema-decay", "0.9", "--out", str(tmp_path)])

    results = json.loads((tmp_path / "results.json").read_text())
    assert results["changed"] == {"ema_decay": 0.9} and results["steps_per_epoch"] == 20
    epochs = results["epochs"]
    assert [e["epoch"] for e in epochs] == [1, 2] and [e["steps"] for e in epochs] == [20, 40]
    for record in epochs:
        assert record["scored"] == 500
        for key in ("conditional_accuracy_per_class", "raw_conditional_accuracy_per_class",
                    "d_class_agrees", "sigma_mean", "nearest_over_radius"):  # fmt: skip
            assert len(record[key]) == 10
            assert all(0 <= value for value in record[key])
        assert 0 <= record["conditional_accuracy"] <= 1 and record["fid"] > 0
        assert record["min_mean_distance"] > 0
    report = (tmp_path / "report.md").read_text()
    assert report.count("\n| 1 | 20 |") == 1 and report.count("\n| 2 | 40 |") == 1
