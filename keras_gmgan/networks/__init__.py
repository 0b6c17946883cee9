"""Network builders: functional Keras models that take the data shape instead of assuming MNIST."""

from keras_gmgan.networks.dcgan import build_dcgan_discriminator as build_dcgan_discriminator
from keras_gmgan.networks.dcgan import build_dcgan_generator as build_dcgan_generator
from keras_gmgan.networks.mlp import build_mlp_discriminator as build_mlp_discriminator
from keras_gmgan.networks.mlp import build_mlp_generator as build_mlp_generator
from keras_gmgan.networks.pairs import build_networks as build_networks
from keras_gmgan.networks.semi_supervised import (
    build_improved_gan_discriminator as build_improved_gan_discriminator,
)
from keras_gmgan.networks.semi_supervised import (
    build_improved_gan_generator as build_improved_gan_generator,
)
from keras_gmgan.networks.semi_supervised import (
    build_semi_supervised_discriminator as build_semi_supervised_discriminator,
)
from keras_gmgan.networks.semi_supervised import (
    build_sgan_conv_discriminator as build_sgan_conv_discriminator,
)
from keras_gmgan.networks.toy_2d import DEEP_2D_UNITS as DEEP_2D_UNITS
from keras_gmgan.networks.toy_2d import TOY_2D_UNITS as TOY_2D_UNITS
from keras_gmgan.networks.toy_2d import build_deep_2d_discriminator as build_deep_2d_discriminator
from keras_gmgan.networks.toy_2d import build_deep_2d_generator as build_deep_2d_generator
from keras_gmgan.networks.toy_2d import build_toy_2d_discriminator as build_toy_2d_discriminator
from keras_gmgan.networks.toy_2d import build_toy_2d_generator as build_toy_2d_generator
