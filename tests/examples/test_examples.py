"""The example scripts run end to end with a tiny step count."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("KERAS_GMGAN_DATA", "../shared/data"))
needs_mnist = pytest.mark.skipif(
    not (SHARED_DATA / "mnist.npz").exists(), reason="MNIST not available"
)


def run_example(script: str, out: Path) -> subprocess.CompletedProcess:
    """Runs examples/SCRIPT for one epoch of 2 steps, writing into `out`; must succeed."""
    env = {**os.environ, "KERAS_GMGAN_DATA": str(SHARED_DATA.resolve())}
    command = [sys.executable, str(ROOT / "examples" / script)]
    command += ["--epochs", "1", "--steps-per-epoch", "2", "--out", str(out)]
    completed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed


@needs_mnist
def test_gan_mnist_example(tmp_path):
    run_example("gan_mnist.py", tmp_path)
    assert (tmp_path / "samples.png").exists() and (tmp_path / "gan.keras").exists()
    assert (tmp_path / "grids" / "epoch_001.png").exists()


@needs_mnist
def test_sgan_100_labels_example(tmp_path):
    completed = run_example("sgan_100_labels.py", tmp_path)
    assert "100 labelled, 59900 unlabelled" in completed.stdout
    assert "test accuracy" in completed.stdout
    assert (tmp_path / "confusion_matrix.png").exists() and (tmp_path / "sgan.keras").exists()
