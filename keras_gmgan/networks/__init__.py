"""Network builders: functional Keras models that take the data shape instead of assuming MNIST."""

from keras_gmgan.networks.dcgan import build_dcgan_discriminator as build_dcgan_discriminator
from keras_gmgan.networks.dcgan import build_dcgan_generator as build_dcgan_generator
from keras_gmgan.networks.mlp import build_mlp_discriminator as build_mlp_discriminator
from keras_gmgan.networks.mlp import build_mlp_generator as build_mlp_generator
