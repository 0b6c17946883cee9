"""Adversarial models: each a `keras.Model` whose `train_step` is written once with keras.ops."""

from keras_gmgan.models.adversarial_model import AdversarialModel as AdversarialModel
from keras_gmgan.models.gan import GAN as GAN
from keras_gmgan.models.player_optimizers import PlayerOptimizers as PlayerOptimizers
from keras_gmgan.models.wgan import LIPSCHITZ_METHODS as LIPSCHITZ_METHODS
from keras_gmgan.models.wgan import WGAN as WGAN
