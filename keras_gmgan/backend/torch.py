"""PyTorch plumbing: eager autograd. Gradients are taken with `torch.autograd.grad` for just the
trained variables, so the other player's parameters never accumulate `.grad`."""

import functools
import inspect
import os
import weakref
from typing import Any, Callable, Optional, Sequence

import keras
import torch
import torch.distributed as dist
from keras.src.backend.torch.optimizers import torch_adam

from keras_gmgan.layers.plain import PLAIN_LAYERS, is_graph_of_layers


def _detach(structure):
    return keras.tree.map_structure(
        lambda t: t.detach() if isinstance(t, torch.Tensor) else t, structure
    )


def minimize(
    loss_fn: Callable[[], tuple[Any, Any]],
    variables: Sequence[keras.Variable],
    optimizer: keras.optimizers.Optimizer,
) -> tuple[Any, Any]:
    """`keras_gmgan.backend.minimize` under PyTorch: `torch.autograd.grad` for just
    `variables`, averaged over data-parallel processes."""
    loss, aux = loss_fn()
    grads = torch.autograd.grad(loss, [v.value for v in variables], allow_unused=True)
    grads = _averaged_over_processes(grads)
    _fuse_adam_updates(optimizer)
    with torch.no_grad():
        optimizer.apply(list(grads), variables)
    return loss.detach(), _detach(aux)


def _fuse_adam_updates(optimizer: keras.optimizers.Optimizer) -> None:
    """Makes a Keras Adam apply its update with torch's fused CPU kernel (`_fused_adam_`).

    Keras' torch Adam updates with ten `torch._foreach_*` calls, four of which allocate new
    tensors; on a CPU each is a loop over the variables, so the update reads and writes every
    parameter about twenty-five times. The fused kernel does the same arithmetic in one pass.
    Only the update step is replaced (on the instance, so nothing of it is saved): `apply`
    still filters, unscales and clips the gradients, applies weight decay and counts
    `iterations`. Inside torch.compile nothing is replaced: Inductor fuses the update itself.
    """
    if torch.compiler.is_compiling():
        return
    if type(optimizer) is torch_adam.Adam and "_parallel_update_step" not in vars(optimizer):
        optimizer._parallel_update_step = functools.partial(_fused_adam_step, optimizer)


def _fused_adam_step(optimizer, grads, variables, learning_rate) -> None:
    """Keras' Adam step (`torch_adam.Adam._parallel_update_step`) in one fused kernel.

    Keras adds ε to √v and scales the step by √(1 − β₂ᵗ); torch adds ε to √v / √(1 − β₂ᵗ).
    Passing torch ε / √(1 − β₂ᵗ) makes the two the same update. Keras' own loop runs instead
    on other devices (where foreach calls are already batched), for AMSGrad, and inside
    torch.compile (for an optimizer first stepped eagerly; the host reads here would break
    the compiled graph).
    """
    params = [variable.value for variable in variables]
    if (
        optimizer.amsgrad
        or torch.compiler.is_compiling()
        or any(p.device.type != "cpu" or p.dtype != torch.float32 for p in params)
    ):
        torch_adam.Adam._parallel_update_step(optimizer, grads, variables, learning_rate)
        return
    index = optimizer._get_variable_index
    momentums = [optimizer._momentums[index(variable)].value for variable in variables]
    velocities = [optimizer._velocities[index(variable)].value for variable in variables]
    step = float(optimizer.iterations.value) + 1.0
    bias_correction2 = 1.0 - float(optimizer.beta_2) ** step
    steps = [torch.tensor(step)] * len(params)
    torch._fused_adam_(
        params,
        [grad.to(torch.float32).contiguous() for grad in grads],
        momentums,
        velocities,
        [],
        steps,
        amsgrad=False,
        lr=float(learning_rate),
        beta1=float(optimizer.beta_1),
        beta2=float(optimizer.beta_2),
        weight_decay=0.0,
        eps=float(optimizer.epsilon) / bias_correction2**0.5,
        maximize=False,
    )


# Network calls -----------------------------------------------------------------------------

#: network -> its `_LayerChain`, or None where the network needs Keras' own call.
_chains: "weakref.WeakKeyDictionary[keras.Model, Optional[_LayerChain]]" = (
    weakref.WeakKeyDictionary()
)


