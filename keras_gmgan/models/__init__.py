"""Adversarial models: each a `keras.Model` whose `train_step` is written once with keras.ops."""

from keras_gmgan.models.adversarial_model import AdversarialModel as AdversarialModel
from keras_gmgan.models.gan import GAN as GAN
from keras_gmgan.models.player_optimizers import PlayerOptimizers as PlayerOptimizers
from keras_gmgan.models.sgan import SGAN as SGAN
from keras_gmgan.models.supervised_baseline import (
    build_supervised_baseline as build_supervised_baseline,
)
from keras_gmgan.models.supervised_baseline import (
    fit_supervised_baseline as fit_supervised_baseline,
)
