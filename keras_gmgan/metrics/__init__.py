"""Evaluation metrics. (Issue 5 adds the 2-D mode-coverage measures; the lead merges the rest.)"""

from keras_gmgan.metrics.modes_2d import evaluate_mixture_2d as evaluate_mixture_2d
from keras_gmgan.metrics.modes_2d import high_quality_fraction as high_quality_fraction
from keras_gmgan.metrics.modes_2d import mode_histogram as mode_histogram
from keras_gmgan.metrics.modes_2d import modes_captured as modes_captured
from keras_gmgan.metrics.modes_2d import nearest_modes as nearest_modes
from keras_gmgan.metrics.modes_2d import reverse_kl as reverse_kl
