"""The body of `keras-gmgan fit` once options are valid: train, then write the run directory."""

import time
from pathlib import Path

import keras

from keras_gmgan import runs
from keras_gmgan.callbacks import SampleGrid
from keras_gmgan.visualization import plot_losses


def train_run(model, spec, options: dict, data, out: Path) -> dict:
    """Fits `model` on `data` with the run's callbacks and writes every run file."""
    config = {"options": _jsonable(options), **runs.environment()}
    runs.write_json_atomic(out / runs.CONFIG_FILE, config)

    callbacks = [keras.callbacks.CSVLogger(str(out / runs.HISTORY_FILE))]
    if data.is_image and spec.generative:
        callbacks.append(SampleGrid(out / "samples", seed=options["seed"]))

    if spec.fit_inputs is not None:
        inputs = spec.fit_inputs(options, data)
    else:
        inputs = {"x": data.x_train, "batch_size": options["batch_size"]}
        if spec.uses_labels:
            inputs["y"] = data.y_train
    started = time.time()
    history = model.fit(
        **inputs,
        epochs=options["epochs"],
        steps_per_epoch=options["steps_per_epoch"],
        callbacks=callbacks,
        verbose=options["verbose"],
    )
    seconds = time.time() - started

    runs.save_model_atomic(model, out / runs.MODEL_FILE)
    plot_losses(history.history, out / "loss.png")
    steps = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    results = {
        "model": options["model"],
        "dataset": options["dataset"],
        "epochs": len(history.epoch),
        "steps": steps,
        "train_seconds": round(seconds, 3),
        "steps_per_second": round(steps / seconds, 2) if seconds > 0 else None,
        "final": {name: float(values[-1]) for name, values in history.history.items()},
    }
    if spec.evaluate is not None:
        results.update(spec.evaluate(model, options, data, out))
    runs.write_json_atomic(out / runs.RESULTS_FILE, results)
    return results


def _jsonable(options: dict) -> dict:
    return {
        key: (str(value) if isinstance(value, Path) else value) for key, value in options.items()
    }
