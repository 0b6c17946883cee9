"""`keras_gmgan.distribution`: batch slices, the writing process, and data-parallel runs that
end where single-device runs from the same weights and batches end (TensorFlow on 2 logical
CPU devices, PyTorch with 2 Gloo processes; JAX: tests/cli/test_data_parallel.py)."""

import json
import os
import socket
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_gmgan import distribution
from keras_gmgan.datasets.batches import RepeatingBatches
from tests import data_parallel_parity as parity

BACKEND = keras.backend.backend()
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
#: Far below how far the runs move the weights (0.03 to 0.7; see the reports).
TOLERANCE = 1e-4

#: The environment variable that names the process, per backend, and its value for process 1.
SECOND_PROCESS = {
    "torch": ("RANK", "1"),
    "tensorflow": ("TF_CONFIG", json.dumps({"task": {"type": "worker", "index": 1}})),
    "jax": ("KERAS_DISTRIBUTION_PROCESS_ID", "1"),
}


def test_each_process_gets_its_slice_of_every_batch():
    x = np.arange(24, dtype="float32").reshape(12, 2)
    batches = RepeatingBatches((x, np.arange(12)), 6, steps_per_epoch=2, seed=0)
    slices = [distribution.ShardedBatches(batches, index, 2) for index in (0, 1)]
    for step in range(2):
        whole = batches[step]
        for part in range(2):
            joined = np.concatenate([s[step][part] for s in slices])
            np.testing.assert_array_equal(joined, whole[part])
    assert len(slices[0]) == 2


def test_a_batch_that_does_not_split_evenly_is_refused():
    batches = RepeatingBatches((np.zeros((10, 2)),), 5)
    with pytest.raises(ValueError, match="does not split evenly over 2 processes"):
        distribution.ShardedBatches(batches, 0, 2)[0]


def test_one_replica_draws_as_before():
    assert distribution.draw_for_replicas(lambda copies: np.arange(4 * copies), 4).tolist() == [
        0, 1, 2, 3,
    ]  # fmt: skip
    assert distribution.shard_batches(batches := RepeatingBatches((np.zeros((4, 1)),), 2)) is (
        batches
    )


def test_only_the_first_process_writes_the_run_directory(tmp_path, monkeypatch):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text("{}")
    assert distribution.is_chief()
    assert distribution.run_directory_for_this_process(run) == run
    name, value = SECOND_PROCESS[BACKEND]
    monkeypatch.setenv(name, value)
    assert distribution.process_index() == 1 and not distribution.is_chief()
    fresh = distribution.run_directory_for_this_process(run)
    assert not fresh.exists() and tmp_path not in fresh.parents
    resumed = distribution.run_directory_for_this_process(run, resume=True)
    assert (resumed / "config.json").read_text() == "{}"


@pytest.mark.skipif(BACKEND != "tensorflow", reason="TensorFlow's MirroredStrategy")
def test_two_mirrored_replicas_end_where_one_device_ends(tmp_path):
    report_file = tmp_path / "report.json"
    completed = subprocess.run(
        [sys.executable, "-m", "tests.data_parallel_parity", "tensorflow", str(report_file)],
        env=ENV, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(report_file.read_text())
    assert report["replicas"] == 2
    for kind in parity.KINDS:
        assert report["moved"][kind] > 0.01, report
        assert report["difference"][kind] < TOLERANCE, report


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(BACKEND != "torch", reason="torch.distributed")
def test_two_gloo_processes_end_where_one_process_ends(tmp_path):
    port = _free_port()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.data_parallel_parity", "torch", str(tmp_path)],
            env={
                **ENV,
                "RANK": str(rank),
                "LOCAL_RANK": str(rank),
                "WORLD_SIZE": "2",
                "MASTER_ADDR": "127.0.0.1",
                "MASTER_PORT": str(port),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for rank in (0, 1)
    ]
    try:
        outputs = [process.communicate(timeout=600) for process in processes]
    finally:
        for process in processes:
            process.kill()
    for process, (_, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr[-3000:]
    for kind in parity.KINDS:
        initial = parity.weights(parity.build(kind))
        single = parity.train(kind)
        assert parity.largest_difference(initial, single) > 0.01
        for rank in (0, 1):
            with np.load(tmp_path / f"{kind}-{rank}.npz") as saved:
                assert parity.largest_difference(single, dict(saved)) < TOLERANCE, (kind, rank)


@pytest.mark.skipif(BACKEND != "torch", reason="only Keras' own torch step ignores the group")
def test_a_plain_keras_model_is_refused_under_a_torch_process_group(monkeypatch):
    from keras_gmgan.backend import torch as plumbing

    plain = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    distribution.check_data_parallel_model(plain)  # one process: anything goes
    monkeypatch.setattr(plumbing, "_process_group", (0, 2))
    with pytest.raises(ValueError, match="does not average gradients over PyTorch processes"):
        distribution.check_data_parallel_model(plain)
    distribution.check_data_parallel_model(parity.build("gan"))
