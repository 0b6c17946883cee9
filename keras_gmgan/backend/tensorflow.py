"""TensorFlow plumbing: gradient tapes. `fit` already wraps `train_step` in a `tf.function`.

Gradients are made dense before the optimizer sees them. The gradient of a gather
(`ops.take(means, labels)`, how the mixture prior picks each sample's mean) is a
`tf.IndexedSlices` with one row per sample, so a component drawn m times appears m times.
Keras' Adam squares those rows one by one for its second moment (Σ g_i² instead of (Σ g_i)²),
which on the first step moved a learned mean by up to √m times the learning rate and left the
TensorFlow supervised and dynamic GM-GANs training a different prior from JAX and PyTorch.
Summing the duplicates first (`tf.convert_to_tensor`) gives the update the other backends give.
"""

import json
import os
from typing import Any, Callable, Sequence

import keras
import tensorflow as tf


def minimize(
    loss_fn: Callable[[], tuple[Any, Any]],
    variables: Sequence[keras.Variable],
    optimizer: keras.optimizers.Optimizer,
) -> tuple[Any, Any]:
    """`keras_gmgan.backend.minimize` under TensorFlow: a `GradientTape`; under a
    `tf.distribute` strategy each replica minimises its share of the replicas' summed loss."""
    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
        share = _share_of_replica_sum(loss)
    grads = [_dense(grad) for grad in tape.gradient(share, variables)]
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
    """The stateful `train_step` runs as written, and `jit_compile="auto"` (`compile`'s
    default) compiles it with XLA on a machine without a GPU too.

    Keras' own "auto" leaves XLA off on CPU-only machines; the adversarial steps measured
    markedly faster with it there (BENCHMARKS.md, "XLA under TensorFlow"). As in Keras, it
    stays off under a `tf.distribute` strategy and for models with a layer that does not
    support it; `compile(jit_compile=False)` turns it off.
    """

    def _resolve_auto_jit_compile(self):
        # Keras 3.15.1: `Trainer._resolve_auto_jit_compile` resolves compile's "auto" and
        # `model_supports_jit` checks the layers; both are private.
        from keras.src.trainers.trainer import model_supports_jit

        if self._distribute_strategy:
            return False
        return model_supports_jit(self)


# Data parallelism ------------------------------------------------------------------------


def setup_data_parallel() -> int:
    """Makes a `tf.distribute` strategy the process's default and returns its replica count.

    `MultiWorkerMirroredStrategy` when `TF_CONFIG` names more than one task (every worker runs
    the same command), else `MirroredStrategy` over every visible GPU, or over every logical
    CPU device when there is no GPU. Models, optimizers and checkpoints created afterwards
    are mirrored, and Keras' `fit` runs each step on every replica with its slice of the
    global batch. `experimental_set_strategy` is `with strategy.scope():` for the rest of the
    process, as `keras.distribution.set_distribution` is under JAX.
    """
    cluster = json.loads(os.environ.get("TF_CONFIG") or "{}").get("cluster", {})
    if sum(len(tasks) for tasks in cluster.values()) > 1:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    else:
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        strategy = tf.distribute.MirroredStrategy([device.name for device in devices])
    tf.distribute.experimental_set_strategy(strategy)
    return strategy.num_replicas_in_sync


def replica_context() -> tuple[Any, int]:
    """(this replica's index, the number of replicas) inside a `train_step`; (0, 1) outside
    a strategy. The index is a tensor under a strategy."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return 0, 1
    return context.replica_id_in_sync_group, context.num_replicas_in_sync


def replica_mean(x: Any) -> Any:
    """The mean of `x` over the replicas (differentiable; each replica gets the result)."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return x
    return context.all_reduce(tf.distribute.ReduceOp.MEAN, x)


def _share_of_replica_sum(loss):
    """`loss` / replicas: the optimizer sums the replicas' gradients (one all-reduce per
    `apply`), so each replica differentiates its share, as Keras' own `compute_loss` does."""
    _, count = replica_context()
    return loss if count == 1 else loss * (1.0 / count)


def batch_shard() -> tuple[int, int]:
    """(0, 1): every worker feeds the whole global batch and `tf.distribute` splits it over
    the replicas (and, with several workers, shards it across them)."""
    return 0, 1
