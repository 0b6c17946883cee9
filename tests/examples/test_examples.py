"""The example scripts run end to end with a tiny step count."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("KERAS_GMGAN_DATA", "../shared/data"))


@pytest.mark.skipif(not (SHARED_DATA / "mnist.npz").exists(), reason="MNIST not available")
def test_gan_mnist_example(tmp_path):
    env = {**os.environ, "KERAS_GMGAN_DATA": str(SHARED_DATA.resolve())}
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "gan_mnist.py"),
            "--epochs",
            "1",
            "--steps-per-epoch",
            "2",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert (tmp_path / "samples.png").exists() and (tmp_path / "gan.keras").exists()
    assert (tmp_path / "grids" / "epoch_001.png").exists()
