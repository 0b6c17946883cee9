"""The body of `keras-gmgan fit` once options are valid: train, then write the run directory."""

import csv
import time
from pathlib import Path

import keras

from keras_gmgan import runs
from keras_gmgan.callbacks import (
    EpochCheckpoint,
    Mixture2DMetrics,
    MLflowLogger,
    SampleGrid,
    StopOnNonFinite,
    StopOnSignal,
    TrainingGIF,
)
from keras_gmgan.callbacks.checkpoint import CHECKPOINT_MODEL, CHECKPOINT_STATE
from keras_gmgan.cli.run_records import RECORDS_FILE, RunRecords, read_run_records
from keras_gmgan.datasets.batches import RepeatingBatches
from keras_gmgan.metrics.modes_2d import NUM_EVAL_SAMPLES
from keras_gmgan.visualization import plot_losses

#: Default `--eval-samples` for images: cheap enough to run during training (a few seconds).
IMAGE_EVAL_SAMPLES = 2000


def make_batches(spec, options: dict, data, initial_epoch: int = 0) -> keras.utils.PyDataset:
    """The batches `fit` trains on: the model's own (`spec.batches`), else the training
    images (and labels, for a model that uses them) in seeded shuffles.

    Raises ValueError when the sizes do not fit the data (a batch larger than the set).
    """
    if spec.batches is not None:
        return spec.batches(options, data, initial_epoch)
    arrays = (data.x_train, data.y_train) if spec.uses_labels else (data.x_train,)
    return RepeatingBatches(
        arrays,
        options["batch_size"],
        steps_per_epoch=options["steps_per_epoch"],
        seed=options["seed"],
        initial_epoch=initial_epoch,
    )


