"""Evaluation metrics in the MNIST-domain feature space (NumPy / SciPy / scikit-learn).

Pure math: `frechet_distance`, `precision_recall_density_coverage`, `classifier_score`,
`clustering_accuracy`, ... Orchestration (images -> features -> all metrics):
`Evaluator`, `evaluate_images`, `evaluate_model`, `evaluate_conditional`, `evaluate_clustering`.
"""

from keras_gmgan.metrics.class_balance import class_balance as class_balance
from keras_gmgan.metrics.classifier_score import class_histogram as class_histogram
from keras_gmgan.metrics.classifier_score import classes_covered as classes_covered
from keras_gmgan.metrics.classifier_score import classifier_score as classifier_score
from keras_gmgan.metrics.classifier_score import conditional_accuracy as conditional_accuracy
from keras_gmgan.metrics.clustering import cluster_to_class_mapping as cluster_to_class_mapping
from keras_gmgan.metrics.clustering import clustering_accuracy as clustering_accuracy
from keras_gmgan.metrics.evaluation import Evaluator as Evaluator
from keras_gmgan.metrics.evaluation import evaluate_clustering as evaluate_clustering
from keras_gmgan.metrics.evaluation import evaluate_components as evaluate_components
from keras_gmgan.metrics.evaluation import evaluate_conditional as evaluate_conditional
from keras_gmgan.metrics.evaluation import evaluate_images as evaluate_images
from keras_gmgan.metrics.evaluation import evaluate_model as evaluate_model
from keras_gmgan.metrics.evaluation import format_report as format_report
from keras_gmgan.metrics.feature_extractor import FeatureExtractor as FeatureExtractor
from keras_gmgan.metrics.feature_extractor import (
    build_extractor_network as build_extractor_network,
)
from keras_gmgan.metrics.fid import feature_statistics as feature_statistics
from keras_gmgan.metrics.fid import fid_from_features as fid_from_features
from keras_gmgan.metrics.fid import frechet_distance as frechet_distance
from keras_gmgan.metrics.modes_2d import evaluate_mixture_2d as evaluate_mixture_2d
from keras_gmgan.metrics.modes_2d import high_quality_fraction as high_quality_fraction
from keras_gmgan.metrics.modes_2d import mode_histogram as mode_histogram
from keras_gmgan.metrics.modes_2d import modes_captured as modes_captured
from keras_gmgan.metrics.modes_2d import nearest_modes as nearest_modes
from keras_gmgan.metrics.modes_2d import reverse_kl as reverse_kl
from keras_gmgan.metrics.png_folder import read_png_folder as read_png_folder
from keras_gmgan.metrics.png_folder import write_png_folder as write_png_folder
from keras_gmgan.metrics.precision_recall import density_coverage as density_coverage
from keras_gmgan.metrics.precision_recall import knn_radii as knn_radii
from keras_gmgan.metrics.precision_recall import precision_recall as precision_recall
from keras_gmgan.metrics.precision_recall import (
    precision_recall_density_coverage as precision_recall_density_coverage,
)


def __getattr__(name):
    # EvaluationCallback is a Keras callback and lives in keras_gmgan.callbacks (which imports
    # the metrics, not the other way round); this old import path still works.
    if name == "EvaluationCallback":
        from keras_gmgan.callbacks.image_evaluation import EvaluationCallback

        return EvaluationCallback
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
