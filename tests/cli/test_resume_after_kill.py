"""A run killed outright (SIGKILL) resumes from its last checkpoint.

These start `keras-gmgan fit` in a subprocess and take minutes, so each file stays apart from
the others: the test runner keeps a file on one worker.
"""

import json
import math
import os
import signal
import subprocess
import sys
import time

from click.testing import CliRunner

from keras_gmgan.cli.main import cli
from tests.conftest import history_rows

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _cli(*args):
    return CliRunner().invoke(cli, list(args))


def test_resume_after_sigkill_loses_at_most_one_epoch(tmp_path):
    run = tmp_path / "run"
    command = [sys.executable, "-m", "keras_gmgan.cli.main", "fit", "--dataset", "digits",
               "--epochs", "3", "--steps-per-epoch", "200", "--batch-size", "32",
               "--verbose", "0", "--out", str(run)]  # fmt: skip
    process = subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    state = run / "checkpoint.json"
    deadline = time.time() + 600
    while time.time() < deadline and process.poll() is None:
        if state.exists() and json.loads(state.read_text())["epochs_completed"] >= 1:
            break
        time.sleep(0.05)
    assert process.poll() is None, process.stderr.read().decode()[-2000:]
    assert state.exists(), "no epoch finished within 10 minutes"
    time.sleep(0.3)  # into the next epoch
    process.send_signal(signal.SIGKILL)
    process.wait()

    completed = json.loads(state.read_text())["epochs_completed"]
    logged = len(history_rows(run))
    assert 1 <= completed <= 2 and logged - completed in (0, 1)
    assert not (run / "model.keras").exists()

    result = _cli("fit", "--resume", str(run), "--verbose", "0")
    assert result.exit_code == 0, result.output
    assert f"after epoch {completed} of 3" in result.output
    rows = history_rows(run)
    assert [int(row["epoch"]) for row in rows] == [0, 1, 2]
    assert all(math.isfinite(float(row["d_loss"])) for row in rows)
    results = json.loads((run / "results.json").read_text())
    assert results["epochs"] == 3 and results["steps"] == 3 * 200
    assert not state.exists() and (run / "model.keras").exists()
