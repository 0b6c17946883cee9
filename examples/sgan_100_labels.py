"""
Title: Semi-supervised GAN on MNIST with 100 labels
Description: Train a discriminator that classifies digits from 100 labelled images and 59,900
unlabelled ones, with a feature-matching generator, in one `model.fit()` call. Runs unchanged
under JAX, TensorFlow and PyTorch.

    KERAS_BACKEND=jax python examples/sgan_100_labels.py --epochs 10

MNIST is read from `--data`, else `$KERAS_GMGAN_DATA/mnist.npz`, else downloaded by Keras.
"""

import argparse
from pathlib import Path

import keras
import numpy as np

from keras_gmgan import recipes
from keras_gmgan.callbacks import SampleGrid
from keras_gmgan.classification import plot_confusion_matrix
from keras_gmgan.datasets import SemiSupervisedBatches, load_mnist, semi_supervised_split

# ## Settings
# Improved GAN's MNIST recipe (Salimans et al. 2016): weight-normalised dense layers with
# Gaussian noise, batch 100, Adam with β1 = 0.5, the fake class implicit in the K = 10 logits.
# The recipe sets Adam's epsilon to `SGAN_ADAM_EPSILON` (1e-4, about the paper's): with
# Keras' 1e-7 the game collapses after a few thousand steps at a constant rate.

parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--steps-per-epoch", type=int, default=None)
parser.add_argument("--labels", type=int, default=100)
parser.add_argument("--batch-size", type=int, default=100)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--data", default=None, help="mnist.npz or a directory holding it")
parser.add_argument("--out", type=Path, default=Path("sgan_100_labels_out"))
args = parser.parse_args()
keras.utils.set_random_seed(0)

# ## Data: 100 labelled images, 10 per class, and the rest unlabelled
# `semi_supervised_split` picks a balanced labelled subset; `SemiSupervisedBatches` pairs each
# unlabelled batch with a batch cycled from the labelled set, so `fit` sees one stream.

(x_train, y_train), (x_test, y_test) = load_mnist(args.data)
labeled, unlabeled = semi_supervised_split(y_train, args.labels, seed=0)
batches = SemiSupervisedBatches(
    x_train[unlabeled],
    x_train[labeled],
    y_train[labeled],
    batch_size=args.batch_size,
    steps_per_epoch=args.steps_per_epoch,
    seed=0,
)
print(f"{len(labeled)} labelled, {len(unlabeled)} unlabelled, {len(batches)} steps per epoch")

# ## Networks and model
# `recipes.sgan` is the model `keras-gmgan fit --model sgan` trains: Improved GAN's MLPs, whose
# discriminator returns [features, logits] (its last 250-unit hidden layer is what the
# generator's feature-matching loss compares), the fake class implicit in the 10 logits,
# Adam(lr, β1=0.5). Its weight-normalised layers get the paper's data-dependent
# initialisation from `x_init`. The weights' moving average (EMA) classifies.

sgan = recipes.sgan((28, 28, 1), 10, x_init=x_train[unlabeled], ema_decay=0.999, lr=args.lr)

# ## Training
# A callback reports test accuracy after each epoch; `SampleGrid` saves generated digits.


class TestAccuracy(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        accuracy = np.mean(self.model.predict_classes(x_test) == y_test)
        print(f"epoch {epoch + 1}: test accuracy {accuracy:.4f}")


args.out.mkdir(parents=True, exist_ok=True)
sgan.fit(
    batches,
    epochs=args.epochs,
    shuffle=False,  # the batches are already shuffled from their seed
    callbacks=[TestAccuracy(), SampleGrid(args.out / "grids")],
    verbose=2,
)

# ## Results: accuracy, per-class accuracy and the confusion matrix

results = sgan.evaluate_classifier(x_test, y_test)
print(f"test accuracy {results['accuracy']:.4f}")
print("per class:", [round(a, 3) for a in results["per_class_accuracy"]])
plot_confusion_matrix(results["confusion_matrix"], args.out / "confusion_matrix.png")
sgan.save(args.out / "sgan.keras")