def train_run(model, spec, options: dict, data, batches, out: Path, initial_epoch: int = 0) -> dict:
    """Fits `model` on `batches` (`make_batches`) with the run's callbacks and writes every
    run file.

    With `initial_epoch > 0` the run continues a checkpoint: config.json is kept,
    history.csv is appended to, and results.json still covers the evaluations and training
    time of the epochs before the checkpoint (`run_records`).
    """
    if initial_epoch == 0:
        config = {"format": runs.CONFIG_FORMAT, "options": _jsonable(options)}
        runs.write_json_atomic(out / runs.CONFIG_FILE, {**config, **runs.environment()})

    stop_on_signal = StopOnSignal()
    callbacks = [
        stop_on_signal,
        StopOnNonFinite(),
        keras.callbacks.CSVLogger(str(out / runs.HISTORY_FILE), append=initial_epoch > 0),
    ]
    if data.is_image and spec.generative:
        callbacks.insert(1, SampleGrid(out / "samples", seed=options["seed"]))
    mode_metrics = image_metrics = None
    if data.mixture is not None:
        # Before the CSV logger, so the mode metrics land in history.csv.
        mode_metrics = Mixture2DMetrics(
            data.mixture,
            every_n_steps=options.get("eval_every"),
            num_samples=options.get("eval_samples") or NUM_EVAL_SAMPLES,
            seed=options["seed"],
        )
        callbacks.insert(1, mode_metrics)
        if options.get("gif"):
            callbacks.append(TrainingGIF(out / "training.gif", data.x_test, seed=options["seed"]))

    if data.is_image and options.get("eval_every"):
        image_metrics = image_evaluation(data, options)
        callbacks.insert(1, image_metrics)
    if options.get("mlflow") is not None:  # after the logs are complete
        files = [out / runs.CONFIG_FILE]
        callbacks.append(MLflowLogger(options["mlflow"], _jsonable(options), run_name=out.name,
                                      seed=options["seed"], files=files))  # fmt: skip

    steps_before = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    evaluations = {"mode_evaluations": mode_metrics, "evaluations": image_metrics}
    evaluations = {key: callback for key, callback in evaluations.items() if callback is not None}
    earlier = read_run_records(out, steps_before) if initial_epoch else None
    if earlier is not None:
        for key, callback in evaluations.items():
            callback.records = earlier["records"].get(key, [])
    seconds_before = earlier["train_seconds"] if earlier else 0.0
    # Last, so an epoch is checkpointed once everything else has seen it, and its records
    # (after the evaluations) just before it (see RunRecords).
    callbacks += [RunRecords(out, evaluations, seconds_before), EpochCheckpoint(out)]
    started = time.time()
    with stop_on_signal:  # its handlers go back however fit ends
        model.fit(
            batches,
            # The batches are already shuffled from the seed; Keras' own shuffle of their
            # order would draw on Python's global `random` and make a resumed run differ.
            shuffle=False,
            epochs=options["epochs"],
            initial_epoch=initial_epoch,
            callbacks=callbacks,
            verbose=options["verbose"],
        )
    seconds = time.time() - started

    runs.save_model_atomic(model, out / runs.MODEL_FILE)
    history = read_history(out / runs.HISTORY_FILE)
    plot_losses(history, out / "loss.png")
    steps = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    results = {
        "model": options["model"],
        "dataset": options["dataset"],
        "epochs": len(history.get("epoch", [])),
        "steps": steps,
        "train_seconds": round(seconds_before + seconds, 3),
        "steps_per_second": round((steps - steps_before) / seconds, 2) if seconds > 0 else None,
        "final": {name: values[-1] for name, values in history.items() if name != "epoch"},
    }
    if mode_metrics is not None:
        results["modes"] = mode_metrics.latest
        results["mode_evaluations"] = mode_metrics.records
    if spec.evaluate is not None:
        results.update(spec.evaluate(model, options, data, out))
    if image_metrics is not None:
        floor = image_metrics.evaluator.floor
        results["evaluation"] = image_metrics.latest
        results["evaluation_floor"] = {name: floor[name] for name in image_metrics.metrics}
        results["evaluation_samples"] = image_metrics.n
        results["evaluations"] = image_metrics.records
    runs.write_json_atomic(out / runs.RESULTS_FILE, results)
    for name in (CHECKPOINT_STATE, CHECKPOINT_MODEL, RECORDS_FILE):
        (out / name).unlink(missing_ok=True)
    return results


def image_evaluation(data, options: dict):
    """The `--eval-every` callback for images: FID, precision and recall of
    `--eval-samples` generated images against as many test images, with the data set's
    bundled extractor; the real-vs-real floor (a random train subset) is computed once."""
    from keras_gmgan.metrics import EvaluationCallback, Evaluator

    n = options.get("eval_samples") or IMAGE_EVAL_SAMPLES
    evaluator = Evaluator.from_splits(
        data.x_train, data.x_test, extractor=data.name, n=n, seed=options["seed"]
    )
    return EvaluationCallback(
        evaluator, n=n, seed=options["seed"], every_n_steps=options["eval_every"]
    )


def read_history(path: Path) -> dict:
    """history.csv as {column: [float, ...]}, skipping the empty validation columns."""
    with open(path, newline="") as stream:
        rows = list(csv.DictReader(stream))
    columns = [c for c in (rows[0] if rows else {}) if rows and rows[0][c] not in ("NA", "")]
    return {column: [float(row[column]) for row in rows] for column in columns}


def truncate_history(path: Path, epochs: int) -> None:
    """Keeps the header and the first `epochs` rows, so a resumed run repeats no epoch.

    Read and written without newline translation: the CSV logger ends rows with CRLF, and
    the kept rows must end as the appended ones will.
    """
    if not path.exists():
        return
    with open(path, newline="") as stream:
        lines = stream.read().splitlines(keepends=True)
    with open(path, "w", newline="") as stream:
        stream.write("".join(lines[: 1 + epochs]))


def _jsonable(options: dict) -> dict:
    return {
        key: (str(value) if isinstance(value, Path) else value) for key, value in options.items()
    }
