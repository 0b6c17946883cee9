"""examples/wgan_mixture_2d.py runs end to end with a tiny step count."""

import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]


def test_wgan_mixture_2d_example_writes_both_gifs(tmp_path):
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "wgan_mixture_2d.py"),
            "--steps",
            "3",
            "--batch-size",
            "16",
            "--n-critic",
            "2",
            "--gif-every",
            "2",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    for lipschitz in ("clip", "spectral"):
        with Image.open(tmp_path / f"wgan_{lipschitz}.gif") as image:
            assert image.n_frames == 3  # steps 0, 2 and 3
        assert (tmp_path / f"wgan_{lipschitz}.png").exists()
        assert f"{lipschitz}: wasserstein" in completed.stdout
