"""`steps_per_execution` (`fit --steps-per-execution`) changes how often Python and the
callbacks run, never what is trained."""

import csv
import json

import keras
import numpy as np
import pytest
from click.testing import CliRunner

from keras_gmgan import recipes
from keras_gmgan.callbacks import PeriodicEvaluation, TimeLimit
from keras_gmgan.cli.main import cli
from keras_gmgan.datasets.batches import RepeatingBatches
from keras_gmgan.recipes import points_batch_size
from tests.conftest import to_numpy

STEPS_PER_EPOCH, EPOCHS = 5, 2


class _StepsOfEvaluations(PeriodicEvaluation):
    def measure(self):
        return {}


def _train(recipe, options: dict, steps_per_execution: int, batch_size: int, callbacks=()):
    keras.utils.set_random_seed(0)
    points = np.random.default_rng(0).normal(size=(512, 2)).astype("float32")
    model = recipe((2,), data_scale=1.0, train_steps=STEPS_PER_EPOCH * EPOCHS, seed=0,
                   steps_per_execution=steps_per_execution, **options)  # fmt: skip
    batches = RepeatingBatches((points,), batch_size, steps_per_epoch=STEPS_PER_EPOCH, seed=0)
    history = model.fit(batches, epochs=EPOCHS, shuffle=False, verbose=0, callbacks=callbacks)
    return model, history.history


@pytest.mark.parametrize(
    "recipe, options, batch_size",
    [
        (recipes.gan, {}, points_batch_size(False)),
        (recipes.wgan, {"n_critic": 2}, points_batch_size(True, 2)),
        (recipes.gmgan_dynamic, {"components": 3, "n_critic": 2}, points_batch_size(True, 2)),
    ],
    ids=["gan", "wgan-gp", "gmgan-dynamic-wgan-gp"],
)
def test_several_steps_per_execution_train_as_one(recipe, options, batch_size):
    # 5 steps per epoch in calls of 3: the epoch's last call runs 2.
    one, one_history = _train(recipe, options, 1, batch_size)
    three, three_history = _train(recipe, options, 3, batch_size)
    assert three.steps_per_execution == 3
    assert sorted(three_history) == sorted(one_history)
    for name, values in one_history.items():
        np.testing.assert_allclose(three_history[name], values, rtol=1e-4, atol=1e-5, err_msg=name)
    assert int(to_numpy(three.g_optimizer.iterations)) == STEPS_PER_EPOCH * EPOCHS
    for a, b in zip(one.generator.weights, three.generator.weights):
        np.testing.assert_allclose(to_numpy(b), to_numpy(a), rtol=1e-4, atol=1e-5)


def test_callbacks_count_every_step_of_a_call(tmp_path):
    evaluations, limit = _StepsOfEvaluations(every_n_steps=4), TimeLimit(3600)
    model, _ = _train(recipes.gan, {}, 3, 64, callbacks=[evaluations, limit])
    # Calls end at steps 3, 5 | 8, 10: the multiples 4 and 8 are taken at 5 and 8.
    assert [record["step"] for record in evaluations.records] == [5, 8]
    assert limit.steps == evaluations.step == STEPS_PER_EPOCH * EPOCHS
    model.save(tmp_path / "model.keras")
    assert keras.models.load_model(tmp_path / "model.keras").steps_per_execution == 3


def _fit(out, *args):
    result = CliRunner().invoke(
        cli,
        ["fit", "--model", "gan", "--dataset", "ring", "--epochs", str(EPOCHS),
         "--steps-per-epoch", str(STEPS_PER_EPOCH), "--verbose", "0", "--out", str(out), *args],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with open(out / "history.csv", newline="") as file:
        return list(csv.DictReader(file))


def test_fit_writes_the_same_history_with_several_steps_per_execution(tmp_path):
    one = _fit(tmp_path / "one")
    two = _fit(tmp_path / "two", "--steps-per-execution", "2")
    assert [row.keys() for row in two] == [row.keys() for row in one]
    for row_one, row_two in zip(one, two):
        for name, value in row_one.items():
            if value in ("", "NA"):  # a metric not logged that epoch
                assert row_two[name] == value, name
            else:
                assert float(row_two[name]) == pytest.approx(float(value), rel=1e-4, abs=1e-5), name
    options = json.loads((tmp_path / "two" / "config.json").read_text())["options"]
    assert options["steps_per_execution"] == 2


def test_fit_refuses_a_step_count_below_one(tmp_path):
    result = CliRunner().invoke(cli, ["fit", "--steps-per-execution", "0", "--out",
                                      str(tmp_path / "run")])  # fmt: skip
    assert result.exit_code == 2 and "--steps-per-execution" in result.output
    assert not (tmp_path / "run").exists()


def test_the_cnn_baseline_takes_several_steps_per_execution_where_keras_does():
    images = np.random.default_rng(0).uniform(-1, 1, (40, 28, 28, 1)).astype("float32")
    labels = np.arange(40) % 10
    if keras.backend.backend() == "torch":  # Keras' torch trainer runs one step per call
        with pytest.raises(ValueError, match="drop --steps-per-execution"):
            recipes.cnn_baseline((28, 28, 1), 10, steps_per_execution=2)
        return
    model = recipes.cnn_baseline((28, 28, 1), 10, steps_per_execution=2)
    model.fit(images, labels, batch_size=8, epochs=1, verbose=0)
    assert model.steps_per_execution == 2
    assert int(to_numpy(model.optimizer.iterations)) == 5
