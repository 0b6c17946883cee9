"""A run directory has one writer: a second `fit` or `generate` on it is refused in one line.

These start `keras-gmgan fit` in subprocesses and take a minute, so they stay apart from the
other reliability tests: the test runner keeps a file on one worker.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
from click.testing import CliRunner

from keras_gmgan.cli.main import cli

BACKEND = keras.backend.backend()
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _cli(*args):
    return CliRunner().invoke(cli, list(args))


FIT = [sys.executable, "-m", "keras_gmgan.cli.main", "fit", "--dataset", "digits",
       "--batch-size", "16", "--verbose", "0"]  # fmt: skip


@pytest.mark.skipif(BACKEND != "jax", reason="the run lock is backend-free")
def test_two_fits_on_one_out_never_both_write(tmp_path):
    from keras_gmgan.run_lock import LOCK_FILE, is_busy

    busy = tmp_path / "busy"
    long = [*FIT, "--epochs", "100", "--steps-per-epoch", "100", "--out", str(busy)]
    long_run = subprocess.Popen(long, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        run = tmp_path / "twin"
        tiny = ["--epochs", "1", "--steps-per-epoch", "3", "--out", str(run)]
        together = [subprocess.Popen([*FIT, *tiny, "--seed", str(seed)], env=ENV, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                    for seed in (1, 2)]  # fmt: skip
        outcomes = [(p.wait(timeout=300), p.stderr.read()) for p in together]
        # One trains; the other finds it writing (busy) or finished (exists): never both.
        assert sorted(code for code, _ in outcomes) in ([0, 1], [0, 2]), outcomes
        code, message = max(outcomes)
        assert ("is in use: another process" if code == 1 else "already exists") in message
        winner = int(np.argmin([code for code, _ in outcomes])) + 1
        assert json.loads((run / "config.json").read_text())["options"]["seed"] == winner
        assert (run / "results.json").exists() and not (run / LOCK_FILE).exists()

        deadline = time.time() + 300
        while not is_busy(busy) and time.time() < deadline and long_run.poll() is None:
            time.sleep(0.05)
        assert is_busy(busy), long_run.stderr.read().decode()[-2000:]
        tiny[-1] = str(busy)
        seconds = [subprocess.Popen([*FIT, *tiny, *extra], env=ENV, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                   for extra in ([], ["--overwrite"])]  # fmt: skip
        for second in seconds:
            assert second.wait(timeout=300) == 1
            assert second.stderr.read() == (
                f"Error: {busy} is in use: another process (pid {long_run.pid}) is writing "
                "to it. Wait for it to finish, or choose another directory.\n"
            )
        resumed = _cli("fit", "--resume", str(busy))
        assert resumed.exit_code == 1 and "is in use: another process" in resumed.output
    finally:
        long_run.kill()
        long_run.wait(timeout=60)
    # SIGKILL leaves the lock file, which locks nothing.
    assert (busy / LOCK_FILE).exists() and not is_busy(busy)


def test_generate_out_has_one_writer_and_a_stale_lock_locks_nothing(tmp_path):
    from keras_gmgan.run_lock import LOCK_FILE, RunLock

    model = Path(__file__).parents[1] / "fixtures" / f"gan_{BACKEND}.keras"
    out = tmp_path / "samples"
    with RunLock(out, create=True):
        for extra in ([], ["--overwrite"]):
            result = _cli("generate", str(model), "--n", "2", "--out", str(out), *extra)
            assert result.exit_code == 1 and f"{out} is in use" in result.output, result.output
    assert not out.exists()  # the lock's own directory went with it

    out.mkdir()
    (out / LOCK_FILE).write_text("12345\n")  # left by a killed process
    result = _cli("generate", str(model), "--n", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["0.png", "1.png", "grid.png"]
