"""read_checkpoint: a checkpoint counter that cannot be read is a clear error."""

import json

import keras
import pytest
from click.testing import CliRunner

from keras_gmgan.callbacks import read_checkpoint
from keras_gmgan.cli.main import cli


def _model():
    return keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])


@pytest.mark.parametrize(
    "contents", ["", '{"epochs_completed": 1', '{"epochs": 1}', '{"epochs_completed": "one"}',
                 "[1]"],
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


@pytest.mark.xfail(
    strict=True,
    reason="fit.py's _resume must turn read_checkpoint's ValueError into a ClickException",
)
def test_fit_resume_with_a_corrupt_counter_exits_with_one_line(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"format": 1, "options": {}}))
    _model().save(tmp_path / "checkpoint.keras")
    (tmp_path / "checkpoint.json").write_text("{")
    result = CliRunner().invoke(cli, ["fit", "--resume", str(tmp_path)])
    assert result.exit_code == 1 and "checkpoint.json is corrupt" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "checkpoint.json",
        "checkpoint.keras",
        "config.json",
    ]