class _LayerChain:
    """A network whose layers run one after another, as `(layer, takes training)` pairs, and
    the input (shape after the batch axis, dtype) it runs them on."""

    def __init__(self, steps: list, input_shape: tuple, dtype: torch.dtype):
        self.steps, self.input_shape, self.dtype = steps, input_shape, dtype

    def accepts(self, x: Any) -> bool:
        return (
            isinstance(x, torch.Tensor)
            and x.dtype == self.dtype
            and tuple(x.shape[1:]) == self.input_shape
        )

    def __call__(self, x: torch.Tensor, training: bool) -> torch.Tensor:
        for layer, takes_training in self.steps:
            x = layer.call(x, training=training) if takes_training else layer.call(x)
        return x


def call_network(network: keras.Model, x: Any, training: bool = False) -> Any:
    """`network(x, training=training)`; eagerly, a functional or `Sequential` chain of plain
    layers (`PLAIN_LAYERS`, exactly those types) runs its layers' `call`s one after another
    instead.

    Eager PyTorch pays Keras' `Layer.__call__` (input conversion, autocasting, call context,
    the functional graph walk) in Python for every layer of every call, which for the small
    networks here is a large share of the forward pass, and a GAN step makes four network
    calls. The chain computes the same tensors through the same ops, so gradients and
    random draws are the same. Anything else (a branching graph, a shared layer, batch
    normalisation, a subclassed model, a mixed or quantised policy, an input of another shape
    or dtype, a step under torch.compile, which traces the ordinary call) takes the ordinary
    call.
    """
    if torch.compiler.is_compiling() or not network.built:
        return network(x, training=training)
    if network not in _chains:
        _chains[network] = _layer_chain(network)
    chain = _chains[network]
    if chain is None or not chain.accepts(x):
        return network(x, training=training)
    return chain(x, training)


def _layer_chain(network: keras.Model) -> Optional[_LayerChain]:
    """`network` as a `_LayerChain`, or None (see `call_network`)."""
    if not is_graph_of_layers(network):
        return None
    try:
        (network_input,), (output,) = network.inputs, network.outputs
        previous = network_input
        layers = [layer for layer in network.layers if type(layer) is not keras.layers.InputLayer]
        steps = []
        for layer in layers:
            policy = layer.dtype_policy
            if (
                type(layer) not in PLAIN_LAYERS
                or not layer.built
                or layer.activity_regularizer is not None
                or policy.quantization_mode is not None
                or policy.compute_dtype != policy.variable_dtype
                or policy.compute_dtype != network.dtype_policy.compute_dtype
                or layer.input is not previous  # raises for a layer called more than once
            ):
                return None
            steps.append((layer, "training" in inspect.signature(layer.call).parameters))
            previous = layer.output
    except (AttributeError, ValueError):
        return None
    if previous is not output or not steps:
        return None
    dtype = getattr(torch, network.dtype_policy.compute_dtype)
    return _LayerChain(steps, tuple(network_input.shape[1:]), dtype)


@torch.compiler.disable
def input_gradient(fn: Callable[[Any], Any], x: Any) -> Any:
    """Gradient of the scalar `fn(x)` with respect to `x`; differentiable again.

    It runs uncompiled inside a step compiled with torch.compile (`jit_compile=True`), whose
    AOTAutograd graphs cannot be differentiated twice (the gradient penalty does).
    """
    x = torch.as_tensor(x)
    if not x.requires_grad:
        x = x.detach().requires_grad_(True)
    y = fn(x)
    (grad,) = torch.autograd.grad(y, x, create_graph=torch.is_grad_enabled())
    return grad


class AdversarialTrainer:
    """The stateful `train_step` runs eagerly as written. Under a process group
    (`setup_data_parallel`), `fit` also starts every process from process 0's weights and
    logs the trackers over the global batch. `steps_per_execution` k > 1 runs the k batches
    `fit` hands each call one after another (Keras' own torch trainer refuses k > 1)."""

    def make_train_function(self, force=False):
        if self.train_function is not None and not force:
            return self.train_function
        # Keras 3.15.1's `TorchTrainer.make_train_function` raises for steps_per_execution
        # > 1, and its `fit` passes the train function the list of that many batches (the
        # one-step function reads the first); so build the one-step function, then loop.
        steps_per_execution = self.steps_per_execution
        self.steps_per_execution = 1
        try:
            super().make_train_function(force)
        finally:
            self.steps_per_execution = steps_per_execution
        if _process_group is not None and _process_group[1] > 1:
            self.train_function = _data_parallel_step(self, self.train_function)
        if steps_per_execution > 1:
            self.train_function = _one_batch_at_a_time(self.train_function)
        return self.train_function


