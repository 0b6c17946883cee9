"""Keras layers of keras-gmgan."""

from keras_gmgan.layers.mixture_latent import MixtureLatent as MixtureLatent
from keras_gmgan.layers.pack_samples import PackSamples as PackSamples
from keras_gmgan.layers.spectral_dense import SpectralDense as SpectralDense
from keras_gmgan.layers.weight_norm_dense import WeightNormDense as WeightNormDense
from keras_gmgan.layers.weight_norm_dense import initialize_weight_norm as initialize_weight_norm
