"""Keras callbacks for adversarial training."""

from keras_gmgan.callbacks.checkpoint import EpochCheckpoint as EpochCheckpoint
from keras_gmgan.callbacks.checkpoint import read_checkpoint as read_checkpoint
from keras_gmgan.callbacks.interrupt import StopOnSignal as StopOnSignal
from keras_gmgan.callbacks.interrupt import TrainingInterrupted as TrainingInterrupted
from keras_gmgan.callbacks.mixture_2d_metrics import Mixture2DMetrics as Mixture2DMetrics
from keras_gmgan.callbacks.mlflow_logger import MLflowLogger as MLflowLogger
from keras_gmgan.callbacks.nan_guard import NonFiniteLossError as NonFiniteLossError
from keras_gmgan.callbacks.nan_guard import StopOnNonFinite as StopOnNonFinite
from keras_gmgan.callbacks.sample_grid import SampleGrid as SampleGrid
from keras_gmgan.callbacks.time_limit import TimeLimit as TimeLimit
from keras_gmgan.callbacks.training_gif import TrainingGIF as TrainingGIF
