"""TensorFlow plumbing: gradient tapes. `fit` already wraps `train_step` in a `tf.function`.

Gradients are made dense before the optimizer sees them. The gradient of a gather
(`ops.take(means, labels)`, how the mixture prior picks each sample's mean) is a
`tf.IndexedSlices` with one row per sample, so a component drawn m times appears m times.
Keras' Adam squares those rows one by one for its second moment (Σ g_i² instead of (Σ g_i)²),
which on the first step moved a learned mean by up to √m times the learning rate and left the
TensorFlow supervised and dynamic GM-GANs training a different prior from JAX and PyTorch.
Summing the duplicates first (`tf.convert_to_tensor`) gives the update the other backends give.
"""

import inspect
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


def call_network(network: keras.Model, x: Any, training: bool = False) -> Any:
    """`network(x, training=training)`. The step is traced once into a graph, so
    Keras' per-layer Python costs nothing per step."""
    return network(x, training=training)


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

    def fit(self, *args, **kwargs):
        """`keras.Model.fit`, with `RepeatingBatches` (what a run feeds) served by a
        `tf.data` pipeline that gathers each batch from the arrays in TensorFlow's own
        threads (`gathered_batches`).

        Keras hands a `PyDataset` to `tf.data.Dataset.from_generator`, which builds every
        batch in Python under the GIL, beside the Python loop that launches the steps: on
        two cores the MLP pair's `fit` ran at 37-49 steps/s fed that way against 53-58 from
        arrays (BENCHMARKS.md, speed). The batches and their order are the ones Keras' feed
        serves under TensorFlow, which skips the batches' first epoch (below). Epochs that
        `steps_per_execution` does not divide keep Keras' own feed.
        """
        from keras_gmgan.datasets.batches import RepeatingBatches

        bound = inspect.signature(keras.Model.fit).bind(self, *args, **kwargs)
        bound.apply_defaults()
        options = dict(bound.arguments)
        options.pop("self")
        batches = options["x"]
        # Exactly `RepeatingBatches`: a subclass may serve other batches (`SemiSupervisedBatches`).
        # One iterator runs through every epoch, so each call of the train function must
        # take whole steps of one epoch: a short last call would read the next epoch's.
        if (
            type(batches) is RepeatingBatches
            and options["y"] is None
            and len(batches) % (self.steps_per_execution or 1) == 0
        ):
            # Keras' own feed ends one epoch of a PyDataset after peeking at its first
            # batches, before training: its first epoch serves the batches' next one.
            first = batches.epoch + 1
            epochs = options["epochs"] - options["initial_epoch"]
            options["x"] = gathered_batches(batches, first + epochs, first)
            options["steps_per_epoch"] = options["steps_per_epoch"] or len(batches)
            if options["steps_per_epoch"] != len(batches):
                raise ValueError(
                    f"steps_per_epoch={options['steps_per_epoch']} but the batches serve "
                    f"{len(batches)} per epoch; leave it out."
                )
        return super().fit(**options)


def gathered_batches(batches, epochs: int, initial_epoch: int = 0) -> tf.data.Dataset:
    """The batches `batches` (a `RepeatingBatches`) serves in its epochs `initial_epoch` …
    `epochs` - 1, as a `tf.data.Dataset`: each epoch's indices come from
    `batches.epoch_indices`, and the examples are gathered from the arrays by `tf.gather`."""
    arrays = tuple(tf.constant(array) for array in batches.arrays)
    shape = (batches.steps_per_epoch, batches.batch_size)

    def epoch_indices(epoch):
        indices = tf.numpy_function(batches.epoch_indices, [epoch], tf.int64)
        return tf.ensure_shape(indices, shape)

    def gather(indices):
        batch = tuple(tf.gather(array, indices) for array in arrays)
        return batch if len(batch) > 1 else batch[0]

    dataset = tf.data.Dataset.range(initial_epoch, epochs).map(epoch_indices).unbatch()
    return dataset.map(gather).prefetch(tf.data.AUTOTUNE)


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
