"""`keras_gmgan.runs`: the atomic writers give files the mode the umask asks for."""

import os
import stat

import keras
import pytest

from keras_gmgan import runs


@pytest.fixture(params=[0o022, 0o027])
def umask(request):
    """Runs the test under this umask (and forgets the cached one either side)."""
    runs._umask.cache_clear()
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)
    runs._umask.cache_clear()


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_atomic_writes_follow_the_umask_like_plain_files(umask, tmp_path):
    runs.write_json_atomic(tmp_path / "results.json", {"epochs": 1})
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    runs.save_model_atomic(model, tmp_path / "model.keras")
    (tmp_path / "plain.txt").write_text("")
    assert _mode(tmp_path / "results.json") == 0o666 & ~umask
    assert _mode(tmp_path / "model.keras") == _mode(tmp_path / "plain.txt") == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "model.keras",
        "plain.txt",
        "results.json",
    ]
    assert os.umask(umask) == umask  # reading it left it as it was
