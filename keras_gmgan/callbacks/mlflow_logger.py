"""A callback that logs a training run to MLflow: its options, per-epoch metrics, sample
grids and the trained model (`keras-gmgan fit --mlflow [URI]`).

MLflow is optional (`pip install 'keras-gmgan[mlflow]'`, which installs `mlflow-skinny`);
this module imports it only when a run starts. Without a URI the run goes to a local store
in `./mlruns`: an SQLite database (`mlruns/mlflow.db`, the backend MLflow 3 maintains;
its plain-folder store is frozen and refused by default) with artifacts in
`mlruns/artifacts`. `mlflow ui --backend-store-uri sqlite:///mlruns/mlflow.db` shows it.
"""

import logging
import math
import tempfile
from pathlib import Path
from typing import Mapping, Optional

import keras
import numpy as np

from keras_gmgan.visualization import image_grid

#: The experiment runs are logged under unless told otherwise.
EXPERIMENT = "keras-gmgan"
LOCAL_STORE = Path("mlruns")
#: What `--mlflow` without a URI stands for: the local store under ./mlruns.
LOCAL = "./mlruns"
INSTALL_HINT = "--mlflow needs MLflow: pip install 'keras-gmgan[mlflow]' (mlflow-skinny)."


class MLflowUnavailableError(RuntimeError):
    """MLflow is not installed, or the tracking store cannot be reached."""


def _mlflow():
    try:
        import mlflow
    except ImportError:
        raise MLflowUnavailableError(INSTALL_HINT) from None
    return mlflow


def tracking_uri(uri: Optional[str]) -> str:
    """The tracking URI to use: `uri`, or (None or `LOCAL`) the SQLite store under ./mlruns."""
    if uri and uri != LOCAL:
        return uri
    return f"sqlite:///{LOCAL_STORE.resolve() / 'mlflow.db'}"


def start_mlflow_run(uri: Optional[str], experiment: str = EXPERIMENT, run_name=None):
    """Connects to the store, makes the experiment if needed and starts a run (none with
    `run_name=False`: a check that the store works, before a run directory is made).

    Raises MLflowUnavailableError (one line) when MLflow is missing or the store fails.
    """
    mlflow = _mlflow()
    logging.getLogger("mlflow").setLevel(logging.WARNING)  # not its database set-up notes
    resolved = tracking_uri(uri)
    local = resolved != uri
    try:
        if local:
            LOCAL_STORE.mkdir(exist_ok=True)
        mlflow.set_tracking_uri(resolved)
        client = mlflow.tracking.MlflowClient()
        if client.get_experiment_by_name(experiment) is None:
            location = (LOCAL_STORE.resolve() / "artifacts").as_uri() if local else None
            client.create_experiment(experiment, artifact_location=location)
        mlflow.set_experiment(experiment)
        return None if run_name is False else mlflow.start_run(run_name=run_name)
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise MLflowUnavailableError(
            f"Cannot log to MLflow at {resolved}: {type(error).__name__}: {first[:300]}"
        ) from None


class MLflowLogger(keras.callbacks.Callback):
    """Logs a run to MLflow: `params` at the start, every numeric epoch log as a metric
    (step = epoch number), a grid of generated images per epoch (image models) and the
    trained model as `model/model.keras` at the end.

    Args:
        uri: tracking URI (None: ./mlruns, see the module docstring).
        params: the run's options, logged as parameters (None values as "None").
        experiment: the MLflow experiment.
        run_name: the MLflow run's name (e.g. the run directory's name).
        num_samples: images per sample grid.
        seed: seed of the fixed latents of the grids.
        files: run files logged as artifacts at the end if they exist (config.json, ...).
    """

    def __init__(
        self,
        uri: Optional[str] = None,
        params: Optional[Mapping] = None,
        experiment: str = EXPERIMENT,
        run_name: Optional[str] = None,
        num_samples: int = 64,
        seed: int = 0,
        files: tuple = (),
    ):
        super().__init__()
        self.uri = uri
        # Not `self.params`: Keras sets that to its own {epochs, steps, verbose}.
        self.run_params = dict(params or {})
        self.experiment = experiment
        self.run_name = run_name
        self.num_samples = num_samples
        self.seed = seed
        self.files = tuple(Path(path) for path in files)
        self.run = None
        self._latents = None

    def start(self):
        """Starts the MLflow run now (fit calls it before training, so a store that cannot
        be reached stops the run before any work); `on_train_begin` does it otherwise."""
        if self.run is None:
            self.run = start_mlflow_run(self.uri, self.experiment, self.run_name)
        return self.run

    def on_train_begin(self, logs=None):
        mlflow = _mlflow()
        self.start()
        mlflow.log_params({key: str(value) for key, value in self.run_params.items()})
        mlflow.set_tag("keras_backend", keras.backend.backend())
        if self._generates_images():
            z, _ = self.model.latent.sample(
                self.num_samples, seed=keras.random.SeedGenerator(self.seed)
            )
            self._latents = keras.ops.convert_to_numpy(z)

    def _generates_images(self) -> bool:
        return hasattr(self.model, "latent") and len(getattr(self.model, "data_shape", ())) == 3

    def on_epoch_end(self, epoch, logs=None):
        mlflow = _mlflow()
        metrics = {}
        for name, value in (logs or {}).items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            if math.isfinite(number):
                metrics[name] = number
        mlflow.log_metrics(metrics, step=epoch + 1)
        if self._latents is not None:
            images = keras.ops.convert_to_numpy(self.model.generator(self._latents, training=False))
            grid = image_grid(images)
            if grid.shape[-1] == 1:
                grid = np.repeat(grid, 3, axis=-1)
            mlflow.log_image(grid, f"samples/epoch_{epoch + 1:03d}.png")

    def on_train_end(self, logs=None):
        mlflow = _mlflow()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.keras"
            self.model.save(path)
            mlflow.log_artifact(str(path), "model")
        for path in self.files:
            if path.is_file():
                mlflow.log_artifact(str(path))
        mlflow.end_run()
        self.run = None
