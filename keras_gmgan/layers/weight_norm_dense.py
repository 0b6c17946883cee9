"""A dense layer with weight normalisation (Salimans & Kingma 2016), as Improved GAN uses it."""

from typing import Any, Optional

import keras
import numpy as np
from keras import ops

from keras_gmgan.layers.computed_kernel_dense import ComputedKernelDense


@keras.saving.register_keras_serializable(package="keras_gmgan")
class WeightNormDense(ComputedKernelDense):
    """Dense layer whose weight columns are directions times a scale: W = g · v / ‖v‖.

    With the scale g fixed (`train_scale=False`, the Improved-GAN MNIST discriminator's hidden
    layers) every unit's weight vector keeps its norm, so the discriminator cannot grow its
    features without bound: this keeps feature matching and the noise layers meaningful.
    `initialize_from_data` sets g and the bias so that the pre-activations of a data batch
    have zero mean and unit variance (data-dependent initialisation).

    Args:
        units: output units.
        activation: applied after the bias.
        train_scale: learn g (True) or keep it fixed (False).
        kernel_initializer: initialiser of the direction v (Normal(0.1) as in the paper).

    Reference:
        Salimans & Kingma, "Weight Normalization", NeurIPS 2016.

    Example:
    >>> layer = WeightNormDense(3)
    >>> tuple(layer(np.ones((2, 5), "float32")).shape)
    (2, 3)
    """

    def __init__(
        self,
        units: int,
        activation: Optional[Any] = None,
        train_scale: bool = False,
        kernel_initializer: Any = None,
        **kwargs,
    ):
        kernel_initializer = kernel_initializer or keras.initializers.RandomNormal(stddev=0.1)
        super().__init__(units, activation, kernel_initializer, **kwargs)
        self.train_scale = bool(train_scale)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), initializer=self.kernel_initializer, name="v"
        )
        self.scale = self.add_weight(
            shape=(self.units,), initializer="ones", trainable=self.train_scale, name="g"
        )
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def pre_activation(self, inputs):
        norms = ops.sqrt(ops.sum(ops.square(self.kernel), axis=0) + 1e-12)
        return ops.matmul(inputs, self.kernel * (self.scale / norms)) + self.bias

    def call(self, inputs):
        return self.activation(self.pre_activation(inputs))

    def initialize_from_data(self, inputs) -> None:
        """Sets g and the bias so these inputs' pre-activations are standardised per unit."""
        self.bias.assign(np.zeros(self.units, "float32"))
        values = ops.convert_to_numpy(self.pre_activation(inputs))
        mean, std = values.mean(axis=0), values.std(axis=0) + 1e-6
        self.scale.assign(ops.convert_to_numpy(self.scale) / std)
        self.bias.assign(-mean / std)

    def get_config(self):
        return {**super().get_config(), "train_scale": self.train_scale}


def initialize_weight_norm(model: keras.Model, x, noise: bool = True) -> int:
    """Data-dependent initialisation of every `WeightNormDense` in a functional model.

    Layers are initialised in order, each on the inputs it receives from `x` after the earlier
    ones were set. With `noise=True` the model runs in training mode, so the Gaussian noise
    layers are active, as in Improved GAN's code: a fixed scale g is then set for the noisy
    inputs training sees, not the clean ones, which keeps the noise as strong a regulariser
    relative to the signal as the paper had it. Returns how many layers were initialised.
    """
    count = 0
    for layer in model.layers:
        if isinstance(layer, WeightNormDense):
            feeder = keras.Model(model.input, layer.input)
            layer.initialize_from_data(feeder(x, training=noise))
            count += 1
    return count