def _one_batch_at_a_time(step: Callable) -> Callable:
    """A train function for a list of batches from Keras' one-batch one (which takes a
    list and trains on its first): each batch in turn; the last step's logs."""

    def steps(batches):
        logs = None
        for batch in batches:
            logs = step([batch])
        return logs

    return steps


# Data parallelism ------------------------------------------------------------------------

#: (rank, world size) once `setup_data_parallel` has run; None for a single process.
_process_group: Optional[tuple[int, int]] = None


def setup_data_parallel() -> int:
    """Joins the `torch.distributed` process group that `torchrun` describes; returns its size.

    `torchrun --nproc-per-node N` starts N copies of the command and sets `RANK`,
    `WORLD_SIZE`, `LOCAL_RANK`, `MASTER_ADDR` and `MASTER_PORT`; each process trains on its
    slice of every global batch (`keras_gmgan.distribution.shard_batches`), and `minimize`
    averages the gradients over the group before each optimizer step. NCCL on GPUs (each
    process on the GPU of its `LOCAL_RANK`), Gloo on CPUs.
    """
    global _process_group
    if "WORLD_SIZE" not in os.environ:
        raise RuntimeError(
            "data-parallel training under PyTorch runs one process per device; launch it with "
            "torchrun --nproc-per-node N (which sets RANK and WORLD_SIZE)."
        )
    if not dist.is_initialized():
        use_cuda = torch.cuda.is_available()
        if use_cuda:
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group("nccl" if use_cuda else "gloo")
    _process_group = (dist.get_rank(), dist.get_world_size())
    return _process_group[1]


def replica_context() -> tuple[int, int]:
    """(this process's rank, the number of processes); (0, 1) without a process group."""
    return _process_group or (0, 1)


def replica_mean(x: Any) -> Any:
    """The mean of `x` over the processes; differentiable (the backward pass all-reduces)."""
    if _process_group is None or _process_group[1] == 1:
        return x
    from torch.distributed.nn.functional import all_reduce

    return all_reduce(x) / _process_group[1]


def _averaged_over_processes(grads: Sequence[Optional[Any]]) -> list:
    """The processes' mean of each gradient, in one all-reduce of one flat buffer.

    `torch.autograd.grad` does not fire DDP's hooks, so the averaging happens here. Every
    process runs the same step, so the same gradients are None everywhere.
    """
    grads = list(grads)
    if _process_group is None or _process_group[1] == 1:
        return grads
    present = [index for index, grad in enumerate(grads) if grad is not None]
    if not present:
        return grads
    flat = torch.cat([grads[index].reshape(-1) for index in present])
    dist.all_reduce(flat)
    flat /= _process_group[1]
    start = 0
    for index in present:
        size = grads[index].numel()
        grads[index] = flat[start : start + size].view_as(grads[index])
        start += size
    return grads


def _broadcast_from_first(variables: Sequence[keras.Variable]) -> None:
    """Copies process 0's value of every variable to the others, so all start identical."""
    with torch.no_grad():
        for variable in variables:
            dist.broadcast(variable.value.data, src=0)


def _summed_over_processes(variables: Sequence[keras.Variable], before: list) -> None:
    """Makes each variable `before + Σ_processes (its change)`: the metric trackers' totals
    and counts then hold the whole global batch, as under the other backends."""
    with torch.no_grad():
        deltas = [variable.value.data - start for variable, start in zip(variables, before)]
        if not deltas:
            return
        flat = torch.cat([delta.reshape(-1).to(torch.float64) for delta in deltas])
        dist.all_reduce(flat)
        offset = 0
        for variable, start, delta in zip(variables, before, deltas):
            size = delta.numel()
            total = start + flat[offset : offset + size].view_as(delta).to(start.dtype)
            variable.value.data.copy_(total)
            offset += size


def _data_parallel_step(model: keras.Model, step: Callable) -> Callable:
    """Wraps Keras' train function: weights synchronised at the first call, trackers summed
    over the processes after every step."""
    state = {"synchronised": False}

    def synchronised_step(data):
        if not state["synchronised"]:
            _broadcast_from_first(model.variables + list(model.optimizer.variables))
            state["synchronised"] = True
        trackers = list(model.metrics_variables)
        before = [variable.value.detach().clone() for variable in trackers]
        logs = step(data)
        _summed_over_processes(trackers, before)
        results = model.get_metrics_result()
        return results if isinstance(logs, dict) and set(logs) == set(results) else logs

    return synchronised_step


def batch_shard() -> tuple[int, int]:
    """(rank, world size): each process feeds its own slice of every global batch."""
    return replica_context()
