"""Adversarial models: each a `keras.Model` whose `train_step` is written once with keras.ops."""

# Registers the learning-rate schedules the CLI compiles with, so that importing the models is
# all a saved run needs to load.
import keras_gmgan.schedules  # noqa: F401
from keras_gmgan.models.adversarial_model import AdversarialModel as AdversarialModel
from keras_gmgan.models.gan import GAN as GAN
from keras_gmgan.models.gmgan import GMGAN as GMGAN
from keras_gmgan.models.latent_refit import LatentMixtureFit as LatentMixtureFit
from keras_gmgan.models.latent_refit import LatentRefit as LatentRefit
from keras_gmgan.models.latent_refit import fit_latent_mixture as fit_latent_mixture
from keras_gmgan.models.latent_refit import invert_generator as invert_generator
from keras_gmgan.models.latent_refit import refit_latent as refit_latent
from keras_gmgan.models.latent_refit import with_latent as with_latent
from keras_gmgan.models.player_optimizers import PlayerOptimizers as PlayerOptimizers
from keras_gmgan.models.sgan import SGAN as SGAN
from keras_gmgan.models.sgan import SGAN_ADAM_EPSILON as SGAN_ADAM_EPSILON
from keras_gmgan.models.supervised_baseline import BaselineClassifier as BaselineClassifier
from keras_gmgan.models.supervised_baseline import (
    build_supervised_baseline as build_supervised_baseline,
)
from keras_gmgan.models.supervised_baseline import (
    fit_supervised_baseline as fit_supervised_baseline,
)
from keras_gmgan.models.supervised_gmgan import SupervisedGMGAN as SupervisedGMGAN
from keras_gmgan.models.warm_start import warm_start_from as warm_start_from
from keras_gmgan.models.wgan import LIPSCHITZ_METHODS as LIPSCHITZ_METHODS
from keras_gmgan.models.wgan import WGAN as WGAN
