"""`model.optimizer` for a model with several players, each with its own optimizer."""

from typing import Sequence

import keras


class PlayerOptimizers:
    """Groups the players' optimizers behind the attributes Keras' `fit` reads.

    Keras threads only `model.optimizer.variables` through a jit-compiled JAX step, so a GAN
    whose second optimizer lived only in an attribute would never update it under JAX (no
    error, its `iterations` stays 0). Setting `model.optimizer` to this group fixes that, and
    `optimizers` lets Keras' learning-rate callbacks (`LearningRateScheduler`,
    `ReduceLROnPlateau`) reach every player.

    Args:
        players: `(optimizer, variables)` pairs, one per player.
    """

    def __init__(self, players: Sequence[tuple[keras.optimizers.Optimizer, list]]):
        self._players = [(optimizer, list(variables)) for optimizer, variables in players]

    @property
    def optimizers(self) -> list:
        return [optimizer for optimizer, _ in self._players]

    @property
    def variables(self) -> list:
        return [v for optimizer in self.optimizers for v in optimizer.variables]

    @property
    def built(self) -> bool:
        return all(optimizer.built for optimizer in self.optimizers)

    def build(self, var_list=None):
        """Builds each optimizer on its own player's variables (`var_list` is ignored)."""
        for optimizer, variables in self._players:
            if not optimizer.built:
                optimizer.build(variables)

    @property
    def iterations(self):
        """Training steps taken: the last player's (the generator's) update count."""
        return self.optimizers[-1].iterations

    def scale_loss(self, loss):
        return loss
