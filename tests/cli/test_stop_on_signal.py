"""SIGTERM and Ctrl-C stop `fit` at once, keeping the last finished epoch.

These start `keras-gmgan fit` in a subprocess and take minutes, so each file stays apart from
the others: the test runner keeps a file on one worker.
"""

import json
import os
import signal
import subprocess
import sys
import time

from click.testing import CliRunner

from keras_gmgan.cli.main import cli
from tests.conftest import history_rows

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
FIT = [sys.executable, "-m", "keras_gmgan.cli.main", "fit", "--dataset", "digits",
       "--batch-size", "16", "--verbose", "0"]  # fmt: skip


def _cli(*args):
    return CliRunner().invoke(cli, list(args))


def _default_signal_handlers():
    """In the child: SIGINT as an interactive shell leaves it. A test run started in the
    background of a non-interactive shell ignores SIGINT, and its children inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt_mid_epoch(command, run, signum):
    """Starts `command`, sends `signum` 0.3 s after its first checkpoint, and returns (exit
    code, stderr, epochs completed before the signal). A fast backend may finish more epochs
    in those 0.3 s (JAX trains this tiny model at thousands of steps a second)."""
    process = subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=_default_signal_handlers)  # fmt: skip
    state, started = run / "checkpoint.json", time.time()
    before = json.loads(state.read_text())["epochs_completed"] if state.exists() else 0
    while time.time() < started + 600 and process.poll() is None:
        if state.exists() and json.loads(state.read_text())["epochs_completed"] > before:
            break
        time.sleep(0.05)
    assert process.poll() is None, process.stderr.read()[-2000:]
    completed = json.loads(state.read_text())["epochs_completed"]
    time.sleep(0.3)  # into the next epoch
    process.send_signal(signum)
    code = process.wait(timeout=120)
    return code, process.stderr.read(), completed


def test_sigterm_and_ctrl_c_stop_fit_at_once_keeping_the_last_epoch(tmp_path):
    # Ten short epochs: however many a fast backend finishes in the 0.3 s before each of the
    # two signals, both land in a run that still has epochs to go.
    run, epochs = tmp_path / "run", 10
    command = [*FIT, "--epochs", str(epochs), "--steps-per-epoch", "200", "--out", str(run)]
    resume = [sys.executable, "-m", "keras_gmgan.cli.main", "fit", "--resume", str(run),
              "--verbose", "0"]  # fmt: skip
    for signum, start in ((signal.SIGTERM, command), (signal.SIGINT, resume)):
        code, stderr, seen = _interrupt_mid_epoch(start, run, signum)
        assert code == 128 + signum, stderr[-2000:]
        completed = json.loads((run / "checkpoint.json").read_text())["epochs_completed"]
        assert seen <= completed < epochs
        assert stderr.splitlines()[-1] == (
            f"Interrupted by {signal.Signals(signum).name}: kept the checkpoint after epoch "
            f"{completed} in {run}; continue with keras-gmgan fit --resume {run}"
        )
        assert "Traceback" not in stderr and "Aborted!" not in stderr
        # Stopped within an epoch: nothing of it was logged, no results were written.
        assert len(history_rows(run)) == completed and not (run / "results.json").exists()

    result = _cli("fit", "--resume", str(run), "--verbose", "0")
    assert result.exit_code == 0 and f"after epoch {completed} of {epochs}" in result.output
    assert [int(row["epoch"]) for row in history_rows(run)] == list(range(epochs))
