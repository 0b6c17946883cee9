"""Run directories: what `keras-gmgan fit` writes and `generate`/`evaluate` read back.

A run directory holds `config.json` (every option, the backend, package versions),
`history.csv`, `samples/epoch_NNN.png`, `loss.png`, `model.keras` and `results.json`; while it
trains, also a checkpoint per epoch (`checkpoint.keras`, `checkpoint.json`) and the
evaluations so far (`checkpoint_records.json`). `Run` is the life of one such directory,
for the command line and for scripts alike:

    run = Run.create("runs/gmgan", {"model": "gmgan", "seed": 0})
    model = keras_gmgan.recipes.gmgan((28, 28, 1), seed=0)
    results = run.fit(model, images, epochs=20, batch_size=64)

    run = Run.resume("runs/gmgan")                # after a crash: from the last epoch
    run.fit(run.load_checkpoint(), images, epochs=20, batch_size=64)

    Run.open("runs/gmgan").load_generator()       # a finished run

This module imports no Keras at import time (the command line's `--help` reads it).
"""

import csv
import functools
import json
import os
import platform
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Union

from keras_gmgan.version import __version__

#: Bumped whenever config.json changes meaning; `--resume` refuses other formats.
CONFIG_FORMAT = 1

MODEL_FILE = "model.keras"
CONFIG_FILE = "config.json"
HISTORY_FILE = "history.csv"
RESULTS_FILE = "results.json"
#: Written by `keras-gmgan evaluate` (`keras_gmgan.scoring.evaluate_source`) into a run.
EVALUATION_FILE = "evaluation.json"
LOSS_PLOT = "loss.png"
SAMPLES_DIR = "samples"


class ModelFileError(ValueError):
    """A model file or run directory cannot be read."""


def environment() -> dict:
    """The backend and package versions a run was made with."""
    import importlib.metadata as metadata

    import keras

    backend = keras.backend.backend()
    module = {"jax": "jax", "tensorflow": "tensorflow", "torch": "torch"}[backend]
    versions = {"keras-gmgan": __version__, "python": platform.python_version()}
    for package in ("keras", "numpy", "scikit-learn", module):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            if package == "tensorflow":
                versions[package] = metadata.version("tensorflow-cpu")
    return {"backend": backend, "versions": versions}


