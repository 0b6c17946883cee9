"""One stream for `fit` that pairs each unlabelled batch with a labelled batch."""

from typing import Optional

import numpy as np

from keras_gmgan.datasets.batches import RepeatingBatches


class SemiSupervisedBatches(RepeatingBatches):
    """Batches `{"unlabeled": x_u, "labeled": x_l, "labels": y_l}` for semi-supervised `fit`.

    A semi-supervised GAN needs two streams of different lengths in every step: passes over the
    large unlabelled set, and batches cycled from the small labelled set. `fit` takes one
    input, so this `PyDataset` zips them: batch g of the run (counted across epochs) holds the
    g-th unlabelled batch of `RepeatingBatches` (full batches from an endless sequence of
    seeded shuffles) and the next `labeled_batch_size` examples of an endless sequence of
    shuffles of the labelled set (so each labelled example appears equally often). It works
    under every backend because Keras converts PyDataset batches itself.

    With `matching_batch=True` each batch also holds `"matching"`: a second unlabelled batch
    from its own endless sequence of shuffles, for the generator's feature matching to aim at
    (Improved GAN's MNIST script draws it from a second permutation, `trainx_unl2`), so the
    generator does not chase the features of the very batch the discriminator just trained on.

    Every batch has the same shapes, so the JAX step is compiled once. Batches depend only on
    (seed, epoch, index), so they are repeatable, Keras may fetch them in any order, and a run
    resumed at `initial_epoch` sees exactly the batches an uninterrupted one would. As with
    `RepeatingBatches`, call `fit(..., shuffle=False)` to keep their order as well.

    Args:
        x_unlabeled: the unlabelled examples.
        x_labeled, y_labeled: the labelled examples and their integer classes.
        batch_size: unlabelled examples per batch (the generated batch has the same size).
        labeled_batch_size: labelled examples per batch (default: `batch_size`); may exceed
            the labelled set's size, examples then repeat within a batch.
        steps_per_epoch: batches per epoch (default: one pass over the unlabelled set).
        seed: seed of every shuffle.
        initial_epoch: the epoch `fit` starts at (when resuming).
        matching_batch: also serve the `"matching"` unlabelled batch.

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
        steps_per_epoch: Optional[int] = None,
        seed: int = 0,
        initial_epoch: int = 0,
        matching_batch: bool = False,
    ):
        x_unlabeled = np.asarray(x_unlabeled)
        self.matching_batch = bool(matching_batch)
        self._matching_pass = (None, None)  # (pass number, its permutation)
        self.x_labeled = np.asarray(x_labeled)
        self.y_labeled = np.asarray(y_labeled).astype("int32")
        self.labeled_batch_size = int(labeled_batch_size or batch_size)
        if batch_size < 1 or self.labeled_batch_size < 1:
            raise ValueError(
                f"batch sizes must be positive; got batch_size={batch_size}, "
                f"labeled_batch_size={labeled_batch_size}."
            )
        if len(x_unlabeled) < batch_size:
            raise ValueError(
                f"There are {len(x_unlabeled)} unlabelled examples, fewer than one batch "
                f"of {batch_size}; lower the batch size or label fewer examples."
            )
        if len(self.x_labeled) == 0 or len(self.x_labeled) != len(self.y_labeled):
            raise ValueError(
                f"Need at least one labelled example and one label per example; got "
                f"{len(self.x_labeled)} examples and {len(self.y_labeled)} labels."
            )
        if self.x_labeled.shape[1:] != x_unlabeled.shape[1:]:
            raise ValueError(
                f"Labelled examples have shape {self.x_labeled.shape[1:]} but unlabelled ones "
                f"{x_unlabeled.shape[1:]}; both must come from the same data set."
            )
        super().__init__(
            (x_unlabeled,),
            batch_size,
            steps_per_epoch=steps_per_epoch,
            seed=seed,
            initial_epoch=initial_epoch,
        )

    @property
    def x_unlabeled(self) -> np.ndarray:
        return self.arrays[0]

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

    def _matching_permutation(self, number: int) -> np.ndarray:
        if self._matching_pass[0] != number:
            rng = np.random.default_rng([self.seed, 2, number])
            self._matching_pass = (number, rng.permutation(len(self.x_unlabeled)))
        return self._matching_pass[1]

    def matching_indices(self, index: int) -> np.ndarray:
        """Indices into the unlabelled set of the `"matching"` batch `index` of this epoch.

        The same walk through passes as the unlabelled batches, with each pass shuffled from
        `(seed, 2, pass)` instead, so the two streams are independent and each is repeatable
        on its own.
        """
        return self.step_indices(index, self._matching_permutation)

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} out of range: there are {len(self)} batches.")
        labeled = self.labeled_indices(index)
        batch = {
            "unlabeled": super().__getitem__(index),
            "labeled": self.x_labeled[labeled],
            "labels": self.y_labeled[labeled],
        }
        if self.matching_batch:
            batch["matching"] = self.x_unlabeled[self.matching_indices(index)]
        return batch
