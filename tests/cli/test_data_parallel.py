"""`keras-gmgan fit --distribute data-parallel` on two devices or processes: JAX on two forced
host devices and as two `jax.distributed` processes, TensorFlow on two logical CPU devices,
PyTorch as two Gloo processes under torchrun. It matches one device, only the first process
writes files, and a killed run resumes data-parallel."""

import os
import socket
import subprocess
import sys

import keras
import pytest
from click.testing import CliRunner

from keras_gmgan.cli.main import cli
from tests.conftest import history_rows

BACKEND = keras.backend.backend()
ENV = {
    **os.environ,
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
}

#: Run before the CLI under TensorFlow: split the CPU into two logical devices (only possible
#: before TensorFlow initialises), as a machine with two GPUs would have.
TWO_TENSORFLOW_DEVICES = (
    "import tensorflow as tf\n"
    "cpu = tf.config.list_physical_devices('CPU')[0]\n"
    "devices = [tf.config.LogicalDeviceConfiguration()] * 2\n"
    "tf.config.set_logical_device_configuration(cpu, devices)\n"
)
RUN_CLI = "import sys\nfrom keras_gmgan.cli.main import cli\ncli(sys.argv[1:])\n"
#: The CLI with a checkpoint callback that stops the process after the first epoch.
CRASH_AFTER_FIRST_EPOCH = (
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


def _data_parallel(tmp_path, args, script=RUN_CLI):
    """Runs `script` (the CLI) with `args` on two devices, or as two torchrun processes."""
    env = {**ENV, "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir(exist_ok=True)
    if BACKEND == "torch":
        path = tmp_path / "script.py"
        path.write_text(script)
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                   "--nproc-per-node", "2", str(path)]  # fmt: skip
    elif BACKEND == "tensorflow":
        command = [sys.executable, "-c", TWO_TENSORFLOW_DEVICES + script]
    else:
        command = [sys.executable, "-c", script]
    return subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=600)


def _scratch_left(tmp_path) -> list:
    """The other processes' run directories still on disk (deleted when each one exits)."""
    return sorted(path.name for path in (tmp_path / "tmp").glob("keras-gmgan-process*"))


FIT = ["fit", "--dataset", "digits", "--epochs", "2", "--steps-per-epoch", "5",
       "--batch-size", "32", "--verbose", "0"]  # fmt: skip


@pytest.fixture(scope="module")
def one_device_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("one-device") / "run"
    # TensorFlow trains replicas without XLA, which would draw one device's noise otherwise.
    no_xla = ["--jit-compile", "false"] if BACKEND == "tensorflow" else []
    single = subprocess.run(
        [sys.executable, "-m", "keras_gmgan.cli.main", *FIT, *no_xla, "--out", str(run)],
        env=ENV, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert single.returncode == 0, single.stderr[-2000:]
    return run


def _assert_same_run(one, two, tmp_path):
    """`two` is a complete run directory written once, with `one`'s history within 1e-3."""
    rows = history_rows(two)
    assert len(rows) == 2  # one writer: no epoch logged twice
    assert sorted(os.listdir(two)) == sorted(os.listdir(one))
    assert _scratch_left(tmp_path) == []
    for first, second in zip(history_rows(one), rows):
        for key in ("d_loss", "g_loss", "d_real", "d_fake"):
            assert abs(float(first[key]) - float(second[key])) < 1e-3, (key, first, second)


def test_two_devices_match_one_device(tmp_path, one_device_run):
    run = tmp_path / "two"
    parallel = _data_parallel(tmp_path, [*FIT, "--distribute", "data-parallel", "--out", str(run)])
    assert parallel.returncode == 0, parallel.stderr[-3000:]
    assert "split over 2 devices" in parallel.stdout
    assert f"run directory: {run}\n" in parallel.stdout
    _assert_same_run(one_device_run, run, tmp_path)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(BACKEND != "jax", reason="jax.distributed (keras.distribution.initialize)")
def test_two_jax_processes_match_one_device(tmp_path, one_device_run):
    """The several-hosts path on one machine: two processes with one CPU device each."""
    (tmp_path / "tmp").mkdir()
    address = f"127.0.0.1:{_free_port()}"
    run = tmp_path / "two"
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "keras_gmgan.cli.main",
                *FIT,
                "--distribute",
                "data-parallel",
                "--out",
                str(run),
            ],
            env={
                **ENV,
                "XLA_FLAGS": "",
                "TMPDIR": str(tmp_path / "tmp"),
                "KERAS_DISTRIBUTION_JOB_ADDRESSES": f"{address},{address}",
                "KERAS_DISTRIBUTION_NUM_PROCESSES": "2",
                "KERAS_DISTRIBUTION_PROCESS_ID": str(index),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for index in (0, 1)
    ]
    try:
        outputs = [process.communicate(timeout=600) for process in processes]
    finally:
        for process in processes:
            process.kill()
    for process, (stdout, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr[-3000:]
        assert "split over 2 devices" in stdout
    assert f"run directory: {run}\n" in outputs[0][0]
    _assert_same_run(one_device_run, run, tmp_path)


def test_a_killed_data_parallel_run_resumes_data_parallel(tmp_path):
    run = tmp_path / "run"
    fit = ["fit", "--dataset", "digits", "--epochs", "2", "--steps-per-epoch", "2",
           "--batch-size", "32", "--verbose", "0", "--distribute", "data-parallel",
           "--out", str(run)]  # fmt: skip
    crashed = _data_parallel(tmp_path, fit, CRASH_AFTER_FIRST_EPOCH)
    assert crashed.returncode != 0 and "split over 2 devices" in crashed.stdout, crashed.stderr
    assert len(history_rows(run)) == 1
    resumed = _data_parallel(tmp_path, ["fit", "--resume", str(run)])
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "after epoch 1 of 2" in resumed.stdout and "split over 2 devices" in resumed.stdout
    assert len(history_rows(run)) == 2 and (run / "results.json").is_file()
    assert _scratch_left(tmp_path) == []


@pytest.mark.skipif(BACKEND != "torch", reason="PyTorch runs one process per device")
def test_torch_data_parallel_outside_torchrun_is_refused(tmp_path):
    result = CliRunner().invoke(
        cli, ["fit", "--dataset", "digits", "--distribute", "data-parallel",
              "--out", str(tmp_path / "run")],
    )  # fmt: skip
    assert result.exit_code == 2 and "torchrun --nproc-per-node N" in result.output
    assert not (tmp_path / "run").exists()