@functools.cache
def _umask() -> int:
    """The process's umask. It can only be read by setting it, and the setting is
    process-wide, so it is read once and put back at once; meanwhile it is 0o077, so a file
    another thread makes in that instant is private rather than open to all."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def apply_umask(path: Union[str, Path]) -> None:
    """Gives a `tempfile` file (mode 0600) or folder (0700) the mode that `open` or `mkdir`
    would have given it, so what is renamed into place reads like every other run file."""
    os.chmod(path, (0o777 if os.path.isdir(path) else 0o666) & ~_umask())


def write_json_atomic(path: Path, payload: Mapping[str, Any]) -> None:
    """Writes JSON to a temporary file and renames it, so a crash never leaves half a file."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        apply_umask(temporary)
        with os.fdopen(handle, "w") as stream:
            json.dump(payload, stream, indent=2, sort_keys=True, default=_json_default)
            stream.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_model_atomic(model, path: Path) -> None:
    """`model.save` to a temporary `.keras` file, then rename over `path`."""
    path = Path(path)
    temporary = path.with_name(f".{path.stem}.tmp{os.getpid()}.keras")
    try:
        model.save(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _json_default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def read_config(run_dir: Path) -> dict:
    """The options a run was started with, checked to be of this version's format."""
    path = Path(run_dir) / CONFIG_FILE
    if not path.exists():
        raise ModelFileError(f"{run_dir} holds no {CONFIG_FILE}: it is not a keras-gmgan run.")
    try:
        config = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ModelFileError(f"{path} is not valid JSON ({error}).") from error
    if config.get("format") != CONFIG_FORMAT:
        raise ModelFileError(
            f"{run_dir} was made by keras-gmgan "
            f"{config.get('versions', {}).get('keras-gmgan', 'of an unknown version')} with "
            f"config format {config.get('format')}; this version ({__version__}) resumes format "
            f"{CONFIG_FORMAT} only. Start a new run instead."
        )
    return config


def model_path(source: Union[str, Path]) -> Path:
    """The `.keras` file of a run directory, or `source` itself if it is a model file."""
    source = Path(source)
    if source.is_dir():
        source = source / MODEL_FILE
        if not source.exists():
            raise ModelFileError(
                f"{source.parent} holds no {MODEL_FILE}: is it a finished keras-gmgan run "
                "directory?"
            )
    elif not source.exists():
        raise ModelFileError(f"{source} does not exist: pass a run directory or a .keras file.")
    elif source.suffix != ".keras":
        raise ModelFileError(f"{source} is not a .keras model file or a run directory.")
    return source


def load_model(source: Union[str, Path]):
    """Loads a keras-gmgan model from a run directory or `.keras` file (safe mode on)."""
    import keras

    import keras_gmgan.models  # noqa: F401  (registers the model classes and schedules)

    path = model_path(source)
    try:
        return keras.models.load_model(path)
    except Exception as error:
        raise ModelFileError(f"Could not load {path}: {_load_failure(error)}") from error


#: Keras' message for a class it cannot find, which goes on to print the whole model config.
_UNKNOWN_CLASS = re.compile(r"Could not locate class '([^']+)'")
#: The most of an unexpected load error's first line that a one-line message quotes.
_QUOTED_CHARACTERS = 200


def _load_failure(error: Exception) -> str:
    """Why `keras.models.load_model` failed, in one short line: the unknown class by name
    (Keras' own message holds the full model config, thousands of characters), else the
    first line of the error, cut short."""
    unknown = _UNKNOWN_CLASS.search(str(error))
    if unknown:
        return (
            f"it holds the class {unknown.group(1)!r}, which neither Keras nor keras-gmgan "
            f"{__version__} defines. Load it with the package (or keras-gmgan version) that "
            "saved it, or pass a model saved by keras-gmgan."
        )
    first = str(error).splitlines()[0] if str(error) else ""
    if len(first) > _QUOTED_CHARACTERS:
        first = first[:_QUOTED_CHARACTERS] + " ..."
    return (
        "the file is corrupt, truncated or not a keras-gmgan model "
        f"({type(error).__name__}: {first})."
    )


class RunDirectoryError(ValueError):
    """A path that cannot become a run directory (the message names the problem and a fix)."""


class Run:
    """One run directory and its life: create (or resume), fit, finish, read back.

    A run directory has one writer: `create` and `resume` are where a process starts
    writing it (the caller holds its `keras_gmgan.run_lock.RunLock` around the whole
    command, as `keras-gmgan fit` does; `create` takes it as `lock` to empty an earlier run
    around the lock file), `callbacks` is the one list of callbacks its training gets,
    `finish` the one place the final files are written. `fit` ties them together the way
    `keras-gmgan fit` does.

    Args:
        directory: the run directory.
        config: its config.json (`read_config`); read from the directory when omitted.
    """

    def __init__(self, directory: Union[str, Path], config: Optional[Mapping] = None):
        self.directory = Path(directory)
        self.config = dict(config) if config is not None else read_config(self.directory)
        #: Epochs already trained (by the run this one resumes).
        self.initial_epoch = 0
        self._checkpoint: Optional[Path] = None

    @property
    def options(self) -> dict:
        """The options the run was started with."""
        return self.config.get("options", {})

    # Taking the directory ----------------------------------------------------------------

    @staticmethod
    def check_directory(
        directory: Union[str, Path], overwrite: bool = False, owned: bool = False
    ) -> None:
        """Checks that `directory` can become a new run directory, before any work is done,
        and again once this process owns it (`owned`: it holds the directory's `RunLock`, so
        the lock is not another writer's).

        `overwrite` deletes it, so it is refused for anything but an earlier run directory
        (one holding config.json, or an empty folder): never the working directory or a
        folder above it, never a folder of other files. Raises `RunDirectoryError`,
        `RunDirectoryBusy` when another process writes there, or `PermissionError` when the
        parent cannot be written.
        """
        from keras_gmgan.run_lock import LOCK_FILE, check_not_busy

        out = Path(directory)
        if out.exists() and not out.is_dir():
            raise RunDirectoryError(f"--out {out} is a file; give a directory path for the run.")
        if not owned:
            check_not_busy(out)
        if out.exists() and not overwrite:
            raise RunDirectoryError(
                f"{out} already exists; pass --overwrite to replace it or choose another --out."
            )
        if out.exists():
            here = Path.cwd().resolve()
            if out.resolve() == here or out.resolve() in here.parents:
                raise RunDirectoryError(
                    f"--overwrite would delete {out}, which holds the working directory; "
                    "choose another --out."
                )
            contents = [path for path in out.iterdir() if path.name != LOCK_FILE]
            if contents and not (out / CONFIG_FILE).is_file():
                raise RunDirectoryError(
                    f"--overwrite replaces run directories only, and {out} holds other files "
                    f"(no {CONFIG_FILE}); choose another --out, or empty it yourself."
                )
        probe = out.parent if out.parent != Path("") else Path(".")
        while not probe.exists():
            probe = probe.parent
        if not probe.is_dir():
            raise RunDirectoryError(
                f"Cannot make the run directory {out}: {probe} is a file, not a directory."
            )
        if not os.access(probe, os.W_OK | os.X_OK):
            raise PermissionError(f"Cannot write the run directory {out}: {probe} is not writable.")

    @classmethod
    def create(
        cls,
        directory: Union[str, Path],
        options: Mapping[str, Any],
        overwrite: bool = False,
        lock=None,
    ) -> "Run":
        """Makes a new run directory (replacing an earlier run with `overwrite`) and writes
        config.json: `options`, the backend and the package versions.

        `lock`: a `keras_gmgan.run_lock.RunLock` the caller holds on `directory` (made with
        `create=True`), so that no other process writes there until the caller is done; an
        earlier run found there is then emptied around the lock file rather than removed.
        """
        from keras_gmgan.run_lock import clear_directory

        directory = Path(directory)
        if lock is None:
            cls.check_directory(directory, overwrite)
            if directory.exists():
                shutil.rmtree(directory)
            directory.mkdir(parents=True)
        elif not lock.created:  # an existing directory, checked again as found once owned
            cls.check_directory(directory, overwrite, owned=True)
            clear_directory(directory)
        config = {"format": CONFIG_FORMAT, "options": _jsonable(options), **environment()}
        write_json_atomic(directory / CONFIG_FILE, config)
        return cls(directory, config)

    @classmethod
    def resume(cls, directory: Union[str, Path]) -> "Run":
        """An interrupted run, to continue from its last epoch checkpoint
        (`load_checkpoint`, then `fit`). Raises `ModelFileError` when there is nothing to
        resume."""
        run = cls(directory)
        if (run.directory / RESULTS_FILE).exists():
            raise ModelFileError(f"{directory} finished already; there is nothing to resume.")
        checkpoint = run.checkpoint()
        if checkpoint is None:
            raise ModelFileError(
                f"{directory} has no checkpoint: it stopped before its first epoch ended. "
                "Start it again."
            )
        run._checkpoint, run.initial_epoch = checkpoint
        return run

    @classmethod
    def open(cls, directory: Union[str, Path]) -> "Run":
        """A run directory to read (`load_model`, `history`, `results`, `load_data`)."""
        return cls(directory)

    def checkpoint(self) -> Optional[tuple]:
        """`(model_path, epochs_completed)` of the last epoch checkpoint, or None."""
        from keras_gmgan.callbacks import read_checkpoint

        return read_checkpoint(self.directory)

    def load_checkpoint(self):
        """The model as the checkpoint saved it (weights, both optimizers, seed state)."""
        return load_model(self._checkpoint or self.checkpoint()[0])

    # Training ---------------------------------------------------------------------------

    def callbacks(
        self,
        model,
        evaluations: Sequence = (),
        callbacks: Sequence = (),
        sample_grid: Optional[bool] = None,
    ) -> list:
        """The callbacks of the run's `model.fit`, in order: stop on Ctrl-C or SIGTERM
        (`StopOnSignal`: `TrainingInterrupted` after the batch) and on a NaN loss; the
        evaluations (`PeriodicEvaluation`s, whose records the run keeps across resumes) and
        a sample grid per epoch (`sample_grid`; by default for a model that generates
        images), then `callbacks`, all before history.csv is written; last the records and
        the epoch checkpoint, so an epoch is checkpointed once everything has seen it.
        For a resumed run, history.csv loses the rows after the checkpoint and the
        evaluations get back the records up to it."""
        import keras

        from keras_gmgan import callbacks as run_callbacks

        seed = self.options.get("seed", 0)
        if sample_grid is None:
            sample_grid = hasattr(model, "latent") and len(model.data_shape) == 3
        grid = [run_callbacks.SampleGrid(self.directory / SAMPLES_DIR, seed=seed)]
        history = self.directory / HISTORY_FILE
        resuming = self.initial_epoch > 0
        if resuming:
            truncate_history(history, self.initial_epoch)
        steps = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
        earlier = run_callbacks.read_run_records(self.directory, steps) if resuming else None
        if earlier is not None:
            for callback in evaluations:
                callback.records = earlier["records"].get(callback.records_key, [])
        records = {callback.records_key: callback for callback in evaluations}
        seconds_before = earlier["train_seconds"] if earlier else 0.0
        return [
            run_callbacks.StopOnSignal(),
            run_callbacks.StopOnNonFinite(),
            *evaluations,
            *(grid if sample_grid else []),
            *callbacks,
            keras.callbacks.CSVLogger(str(history), append=resuming),
            run_callbacks.RunRecords(self.directory, records, seconds_before),
            run_callbacks.EpochCheckpoint(self.directory),
        ]

    def fit(
        self,
        model,
        x,
        y=None,
        *,
        epochs: int,
        evaluations: Sequence = (),
        callbacks: Sequence = (),
        sample_grid: Optional[bool] = None,
        evaluate=None,
        verbose: Union[int, str] = "auto",
        jit_compile: Union[bool, str] = "auto",
        **fit_kwargs,
    ) -> dict:
        """Trains `model` with the run's `callbacks(...)` and `finish`es the run.

        `jit_compile` True or False sets `model.jit_compile` (Keras' compile option) for
        this training, whatever the model was compiled or loaded with; "auto" keeps it.

        `x`, `y` and `fit_kwargs` go to `model.fit` (a `keras.utils.PyDataset` such as
        `RepeatingBatches` keeps a resumed run's batches those of an uninterrupted one).
        `evaluate(model) -> dict` adds to results.json after training. If training fails
        before the first checkpoint of a new run, the directory is removed (nothing
        half-written stays); otherwise the run can be `resume`d. Ctrl-C or SIGTERM stops it
        with `TrainingInterrupted` at the next batch end (or the end of the epoch that was
        ending). Returns results.json.
        """
        import keras

        steps_before = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
        if jit_compile != "auto":
            model.jit_compile = bool(jit_compile)
        try:
            run_callbacks = self.callbacks(model, evaluations, callbacks, sample_grid)
            started = time.time()
            # Batches shuffled from a seed (a PyDataset such as RepeatingBatches) stay so:
            # Keras' own shuffle of their order would draw on Python's global `random` and
            # make a resumed run differ. Arrays are shuffled by Keras as usual.
            fit_kwargs.setdefault("shuffle", not isinstance(x, keras.utils.PyDataset))
            # StopOnSignal: its handlers go back however fit ends, and a signal that came
            # after an epoch's last batch (Keras stopped after that epoch's checkpoint)
            # raises TrainingInterrupted on leaving the block.
            with run_callbacks[0]:
                model.fit(
                    x,
                    y,
                    epochs=epochs,
                    initial_epoch=self.initial_epoch,
                    callbacks=run_callbacks,
                    verbose=verbose,
                    **fit_kwargs,
                )
            seconds = time.time() - started
            seconds_before = run_callbacks[-2].seconds_before  # the RunRecords'
            return self.finish(model, seconds_before + seconds, steps_before, seconds,
                               evaluations, evaluate)  # fmt: skip
        except BaseException as error:
            self._abandon(error)
            raise

    def _abandon(self, error: BaseException) -> None:
        """After a failed `fit`: removes a new run that has no checkpoint to resume from."""
        try:
            checkpoint = self.checkpoint()
        except ModelFileError:
            # A counter that cannot be read still marks a run that got somewhere: keep it,
            # and let the original error speak.
            raise error from None
        if checkpoint is None and self.initial_epoch == 0:
            shutil.rmtree(self.directory, ignore_errors=True)

    def finish(
        self,
        model,
        train_seconds: float,
        steps_before: int = 0,
        fit_seconds: Optional[float] = None,
        evaluations: Sequence = (),
        evaluate=None,
    ) -> dict:
        """Writes model.keras, loss.png and results.json, and removes the checkpoint files.

        Args:
            train_seconds: training time of the whole run (resumed parts included).
            steps_before: optimizer steps before this `fit` (a resumed run's checkpoint).
            fit_seconds: time of this `fit`, for `steps_per_second`.
            evaluations, evaluate: as in `fit`.
        """
        import keras

        from keras_gmgan.callbacks.checkpoint import CHECKPOINT_MODEL, CHECKPOINT_STATE
        from keras_gmgan.callbacks.run_records import RECORDS_FILE
        from keras_gmgan.visualization import plot_losses

        save_model_atomic(model, self.directory / MODEL_FILE)
        history = self.history()
        plot_losses(history, self.directory / LOSS_PLOT)
        steps = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
        fit_seconds = train_seconds if fit_seconds is None else fit_seconds
        results = {
            "model": self.options.get("model"),
            "dataset": self.options.get("dataset"),
            "epochs": len(history.get("epoch", [])),
            "steps": steps,
            "train_seconds": round(train_seconds, 3),
            "steps_per_second": (
                round((steps - steps_before) / fit_seconds, 2) if fit_seconds > 0 else None
            ),
            "final": {name: values[-1] for name, values in history.items() if name != "epoch"},
        }
        for callback in evaluations:
            results.update(callback.summary())
        if evaluate is not None:
            results.update(evaluate(model))
        write_json_atomic(self.directory / RESULTS_FILE, results)
        for name in (CHECKPOINT_STATE, CHECKPOINT_MODEL, RECORDS_FILE):
            (self.directory / name).unlink(missing_ok=True)
        return results

    # Reading back ---------------------------------------------------------------------

    def history(self) -> dict:
        """history.csv as {column: [float, ...]}, without the empty validation columns."""
        with open(self.directory / HISTORY_FILE, newline="") as stream:
            rows = list(csv.DictReader(stream))
        columns = [c for c in (rows[0] if rows else {}) if rows and rows[0][c] not in ("NA", "")]
        return {column: [float(row[column]) for row in rows] for column in columns}

    def results(self) -> dict:
        """results.json of a finished run."""
        path = self.directory / RESULTS_FILE
        if not path.is_file():
            raise ModelFileError(f"{self.directory} holds no {RESULTS_FILE}: it has not finished.")
        return json.loads(path.read_text())

    def load_model(self):
        """The trained model (model.keras)."""
        return load_model(self.directory)

    def load_generator(self):
        """The trained model, checked to generate (it has a latent prior and `generate`)."""
        model = self.load_model()
        if not hasattr(model, "latent"):
            raise ModelFileError(f"{self.directory} holds a classifier, not a generative model.")
        return model

    def load_classifier(self):
        """The trained classifier: a cnn-baseline's model, or an SGAN's classifier network
        (K real-class logits, EMA weights not applied)."""
        model = self.load_model()
        if hasattr(model, "classifier"):
            return model.classifier
        if hasattr(model, "latent"):
            raise ModelFileError(f"{self.directory} holds a generative model, not a classifier.")
        return model

    def load_data(self):
        """The data set the run trained on (`keras_gmgan.datasets.load_dataset`), from where
        it was found then."""
        from keras_gmgan.datasets import load_dataset

        options = self.options
        return load_dataset(options["dataset"], options.get("data"), seed=options.get("seed", 0))


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


def _jsonable(options: Mapping[str, Any]) -> dict:
    return {
        key: (str(value) if isinstance(value, Path) else value) for key, value in options.items()
    }
