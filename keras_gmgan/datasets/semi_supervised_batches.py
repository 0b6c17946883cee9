"""One stream for `fit` that pairs each unlabelled batch with a labelled batch."""

from typing import Optional

import keras
import numpy as np


class SemiSupervisedBatches(keras.utils.PyDataset):
    """Batches `{"unlabeled": x_u, "labeled": x_l, "labels": y_l}` for semi-supervised `fit`.

    A semi-supervised GAN needs two streams of different lengths in every step: a pass over the
    large unlabelled set, and batches cycled from the small labelled set. `fit` takes one
    input, so this `PyDataset` zips them: batch i holds the i-th unlabelled batch of the
    epoch's shuffle and the next `labeled_batch_size` examples of an endless sequence of
    shuffles of the labelled set (so each labelled example appears equally often). It works
    under every backend because Keras converts PyDataset batches itself.

    The ragged last unlabelled batch is dropped: every batch has the same shapes, so the JAX
    step is compiled once. Batches depend only on (seed, epoch, index), so they are repeatable
    and Keras may fetch them in any order or from worker threads.

    Args:
        x_unlabeled: the unlabelled examples.
        x_labeled, y_labeled: the labelled examples and their integer classes.
        batch_size: unlabelled examples per batch (the generated batch has the same size).
        labeled_batch_size: labelled examples per batch (default: `batch_size`); may exceed
            the labelled set's size, examples then repeat within a batch.
        shuffle: reshuffle the unlabelled set each epoch.
        seed: seed of every shuffle.
        **kwargs: `workers`, `use_multiprocessing`, `max_queue_size` of `PyDataset`.

    Example:
    >>> import numpy as np
    >>> batches = SemiSupervisedBatches(
    ...     np.zeros((50, 2)), np.ones((4, 2)), np.arange(4), batch_size=16, labeled_batch_size=3)
    >>> len(batches), {k: v.shape for k, v in batches[0].items()}
    (3, {'unlabeled': (16, 2), 'labeled': (3, 2), 'labels': (3,)})
    """

    def __init__(
        self,
        x_unlabeled: np.ndarray,
        x_labeled: np.ndarray,
        y_labeled: np.ndarray,
        batch_size: int = 64,
        labeled_batch_size: Optional[int] = None,
        shuffle: bool = True,
        seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.x_unlabeled = np.asarray(x_unlabeled)
        self.x_labeled = np.asarray(x_labeled)
        self.y_labeled = np.asarray(y_labeled).astype("int32")
        self.batch_size = int(batch_size)
        self.labeled_batch_size = int(labeled_batch_size or batch_size)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        if self.batch_size < 1 or self.labeled_batch_size < 1:
            raise ValueError(
                f"batch sizes must be positive; got batch_size={batch_size}, "
                f"labeled_batch_size={labeled_batch_size}."
            )
        if len(self.x_unlabeled) < self.batch_size:
            raise ValueError(
                f"There are {len(self.x_unlabeled)} unlabelled examples, fewer than one batch "
                f"of {self.batch_size}; lower the batch size or label fewer examples."
            )
        if len(self.x_labeled) == 0 or len(self.x_labeled) != len(self.y_labeled):
            raise ValueError(
                f"Need at least one labelled example and one label per example; got "
                f"{len(self.x_labeled)} examples and {len(self.y_labeled)} labels."
            )
        if self.x_labeled.shape[1:] != self.x_unlabeled.shape[1:]:
            raise ValueError(
                f"Labelled examples have shape {self.x_labeled.shape[1:]} but unlabelled ones "
                f"{self.x_unlabeled.shape[1:]}; both must come from the same data set."
            )
        self.epoch = 0
        self._order_epoch = None
        self._order = None

    def __len__(self) -> int:
        return len(self.x_unlabeled) // self.batch_size

    def _unlabeled_order(self) -> np.ndarray:
        if self._order_epoch != self.epoch:
            n = len(self.x_unlabeled)
            rng = np.random.default_rng([self.seed, self.epoch])
            self._order = rng.permutation(n) if self.shuffle else np.arange(n)
            self._order_epoch = self.epoch
        return self._order

    def labeled_indices(self, index: int) -> np.ndarray:
        """Indices into the labelled set of batch `index` of the current epoch."""
        n = len(self.x_labeled)
        start = (self.epoch * len(self) + index) * self.labeled_batch_size
        positions = np.arange(start, start + self.labeled_batch_size)
        blocks, offsets = np.divmod(positions, n)
        permutations = {
            block: np.random.default_rng([self.seed, 1, block]).permutation(n)
            for block in np.unique(blocks)
        }
        return np.array([permutations[b][o] for b, o in zip(blocks, offsets)])

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} out of range: there are {len(self)} batches.")
        rows = self._unlabeled_order()[index * self.batch_size : (index + 1) * self.batch_size]
        labeled = self.labeled_indices(index)
        return {
            "unlabeled": self.x_unlabeled[rows],
            "labeled": self.x_labeled[labeled],
            "labels": self.y_labeled[labeled],
        }

    def on_epoch_end(self):
        self.epoch += 1
