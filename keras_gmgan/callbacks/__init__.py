"""Keras callbacks for adversarial training."""

from keras_gmgan.callbacks.checkpoint import EpochCheckpoint as EpochCheckpoint
from keras_gmgan.callbacks.checkpoint import read_checkpoint as read_checkpoint
from keras_gmgan.callbacks.image_evaluation import EvaluationCallback as EvaluationCallback
from keras_gmgan.callbacks.interrupt import StopOnSignal as StopOnSignal
from keras_gmgan.callbacks.interrupt import TrainingInterrupted as TrainingInterrupted
from keras_gmgan.callbacks.mixture_2d_metrics import Mixture2DMetrics as Mixture2DMetrics
from keras_gmgan.callbacks.mlflow_logger import MLflowLogger as MLflowLogger
from keras_gmgan.callbacks.nan_guard import NonFiniteLossError as NonFiniteLossError
from keras_gmgan.callbacks.nan_guard import StopOnNonFinite as StopOnNonFinite
from keras_gmgan.callbacks.periodic_evaluation import PeriodicEvaluation as PeriodicEvaluation
from keras_gmgan.callbacks.run_records import RunRecords as RunRecords
from keras_gmgan.callbacks.run_records import read_run_records as read_run_records
from keras_gmgan.callbacks.sample_grid import SampleGrid as SampleGrid
from keras_gmgan.callbacks.time_limit import TimeLimit as TimeLimit
from keras_gmgan.callbacks.training_gif import TrainingGIF as TrainingGIF
