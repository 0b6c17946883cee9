"""TensorFlow plumbing: gradient tapes. `fit` already wraps `train_step` in a `tf.function`.

Gradients are made dense before the optimizer sees them. The gradient of a gather
(`ops.take(means, labels)`, how the mixture prior picks each sample's mean) is a
`tf.IndexedSlices` with one row per sample, so a component drawn m times appears m times.
Keras' Adam squares those rows one by one for its second moment (Σ g_i² instead of (Σ g_i)²),
which on the first step moved a learned mean by up to √m times the learning rate and left the
TensorFlow supervised and dynamic GM-GANs training a different prior from JAX and PyTorch.
Summing the duplicates first (`tf.convert_to_tensor`) gives the update the other backends give.
"""

from typing import Any, Callable, Sequence

import keras
import tensorflow as tf


def minimize(
    loss_fn: Callable[[], tuple[Any, Any]],
    variables: Sequence[keras.Variable],
    optimizer: keras.optimizers.Optimizer,
) -> tuple[Any, Any]:
    """Minimises `loss_fn()[0]` over `variables` by one step of `optimizer`."""
    variables = list(variables)
    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
    grads = [_dense(grad) for grad in tape.gradient(loss, variables)]
    optimizer.apply(grads, variables)
    return loss, aux


def _dense(grad):
    """Sums an `IndexedSlices` gradient's repeated rows into a dense tensor (see above)."""
    return tf.convert_to_tensor(grad) if isinstance(grad, tf.IndexedSlices) else grad


def input_gradient(fn: Callable[[Any], Any], x: Any) -> Any:
    """Gradient of the scalar `fn(x)` with respect to `x`; an enclosing tape sees through it."""
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x)


class AdversarialTrainer:
    """Nothing to add under TensorFlow: the stateful `train_step` runs as written."""
