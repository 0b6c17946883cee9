"""Sampling procedures that post-process a trained model's samples."""

from keras_gmgan.sampling.rejection import check_drs_model as check_drs_model
from keras_gmgan.sampling.rejection import (
    discriminator_rejection_sampling as discriminator_rejection_sampling,
)
from keras_gmgan.sampling.rejection import draw_samples as draw_samples
from keras_gmgan.sampling.rejection import drs_scores as drs_scores
