"""`jit_compile` (`fit --jit-compile`) changes how the training step runs, never what it trains:
XLA under JAX and TensorFlow (by default, on a CPU too), torch.compile under torch when asked,
uncompiled when turned off."""

import csv
import functools
import json

import keras
import numpy as np
import pytest
from click.testing import CliRunner

from keras_gmgan import recipes
from keras_gmgan.cli.main import cli
from keras_gmgan.datasets.batches import RepeatingBatches
from keras_gmgan.runs import Run
from tests.conftest import to_numpy

BACKEND = keras.backend.backend()
#: Under TensorFlow these tests train with the default XLA (tests/conftest.py).
pytestmark = pytest.mark.xla
STEPS_PER_EPOCH, EPOCHS = 4, 4
#: torch.compile traces for about a minute per model even without Inductor: under torch only
#: the Wasserstein-GP model (which takes a gradient through the compiled step twice) runs.
SLOW_UNDER_TORCH = pytest.mark.skipif(BACKEND == "torch", reason="a minute per model")


@pytest.fixture
def fast_torch_compile(monkeypatch):
    """torch.compile with the "aot_eager" backend: Dynamo traces the step and AOTAutograd
    builds its backward as with Inductor, without Inductor's minutes of C++ compilation."""
    if BACKEND == "torch":
        import torch

        monkeypatch.setattr(torch, "compile", functools.partial(torch.compile, backend="aot_eager"))


def _train(recipe, options: dict, jit_compile):
    """(initial weights, trained model, history) of 4 one-step epochs on 2-D points."""
    keras.utils.set_random_seed(0)
    points = np.random.default_rng(0).normal(size=(512, 2)).astype("float32")
    model = recipe((2,), data_scale=1.0, train_steps=EPOCHS, seed=0, **options)
    model.jit_compile = jit_compile
    initial = [to_numpy(weight) for weight in model.weights]
    batches = RepeatingBatches((points,), 64, steps_per_epoch=1, seed=0)
    history = model.fit(batches, epochs=EPOCHS, shuffle=False, verbose=0)
    return initial, model, history.history


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.parametrize(
    "recipe, options",
    [
        pytest.param(recipes.gan, {}, id="gan", marks=SLOW_UNDER_TORCH),
        pytest.param(recipes.wgan, {"n_critic": 2}, id="wgan-gp"),
        pytest.param(recipes.gmgan, {"components": 3}, id="gmgan", marks=SLOW_UNDER_TORCH),
    ],
)
def test_a_compiled_step_trains_as_the_uncompiled_one(recipe, options, fast_torch_compile):
    initial, eager, eager_history = _train(recipe, options, False)
    _, compiled, compiled_history = _train(recipe, options, True)
    assert (eager.jit_compile, compiled.jit_compile) == (False, True)
    assert sorted(compiled_history) == sorted(eager_history)
    assert int(to_numpy(compiled.g_optimizer.iterations)) == EPOCHS
    moved = [
        np.concatenate([(to_numpy(w) - w0).ravel() for w, w0 in zip(model.weights, initial)])
        for model in (eager, compiled)
    ]
    assert 0.8 < np.linalg.norm(moved[1]) / np.linalg.norm(moved[0]) < 1.25
    if BACKEND == "tensorflow":
        # XLA draws the training-time noise with another generator than TensorFlow's own
        # kernels, so the two train on other fakes: the same direction, roughly.
        assert _cosine(*moved) > 0.9
        return
    for name, values in eager_history.items():
        np.testing.assert_allclose(compiled_history[name], values, rtol=1e-4, atol=1e-5)
    assert _cosine(*moved) > 0.9999


def test_auto_compiles_with_xla_except_under_torch():
    model = recipes.gan((2,), data_scale=1.0, train_steps=10, seed=0)
    assert model.jit_compile is (BACKEND != "torch")
    model.compile(jit_compile=False)
    assert model.jit_compile is False


def test_run_fit_sets_the_models_setting_for_the_run(tmp_path):
    points = np.random.default_rng(0).normal(size=(256, 2)).astype("float32")
    model = recipes.gan((2,), data_scale=1.0, train_steps=STEPS_PER_EPOCH, seed=0)
    model.jit_compile = True  # as a model compiled or loaded with it
    run = Run.create(tmp_path / "run", {"model": "gan"})
    batches = RepeatingBatches((points,), 64, steps_per_epoch=STEPS_PER_EPOCH, seed=0)
    results = run.fit(model, batches, epochs=1, verbose=0, jit_compile=False)
    assert results["steps"] == STEPS_PER_EPOCH
    assert model.jit_compile is False


def _fit(out, *args):
    return CliRunner().invoke(
        cli,
        ["fit", "--model", "gan", "--dataset", "ring", "--epochs", str(EPOCHS),
         "--steps-per-epoch", str(STEPS_PER_EPOCH), "--verbose", "0", "--out", str(out), *args],
    )  # fmt: skip


def _history(out) -> list:
    with open(out / "history.csv", newline="") as file:
        return list(csv.DictReader(file))


def test_fit_runs_the_setting_asked_for(tmp_path):
    auto, off = _fit(tmp_path / "auto"), _fit(tmp_path / "off", "--jit-compile", "false")
    assert auto.exit_code == 0 and off.exit_code == 0, auto.output + off.output
    assert (_config_setting(tmp_path / "auto"), _config_setting(tmp_path / "off")) == (
        "auto",
        "false",
    )
    d_losses = [
        [float(row["d_loss"]) for row in _history(tmp_path / name)] for name in ("auto", "off")
    ]
    if BACKEND == "tensorflow":  # XLA under "auto", with its own random generator
        assert d_losses[0] != pytest.approx(d_losses[1], rel=1e-6)
    else:  # the same step compiled by XLA and run op by op, or eager both times (torch)
        assert d_losses[0] == pytest.approx(d_losses[1], rel=1e-4)


def _config_setting(out) -> str:
    return json.loads((out / "config.json").read_text())["options"]["jit_compile"]


def test_fit_refuses_an_unknown_setting(tmp_path):
    result = _fit(tmp_path / "run", "--jit-compile", "yes")
    assert result.exit_code == 2 and "--jit-compile" in result.output
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(BACKEND != "tensorflow", reason="XLA under MirroredStrategy")
def test_fit_refuses_xla_with_tensorflow_data_parallelism(tmp_path):
    result = _fit(tmp_path / "run", "--jit-compile", "true", "--distribute", "data-parallel")
    assert result.exit_code == 2
    assert "--jit-compile true does not train data-parallel under TensorFlow" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "run").exists()
