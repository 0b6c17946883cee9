"""EpochCheckpoint and read_checkpoint: the model and the epoch counter always agree."""

import json
import os

import keras
import numpy as np
import pytest

from keras_gmgan.callbacks import EpochCheckpoint, read_checkpoint


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after it runs."""


def _model():
    return keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])


def _checkpoint_after(model, checkpoint, epochs_completed):
    """Gives the model the weight `epochs_completed` (its fingerprint), then checkpoints it."""
    model.layers[0].kernel.assign(np.full((1, 1), epochs_completed, "float32"))
    checkpoint.on_epoch_end(epochs_completed - 1)


def _saved_epochs(directory):
    """The epoch counter of the checkpoint and the epoch its model was saved after."""
    path, completed = read_checkpoint(directory)
    kernel = keras.models.load_model(path).layers[0].kernel
    return completed, int(keras.ops.convert_to_numpy(kernel)[0, 0])


@pytest.mark.parametrize("crash_at", [0, 1, 2, 3])
def test_a_crash_anywhere_in_a_checkpoint_leaves_a_matching_model_and_counter(
    tmp_path, monkeypatch, crash_at
):
    """crash_at 0: while the model is saved; n: at the n-th rename of the epoch end."""
    model, checkpoint = _model(), EpochCheckpoint(tmp_path)
    checkpoint.set_model(model)
    _checkpoint_after(model, checkpoint, 1)
    renames, save, replace = [], model.save, os.replace

    def crashing_save(*args, **kwargs):
        if crash_at == 0:
            raise Killed
        return save(*args, **kwargs)

    def crashing_replace(source, target):
        renames.append(os.path.basename(target))
        if len(renames) == crash_at:
            raise Killed
        return replace(source, target)

    with monkeypatch.context() as patched:
        patched.setattr(model, "save", crashing_save)
        patched.setattr(os, "replace", crashing_replace)
        try:
            _checkpoint_after(model, checkpoint, 2)
        except Killed:
            pass
    assert len(renames) == min(crash_at, 2)  # the epoch end renames two files
    completed, saved_after = _saved_epochs(tmp_path)
    assert completed == saved_after and completed in (1, 2)

    # The resumed run's next epoch end tidies up after the crash.
    _checkpoint_after(model, checkpoint, completed + 1)
    assert _saved_epochs(tmp_path) == (completed + 1, completed + 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.json", "checkpoint.keras"]


def test_a_run_checkpointed_before_the_counter_named_its_model_still_resumes(tmp_path):
    model = _model()
    model.layers[0].kernel.assign(np.full((1, 1), 3, "float32"))
    model.save(tmp_path / "checkpoint.keras")
    (tmp_path / "checkpoint.json").write_text(json.dumps({"epochs_completed": 3}))
    assert read_checkpoint(tmp_path) == (tmp_path / "checkpoint.keras", 3)
    assert _saved_epochs(tmp_path) == (3, 3)


@pytest.mark.parametrize(
    "contents", ["", '{"epochs_completed": 1', '{"epochs": 1}', '{"epochs_completed": "one"}',
                 '{"epochs_completed": 1, "model": "../elsewhere.keras"}', "[1]"],
)  # fmt: skip
def test_a_corrupt_counter_names_the_file_and_the_fix(tmp_path, contents):
    _model().save(tmp_path / "checkpoint.keras")
    (tmp_path / "checkpoint.json").write_text(contents)
    message = f"{tmp_path / 'checkpoint.json'} is corrupt"
    with pytest.raises(ValueError, match=message) as error:
        read_checkpoint(tmp_path)
    assert "start the run again (keras-gmgan fit with its options and --overwrite)" in str(
        error.value
    )
