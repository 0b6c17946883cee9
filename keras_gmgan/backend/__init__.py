"""Backend-specific gradient plumbing, chosen once from `keras.backend.backend()`.

Every adversarial model in keras-gmgan is written with `keras.ops` only. The things
that cannot be written that way live here, one module per backend, with the same names:

- `minimize(loss_fn, variables, optimizer)`: run `loss_fn()` (which returns `(loss, aux)`),
  take the gradient of `loss` with respect to `variables`, apply it with `optimizer`, and
  return `(loss, aux)`. State updates made inside `loss_fn` (batch-norm statistics, seed
  generators) are kept; `loss_fn` must not assign the variables it trains (spectral
  normalisation is `SpectralDense`, which computes W / σ(W) without assigning W). Sparse
  (`IndexedSlices`) gradients are summed to dense ones first, so Adam sees the same
  gradient everywhere.
- `input_gradient(fn, x)`: the gradient of the scalar `fn(x)` with respect to the tensor `x`,
  itself differentiable (gradient penalties, latent inversion).
- `call_network(network, x, training)`: `network(x, training=training)`, which eager PyTorch
  runs as a plain chain of the layers' `call`s where that computes the same tensors (the
  per-layer cost of Keras' `__call__` is paid in Python on every eager call).
- `AdversarialTrainer`: a mixin placed before `keras.Model`; under JAX it makes `fit` run the
  model's ordinary, stateful `train_step(data)` inside a jit-compiled stateless step that
  threads every player's optimizer state. Under TensorFlow it makes compile's
  `jit_compile="auto"` mean XLA on a CPU too; under PyTorch it runs `steps_per_execution`
  steps per call (which Keras' torch trainer refuses) and keeps data-parallel processes in step.

`plumbing` is the chosen module itself, for the data-parallel helpers each one also has
(`keras_gmgan.distribution`).

This mirrors how Keras itself picks `backend/{jax,tensorflow,torch}/trainer.py`.
"""

from typing import Any, Callable, Sequence

import keras

_BACKEND = keras.backend.backend()

if _BACKEND == "jax":
    from keras_gmgan.backend import jax as plumbing
elif _BACKEND == "tensorflow":
    from keras_gmgan.backend import tensorflow as plumbing
elif _BACKEND == "torch":
    from keras_gmgan.backend import torch as plumbing
else:
    raise ImportError(
        f"keras-gmgan supports the jax, tensorflow and torch backends, not {_BACKEND!r}. "
        "Set KERAS_BACKEND to one of them."
    )

AdversarialTrainer = plumbing.AdversarialTrainer


def minimize(
    loss_fn: Callable[[], tuple[Any, Any]],
    variables: Sequence[keras.Variable],
    optimizer: keras.optimizers.Optimizer,
) -> tuple[Any, Any]:
    """Minimises `loss_fn()[0]` over `variables` by one step of `optimizer`; returns
    `(loss, aux)` (see the module docstring)."""
    return plumbing.minimize(loss_fn, list(variables), optimizer)


def input_gradient(fn: Callable[[Any], Any], x: Any) -> Any:
    """The gradient of the scalar `fn(x)` with respect to `x`, itself differentiable."""
    return plumbing.input_gradient(fn, x)


def call_network(network: keras.Model, x: Any, training: bool = False) -> Any:
    """`network(x, training=training)`, as fast as the backend runs it (see the module
    docstring); what a train step uses to call its generator and discriminator."""
    return plumbing.call_network(network, x, training)


__all__ = ["AdversarialTrainer", "call_network", "input_gradient", "minimize", "plumbing"]
