"""Keras layers of keras-gmgan."""

from keras_gmgan.layers.mixture_latent import MixtureLatent as MixtureLatent
