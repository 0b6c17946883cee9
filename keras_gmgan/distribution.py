"""Data-parallel training on each backend's own engine, with one meaning everywhere.

`set_data_parallel(batch_size)` makes every model built afterwards train data-parallel:

- JAX: `keras.distribution.DataParallel` over every device (several hosts through
  `KERAS_DISTRIBUTION_*`); the step is compiled once for the global batch.
- TensorFlow: `tf.distribute.MirroredStrategy` over every GPU (or logical CPU device), or
  `MultiWorkerMirroredStrategy` when `TF_CONFIG` names several tasks; Keras' `fit` runs the
  step on each replica with its slice of the batch.
- PyTorch: one process per device under `torchrun`, joined in a `torch.distributed` group
  (NCCL on GPUs, Gloo on CPUs).

Under PyTorch, and with several JAX processes, each process feeds `fit` its slice of every
global batch (`shard_batches`).

The same semantics on all three: the batch size is the global batch; each player's gradient is
the mean over the whole batch (the plumbing's `minimize` averages the replicas' gradients once
per player per step); the latents and the gradient-penalty interpolation weights of a step are
drawn for the global batch and sliced (`draw_for_replicas`), and the feature-matching means
are taken over the global batch (`replica_mean`), so a data-parallel run follows a
single-device run from the same weights and batches. Two things stay per replica, as in
Keras' and PyTorch's own data parallelism: batch normalisation normalises each replica's
slice, and noise layers (`Dropout`, `GaussianNoise`) draw from the same seed on every replica.
WGAN's critic steps split each replica's slice, not the global batch, into `n_critic` chunks.

Only the first process writes files (`is_chief`, `run_directory_for_this_process`).
"""

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

import keras

# The backend's module, imported once: an import inside a step that torch.compile traces
# would break its graph.
from keras_gmgan.backend import plumbing


def set_data_parallel(batch_size: int) -> int:
    """Trains every model built (or loaded) afterwards data-parallel; returns the replicas.

    Call it before building or loading the model: the TensorFlow strategy and the JAX layout
    apply to variables created afterwards.

    Raises:
        ValueError: when `batch_size` does not split evenly over the replicas.
        RuntimeError: under PyTorch, when the process was not started by `torchrun`.
    """
    replicas = plumbing.setup_data_parallel()
    if batch_size % replicas:
        raise ValueError(
            f"--batch-size {batch_size} does not split evenly over {replicas} devices; "
            f"use a multiple of {replicas}."
        )
    return replicas


def process_index() -> int:
    """This process's index among the training processes, read from the launcher's
    environment (so it is known before any process group exists): `RANK` (torchrun),
    `TF_CONFIG` (TensorFlow workers) or `KERAS_DISTRIBUTION_PROCESS_ID` (JAX hosts)."""
    backend = keras.backend.backend()
    if backend == "torch":
        return int(os.environ.get("RANK", "0"))
    if backend == "tensorflow":
        config = json.loads(os.environ.get("TF_CONFIG") or "{}")
        task = config.get("task", {})
        if task.get("type") == "chief":
            return 0
        # Without a "chief" task, worker 0 is the chief (as MultiWorkerMirroredStrategy has it).
        return int(task.get("index", 0)) + (1 if "chief" in config.get("cluster", {}) else 0)
    return int(os.environ.get("KERAS_DISTRIBUTION_PROCESS_ID", "0"))


def is_chief() -> bool:
    """Whether this process writes the run directory, checkpoints and samples."""
    return process_index() == 0


def run_directory_for_this_process(out: Path, resume: bool = False) -> Path:
    """`out` on the chief; elsewhere a scratch directory deleted when the process exits.

    Every process runs the same callbacks (under TensorFlow's multi-worker strategy a
    callback's `predict` is a collective step that all workers must join), so the other
    processes write their copies of the run files where nobody reads them, as Keras'
    multi-worker `ModelCheckpoint` does. To resume, the scratch directory starts as a copy of
    `out` (which every process must be able to read).
    """
    if is_chief():
        return out
    scratch = Path(tempfile.mkdtemp(prefix=f"keras-gmgan-process{process_index()}-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    run = scratch / "run"
    if resume:
        shutil.copytree(out, run)
    return run


def draw_for_replicas(draw: Callable[[int], Any], n: Any) -> Any:
    """This replica's `n` rows of a random draw made for the global batch.

    `draw(copies)` must return arrays (any nesting) of `n * copies` rows. With one replica,
    or under JAX (whose step sees the global batch), it is `draw(1)`. Under a TensorFlow
    strategy or a PyTorch process group every replica makes the same global draw (their
    seed generators agree) and keeps its own slice, so the replicas together use exactly the
    values a single device would.
    """
    index, count = plumbing.replica_context()
    if count == 1:
        return draw(1)
    start = index * n
    return keras.tree.map_structure(lambda rows: rows[start : start + n], draw(count))


def replica_mean(x: Any) -> Any:
    """The mean of `x` over the replicas (`x` itself under JAX or on one device);
    differentiable, for a loss that is not a mean of per-example terms."""
    return plumbing.replica_mean(x)


class ShardedBatches(keras.utils.PyDataset):
    """This process's slice of every batch of `batches` (several processes).

    Batch i of process r holds rows [r·b/n, (r+1)·b/n) of every array of the global batch i;
    the epoch length and `on_epoch_end` are the wrapped sequence's.
    """

    def __init__(self, batches: keras.utils.PyDataset, index: int, count: int):
        super().__init__()
        self.batches, self.index, self.count = batches, index, count

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, step):
        return keras.tree.map_structure(self._slice, self.batches[step])

    def _slice(self, rows):
        size, left = divmod(len(rows), self.count)
        if left:
            raise ValueError(
                f"A batch of {len(rows)} examples does not split evenly over {self.count} "
                f"processes; use batch sizes that are multiples of {self.count}."
            )
        return rows[self.index * size : (self.index + 1) * size]

    def on_epoch_begin(self):
        self.batches.on_epoch_begin()

    def on_epoch_end(self):
        self.batches.on_epoch_end()


def shard_batches(batches: keras.utils.PyDataset) -> keras.utils.PyDataset:
    """`batches` as this process should feed them to `fit`: its `ShardedBatches` slice under
    a PyTorch process group or with several JAX processes, unchanged on one process and under
    TensorFlow (the strategy splits each global batch itself)."""
    index, count = plumbing.batch_shard()
    if count == 1:
        return batches
    sharded = ShardedBatches(batches, index, count)
    if len(sharded):
        sharded[0]  # uneven batches fail here, before training starts
    return sharded


def check_data_parallel_model(model: keras.Model) -> None:
    """Raises ValueError for a model whose step would not average gradients over PyTorch
    processes: a plain Keras model (the `cnn-baseline` classifier) trains with Keras' own
    `train_step`, which knows nothing of the process group, so each process would drift
    apart on its own slice. (TensorFlow and JAX distribute Keras' own step as well.)"""
    if plumbing.batch_shard()[1] == 1 or keras.backend.backend() != "torch":
        return
    if not isinstance(model, plumbing.AdversarialTrainer):
        raise ValueError(
            f"{type(model).__name__} trains with Keras' own train_step, which does not average "
            "gradients over PyTorch processes; train it without --distribute, or under "
            "KERAS_BACKEND=jax or tensorflow."
        )
