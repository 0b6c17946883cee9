"""
Title: A vanilla GAN on MNIST with keras-gmgan
Description: Build the classic MLP GAN, train it with `model.fit()` and a Keras callback, and
save a grid of samples. Runs unchanged under JAX, TensorFlow and PyTorch.

    KERAS_BACKEND=jax python examples/gan_mnist.py --epochs 5

MNIST is read from `--data`, else `$KERAS_GMGAN_DATA/mnist.npz`, else downloaded by Keras.
"""

import argparse
from pathlib import Path

import keras

from keras_gmgan import recipes
from keras_gmgan.callbacks import SampleGrid
from keras_gmgan.datasets import load_mnist
from keras_gmgan.visualization import save_image_grid

# ## Settings
# The course template's settings: Adam 2e-4, batch 64, latent 100.

parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--steps-per-epoch", type=int, default=None)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--data", default=None, help="mnist.npz or a directory holding it")
parser.add_argument("--out", type=Path, default=Path("gan_mnist_out"))
args = parser.parse_args()
keras.utils.set_random_seed(0)

# ## Data: 60,000 images in [-1, 1], shape (28, 28, 1)

(x_train, _), _ = load_mnist(args.data)

# ## Networks and model
# `recipes.gan` is the model `keras-gmgan fit --model gan` trains: the generator maps 100-d
# latents to images through 256-512-1024 units (`build_mlp_generator`); the discriminator
# mirrors it and returns a logit (`build_mlp_discriminator`); latents come from a
# standard-normal `MixtureLatent`; each player has Adam(2e-4, β1=0.5). It is compiled.

gan = recipes.gan((28, 28, 1), seed=0)

# ## Training
# `SampleGrid` saves one grid per epoch from a fixed latent batch; any Keras callback works.

args.out.mkdir(parents=True, exist_ok=True)
history = gan.fit(
    x_train,
    batch_size=args.batch_size,
    epochs=args.epochs,
    steps_per_epoch=args.steps_per_epoch,
    callbacks=[SampleGrid(args.out / "grids")],
)

# ## Results: 64 fresh samples and the trained model

save_image_grid(gan.generate(64, seed=1), args.out / "samples.png")
gan.save(args.out / "gan.keras")
print({name: round(values[-1], 4) for name, values in history.history.items()})
