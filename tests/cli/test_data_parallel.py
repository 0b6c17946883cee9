"""`keras-gmgan fit --distribute data-parallel`: refused off JAX; on two (faked) CPU devices
it matches one device and a resumed run is data-parallel again."""

import os
import subprocess
import sys

import keras
import pytest
from click.testing import CliRunner

from keras_gmgan.cli.main import cli
from tests.conftest import history_rows

BACKEND = keras.backend.backend()
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _cli(*args):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.skipif(BACKEND == "jax", reason="the JAX backend supports data-parallel fit")
def test_data_parallel_is_refused_off_jax(tmp_path):
    result = _cli("fit", "--dataset", "digits", "--distribute", "data-parallel",
                  "--out", str(tmp_path / "run"))  # fmt: skip
    assert result.exit_code == 2 and "KERAS_BACKEND=jax" in result.output
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(BACKEND != "jax", reason="data-parallel fit is implemented for JAX only")
def test_data_parallel_on_two_devices_matches_one_device(tmp_path):
    env = {**ENV, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    histories = {}
    for mode in ("none", "data-parallel"):
        out = tmp_path / mode
        completed = subprocess.run(
            [sys.executable, "-m", "keras_gmgan.cli.main", "fit", "--dataset", "digits",
             "--epochs", "2", "--steps-per-epoch", "5", "--batch-size", "32", "--verbose", "0",
             "--distribute", mode, "--out", str(out)],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr[-2000:]
        histories[mode] = history_rows(out)
    probe = subprocess.run(
        [sys.executable, "-c", "import keras; print(len(keras.distribution.list_devices()))"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.stdout.strip() == "2"
    for single, parallel in zip(histories["none"], histories["data-parallel"]):
        for key in ("d_loss", "g_loss"):
            assert abs(float(single[key]) - float(parallel[key])) < 1e-3


@pytest.mark.skipif(BACKEND != "jax", reason="data-parallel fit is implemented for JAX only")
def test_a_resumed_data_parallel_run_is_data_parallel_again(tmp_path):
    env = {**ENV, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    crash_first = (
        "import sys\n"
        "from keras_gmgan import callbacks\n"
        "from keras_gmgan.cli.main import cli\n"
        "class Crashing(callbacks.EpochCheckpoint):\n"
        "    def on_epoch_end(self, epoch, logs=None):\n"
        "        super().on_epoch_end(epoch, logs)\n"
        "        raise KeyboardInterrupt\n"
        "callbacks.EpochCheckpoint = Crashing\n"
        "cli(sys.argv[1:])\n"
    )
    run = tmp_path / "run"
    fit = ["fit", "--dataset", "digits", "--epochs", "2", "--steps-per-epoch", "2",
           "--batch-size", "32", "--verbose", "0", "--distribute", "data-parallel",
           "--out", str(run)]  # fmt: skip
    crashed = subprocess.run([sys.executable, "-c", crash_first, *fit], env=env,
                             capture_output=True, text=True, timeout=300)  # fmt: skip
    assert crashed.returncode == 1 and "split over 2 devices" in crashed.stdout, crashed.stderr
    resumed = subprocess.run(
        [sys.executable, "-m", "keras_gmgan.cli.main", "fit", "--resume", str(run)],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "after epoch 1 of 2" in resumed.stdout and "split over 2 devices" in resumed.stdout
    assert len(history_rows(run)) == 2
