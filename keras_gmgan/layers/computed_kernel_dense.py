"""`ComputedKernelDense`: the base of the dense layers whose kernel is computed on every call
from the weights they store (`SpectralDense`, `WeightNormDense`)."""

from typing import Any

import keras


class ComputedKernelDense(keras.layers.Layer):
    """A dense layer y = activation(x · W + b) whose W a subclass computes from its weights.

    It holds what such layers share, so each subclass writes only its weights and how W is
    computed from them: the units, the activation, the initialiser of the stored kernel, the
    output shape, and those three in the config.

    Args:
        units: output units.
        activation: applied after the bias.
        kernel_initializer: initialiser of the stored kernel.
    """

    def __init__(
        self,
        units: int,
        activation: Any = None,
        kernel_initializer: Any = "glorot_uniform",
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
