"""JAX plumbing: stateful-looking adversarial steps on top of JAX's stateless tracing.

Under `fit`, Keras' JAX trainer hands the step a `state` tuple (trainable, non-trainable,
optimizer and metric variable values) and expects the new state back. Only `model.optimizer`'s
variables are threaded through that tuple, so a second optimizer would silently never update;
`AdversarialModel` therefore sets `model.optimizer` to a group of all players' optimizers, and
this module runs the model's ordinary `train_step(data)` inside one `keras.StatelessScope`
that maps every variable to its value in `state` (the approach suggested in
keras-team/keras#18881). Each `minimize` call then differentiates the loss with respect to the
trained variables' values in a nested scope that sees the outer scope's values; the
variables that the loss assigns on the way (batch-norm statistics, seed generators) keep
their new values.
"""

import os
from typing import Any, Callable, Sequence

import jax
import keras

# Private in Keras 3.15.1 (checked against it): the active `StatelessScope`, which a nested
# scope must start from (Keras' scopes do not fall back to an enclosing one).
from keras.src.backend.common.stateless_scope import get_stateless_scope


class _NestedScope(keras.StatelessScope):
    """A stateless scope that sees its parent's values and remembers which variables changed.

    Keras' own scopes do not fall back to an enclosing scope, and during a JAX `fit` epoch the
    variables hold no value outside it, so the nested scope starts from a copy of the parent's
    mapping.
    """

    def __init__(self, parent, overrides):
        super().__init__(state_mapping=overrides)
        # `state_mapping` (id(variable) -> value) and `add_update` are StatelessScope
        # internals of Keras 3.15.1.
        if parent is not None:
            self.state_mapping = {**parent.state_mapping, **self.state_mapping}
        self.assigned = {}

    def add_update(self, update):
        super().add_update(update)
        variable, _ = update
        self.assigned[id(variable)] = variable


def minimize(
    loss_fn: Callable[[], tuple[Any, Any]],
    variables: Sequence[keras.Variable],
    optimizer: keras.optimizers.Optimizer,
) -> tuple[Any, Any]:
    """`keras_gmgan.backend.minimize` under JAX: `jax.value_and_grad` of the loss over the
    variables' values, in a scope nested in the step's state."""
    parent = get_stateless_scope()
    side_variables = []

    def loss_of(values):
        with _NestedScope(parent, list(zip(variables, values))) as scope:
            loss, aux = loss_fn()
        # Every variable assigned inside loss_fn (batch-norm statistics, seed generators).
        side_variables[:] = list(scope.assigned.values())
        side_values = [jax.lax.stop_gradient(scope.get_current_value(v)) for v in side_variables]
        return loss, (aux, side_values)

    values = [v.value for v in variables]
    (loss, (aux, side_values)), grads = jax.value_and_grad(loss_of, has_aux=True)(values)
    for variable, value in zip(side_variables, side_values):
        variable.assign(value)
    optimizer.apply(grads, variables)
    return loss, aux


def call_network(network: keras.Model, x: Any, training: bool = False) -> Any:
    """`network(x, training=training)`. The step is traced once under jit, so Keras'
    per-layer Python costs nothing per step."""
    return network(x, training=training)


def input_gradient(fn: Callable[[Any], Any], x: Any) -> Any:
    """Gradient of the scalar `fn(x)` with respect to `x`; differentiable again.

    `fn` must not update any variable (no batch-norm in training mode, no sampling).
    """
    return jax.grad(fn)(x)


def _run_in_state(model: keras.Model, state, data):
    """Runs `model.train_step(data)` with every variable bound to its value in `state`."""
    groups = (
        model.trainable_variables,
        model.non_trainable_variables,
        model.optimizer.variables,
        model.metrics_variables,
    )
    mapping = [pair for variables, values in zip(groups, state) for pair in zip(variables, values)]
    with keras.StatelessScope(state_mapping=mapping) as scope:
        logs = model.train_step(data)
    new_state = tuple([scope.get_current_value(v) for v in variables] for variables in groups)
    return logs, new_state


class AdversarialTrainer:
    """Mixin for `keras.Model`: `fit` jit-compiles the model's stateful `train_step(data)`."""

    def make_train_function(self, force=False):
        # Follows `JAXTrainer.make_train_function` of Keras 3.15.1 with our `step` in place of
        # Keras' stateless one; `_make_function` and `_get_state_sharding_spec` are that
        # trainer's private helpers (same version).
        if self.train_function is not None and not force:
            return

        def step(state, data):
            return _run_in_state(self, state, data)

        if not self.run_eagerly and self.jit_compile:
            out_shardings = None
            if keras.distribution.distribution() is not None:
                out_shardings = (None, self._get_state_sharding_spec())
            step = jax.jit(step, donate_argnums=0, out_shardings=out_shardings)
        self.train_function = self._make_function(step)


# Data parallelism ------------------------------------------------------------------------


def setup_data_parallel() -> int:
    """Shards every batch over all devices with `keras.distribution.DataParallel`; returns
    the device count.

    Under JAX the step is traced once for the global batch and XLA inserts the all-reduces,
    so a `train_step` sees the whole batch (`replica_context()` is (0, 1)). Several hosts:
    `keras.distribution.initialize` wraps `jax.distributed.initialize` and reads
    `KERAS_DISTRIBUTION_{JOB_ADDRESSES,NUM_PROCESSES,PROCESS_ID}`.
    """
    if os.environ.get("KERAS_DISTRIBUTION_JOB_ADDRESSES"):
        keras.distribution.initialize()
    devices = keras.distribution.list_devices()
    distribution = keras.distribution.DataParallel(devices=devices)
    # Each process feeds its own slice of every batch (`batch_shard`), so Keras need not
    # shard the data across processes (which it does only for a `tf.data.Dataset`).
    distribution.auto_shard_dataset = False
    keras.distribution.set_distribution(distribution)
    return len(devices)


def replica_context() -> tuple[int, int]:
    """(0, 1): a JAX step is written for the global batch, whatever the device count."""
    return 0, 1


def replica_mean(x: Any) -> Any:
    """`x` itself: a JAX step already computes global means."""
    return x


def batch_shard() -> tuple[int, int]:
    """(this process's index, the process count): with several hosts each process feeds its
    slice of every global batch, and Keras assembles the global array from the slices
    (`jax.make_array_from_process_local_data`); one process feeds the whole batch."""
    return jax.process_index(), jax.process_count()
