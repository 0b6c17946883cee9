"""Data sets. (Issue 5 adds only the 2-D mixtures; the lead merges the image loaders.)"""

from keras_gmgan.datasets.mixtures_2d import MIXTURES_2D as MIXTURES_2D
from keras_gmgan.datasets.mixtures_2d import Mixture2D as Mixture2D
from keras_gmgan.datasets.mixtures_2d import get_mixture_2d as get_mixture_2d
from keras_gmgan.datasets.mixtures_2d import load_mixture_2d as load_mixture_2d
