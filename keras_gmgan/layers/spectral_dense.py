"""A dense layer with spectral normalisation computed in the forward pass (Miyato et al. 2018)."""

from typing import Any

import keras
from keras import ops

from keras_gmgan.layers.computed_kernel_dense import ComputedKernelDense


@keras.saving.register_keras_serializable(package="keras_gmgan")
class SpectralDense(ComputedKernelDense):
    """Dense layer whose kernel is divided by its largest singular value on every call.

    The layer stores the raw kernel W and computes y = x · W / σ(W) + b, σ estimated by power
    iteration with a persistent vector u (one iteration per training call, as in the paper).
    The gradient flows through the division, as spectral normalisation prescribes.

    Why not `keras.layers.SpectralNormalization`: that wrapper writes W / σ into the kernel
    variable during the forward pass. Under TensorFlow and PyTorch the gradient is then taken
    at the written kernel as if it were a free weight (no σ term); the 2-D WGAN benchmark
    lost most ring modes that way. This layer only writes u (not trained), so it computes the
    same thing under every backend.

    Args:
        units: output units.
        activation: applied after the bias.
        use_bias: add a bias.
        power_iterations: power-iteration steps per training call.
        kernel_initializer: initialiser of the raw kernel W.

    Reference:
        Miyato et al., "Spectral Normalization for Generative Adversarial Networks", ICLR 2018.

    Example:
    >>> import numpy as np
    >>> layer = SpectralDense(3)
    >>> tuple(layer(np.ones((2, 5), "float32"), training=True).shape)
    (2, 3)
    """

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        power_iterations: int = 1,
        kernel_initializer: Any = "glorot_uniform",
        **kwargs: Any,
    ):
        if power_iterations < 1:
            raise ValueError(f"power_iterations must be >= 1; got {power_iterations}.")
        super().__init__(units, activation, kernel_initializer, **kwargs)
        self.use_bias = bool(use_bias)
        self.power_iterations = int(power_iterations)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), initializer=self.kernel_initializer, name="kernel"
        )
        self.bias = (
            self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
            if self.use_bias
            else None
        )
        self.vector_u = self.add_weight(
            shape=(1, self.units),
            initializer=keras.initializers.RandomNormal(),
            trainable=False,
            name="vector_u",
        )

    def normalized_kernel(self, training: bool = False):
        """W / σ(W); in training, one more power iteration, whose u is kept for the next call."""
        kernel = self.kernel
        vector_u = ops.stop_gradient(self.vector_u.value)
        vector_v = ops.stop_gradient(
            ops.normalize(ops.matmul(vector_u, ops.transpose(kernel)), axis=None)
        )
        if training:
            for _ in range(self.power_iterations):
                vector_u = ops.stop_gradient(ops.normalize(ops.matmul(vector_v, kernel), axis=None))
                vector_v = ops.stop_gradient(
                    ops.normalize(ops.matmul(vector_u, ops.transpose(kernel)), axis=None)
                )
            self.vector_u.assign(vector_u)
        sigma = ops.sum(ops.matmul(vector_v, kernel) * vector_u)
        return kernel / sigma

    def call(self, inputs, training=False):
        outputs = ops.matmul(inputs, self.normalized_kernel(training))
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def get_config(self):
        return {
            **super().get_config(),
            "use_bias": self.use_bias,
            "power_iterations": self.power_iterations,
        }
