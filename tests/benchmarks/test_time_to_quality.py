"""benchmarks/time_to_quality.py runs end to end in --quick mode, resumes, and checks itself."""

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import keras
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "time_to_quality.py"
SHARED_DATA = Path(os.environ.get("KERAS_GMGAN_DATA", "../shared/data")).resolve()
HAS_TORCH = importlib.util.find_spec("torch") is not None

pytestmark = [
    pytest.mark.skipif(
        keras.backend.backend() != "jax", reason="the benchmark's workers are checked under JAX"
    ),
    pytest.mark.skipif(not (SHARED_DATA / "mnist.npz").exists(), reason="MNIST not available"),
]


def _run(out: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KERAS_BACKEND": "jax", "KERAS_GMGAN_DATA": str(SHARED_DATA)}
    # The template row needs torch; without it the script skips that row and says so.
    command = [sys.executable, str(SCRIPT), "--quick", "--models", "template", "gan"]
    command += ["--out", str(out), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def test_quick_run_measures_every_model_resumes_and_reports(tmp_path):
    out = tmp_path / "ttq"
    first = _run(out, "--minutes", "0.05")
    assert first.returncode == 0, first.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    models = ["template", "gan"] if HAS_TORCH else ["gan"]
    assert sorted(results["runs"]) == sorted(models)
    assert ("template" in results["skipped"]) == (not HAS_TORCH)
    before = {model: results["runs"][model]["0"]["checkpoints"][0] for model in models}

    refused = _run(out, "--minutes", "0.05", "0.1")
    assert refused.returncode == 2 and "pass --resume" in refused.stderr

    resumed = _run(out, "--minutes", "0.05", "0.1", "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    assert results["minutes"] == [0.05, 0.1] and results["samples"] == 200
    for model in models:
        first_checkpoint, second = results["runs"][model]["0"]["checkpoints"]
        # The first checkpoint was kept, not measured again; the second continued from it.
        assert first_checkpoint == before[model]
        assert second["steps"] == first_checkpoint["steps"] + second["steps_since_last"]
        for minutes, record in zip((0.05, 0.1), (first_checkpoint, second)):
            assert record["minutes"] == minutes and record["train_seconds"] >= minutes * 60
            assert record["steps"] >= 1 and record["n_generated"] == 200
            assert sum(record["class_histogram"]) == 200 and len(record["class_histogram"]) == 10
            assert math.isfinite(record["fid"]) and record["fid"] > 0
            assert 0 <= record["coverage"] <= 1 and 0 <= record["precision"] <= 1
            assert record["class_share_ratio"] >= 1 and record["class_kl_to_uniform"] >= 0

    report = (out / "report.md").read_text()
    assert "## After 0.05 min of training" in report and "## After 0.1 min of training" in report
    for model in models:
        assert report.count(f"\n| {model} | 1 |") == 2
    assert (out / "time_to_quality.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    again = _run(out, "--minutes", "0.05", "0.1", "--resume")
    assert again.returncode == 0 and "every checkpoint measured already" in again.stdout
    assert json.loads((out / "results.json").read_text())["runs"] == results["runs"]

    # --report trains nothing and reports each run as far as it was trained.
    reported = _run(out, "--minutes", "0.05", "0.1", "0.2", "--report")
    assert reported.returncode == 0, reported.stderr[-3000:]
    assert json.loads((out / "results.json").read_text())["runs"] == results["runs"]
    report = (out / "report.md").read_text()
    assert "## After 0.2 min of training" in report
    assert report.split("## After 0.2 min of training")[1].count("\n| gan | 1 |") == 0
    for model in models:
        assert (out / "runs" / f"{model}-seed0" / "grid-0.1min.png").is_file()
