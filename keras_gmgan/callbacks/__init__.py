"""Keras callbacks for adversarial training. (Issue 5 adds the 2-D ones; the lead merges.)"""

from keras_gmgan.callbacks.mixture_2d_metrics import Mixture2DMetrics as Mixture2DMetrics
from keras_gmgan.callbacks.training_gif import TrainingGIF as TrainingGIF
