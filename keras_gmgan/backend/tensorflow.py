"""TensorFlow plumbing: gradient tapes. `fit` already wraps `train_step` in a `tf.function`."""

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
    grads = tape.gradient(loss, variables)
    optimizer.apply(grads, variables)
    return loss, aux


def input_gradient(fn: Callable[[Any], Any], x: Any) -> Any:
    """Gradient of the scalar `fn(x)` with respect to `x`; an enclosing tape sees through it."""
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x)


class AdversarialTrainer:
    """Nothing to add under TensorFlow: the stateful `train_step` runs as written."""
