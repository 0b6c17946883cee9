"""Shuffled, full-size batches for any number of steps per epoch."""

from typing import Sequence

import keras
import numpy as np


def one_pass_steps(num_examples: int, batch_size: int) -> int:
    """Full batches in one pass over `num_examples` (the default epoch; the rest is dropped)."""
    return num_examples // batch_size


class RepeatingBatches(keras.utils.PyDataset):
    """Serves `steps_per_epoch` batches per epoch from arrays, cycling through shuffled passes.

    `fit` on plain arrays stops an epoch when the data run out, so a `--steps-per-epoch`
    longer than one pass would silently train less. Here batch g of the run (counting across
    epochs) is slice g of an endless sequence of permutations seeded by (seed, pass), so
    every batch is full (no ragged batch, which would cost JAX a recompile) and a resumed run
    sees exactly the batches an uninterrupted one would. Pass `shuffle=False` to `fit`: the
    batches are already shuffled, and Keras would otherwise serve them in an order drawn from
    Python's global `random`, so the same seed would not give the same run.

    Args:
        arrays: arrays with the same first dimension (images, and labels if needed).
        batch_size: examples per batch.
        steps_per_epoch: batches per epoch (default: one pass, the last partial batch dropped).
        seed: seed of the permutations.
        initial_epoch: the epoch `fit` starts at (when resuming).
    """

    def __init__(
        self,
        arrays: Sequence[np.ndarray],
        batch_size: int,
        steps_per_epoch: int | None = None,
        seed: int = 0,
        initial_epoch: int = 0,
    ):
        super().__init__()
        self.arrays = tuple(arrays)
        self.num_examples = len(self.arrays[0])
        if any(len(a) != self.num_examples for a in self.arrays):
            raise ValueError("All arrays must have the same number of examples.")
        if batch_size > self.num_examples:
            raise ValueError(
                f"--batch-size {batch_size} is larger than the {self.num_examples} training "
                "examples; use a smaller batch size."
            )
        self.batch_size = batch_size
        self.steps_per_epoch = steps_per_epoch or one_pass_steps(self.num_examples, batch_size)
        self.seed = seed
        self.epoch = initial_epoch
        self._permutations = {}
        #: Whether Keras has begun an epoch that has not ended (None: never driven by Keras).
        self._epoch_open = None

    def __len__(self):
        return self.steps_per_epoch

    def _permutation(self, index: int) -> np.ndarray:
        if index not in self._permutations:
            self._permutations = {index: self._fresh_permutation(index)}
        return self._permutations[index]

    def step_indices(self, step: int, permutation=None) -> np.ndarray:
        """Example indices of batch `step` of the current epoch.

        `permutation(pass)` gives each pass's shuffle (default: this stream's, seeded by
        `(seed, pass)`); another function walks the same way through other shuffles.
        """
        start = (self.epoch * self.steps_per_epoch + step) * self.batch_size
        return self._indices(start, self.batch_size, permutation or self._permutation)

    def epoch_indices(self, epoch: int) -> np.ndarray:
        """Example indices of every batch of epoch `epoch`, shape (steps_per_epoch,
        batch_size): what `__getitem__` serves in that epoch, for a backend that gathers
        the batches itself (`keras_gmgan.backend.tensorflow`)."""
        start = int(epoch) * self.steps_per_epoch * self.batch_size
        size = self.steps_per_epoch * self.batch_size
        return self._indices(start, size, self._fresh_permutation).reshape(
            self.steps_per_epoch, self.batch_size
        )

    def _fresh_permutation(self, index: int) -> np.ndarray:
        """The shuffle of pass `index`, not cached (`epoch_indices` may run in a thread of
        the input pipeline)."""
        return np.random.default_rng([self.seed, index]).permutation(self.num_examples)

    def _indices(self, start: int, size: int, permutation) -> np.ndarray:
        """Example indices at positions start … start + size - 1 of the endless stream of
        passes, pass p shuffled by `permutation(p)`."""
        positions = np.arange(start, start + size)
        passes, offsets = np.divmod(positions, self.num_examples)
        indices = np.empty(size, dtype=np.int64)
        for index in np.unique(passes):
            mask = passes == index
            indices[mask] = permutation(int(index))[offsets[mask]]
        return indices

    def __getitem__(self, step):
        indices = self.step_indices(step)
        batch = tuple(array[indices] for array in self.arrays)
        return batch if len(batch) > 1 else batch[0]

    def on_epoch_begin(self):
        self._epoch_open = True

    def on_epoch_end(self):
        # Keras 3.15.1 ends an epoch twice when its last call of the train function runs
        # short of `steps_per_execution` batches (the torch trainer: once as the batches run
        # out, once at the epoch's end); the second must not skip the next epoch's batches.
        if self._epoch_open is False:
            return
        self.epoch += 1
        if self._epoch_open:
            self._epoch_open = False
