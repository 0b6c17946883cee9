"""Keras callbacks for adversarial training."""

from keras_gmgan.callbacks.sample_grid import SampleGrid as SampleGrid
