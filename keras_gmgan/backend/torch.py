"""PyTorch plumbing: eager autograd. Gradients are taken with `torch.autograd.grad` for just the
trained variables, so the other player's parameters never accumulate `.grad`."""

from typing import Any, Callable, Sequence

import keras
import torch


def _detach(structure):
    return keras.tree.map_structure(
        lambda t: t.detach() if isinstance(t, torch.Tensor) else t, structure
    )


def minimize(
    loss_fn: Callable[[], tuple[Any, Any]],
    variables: Sequence[keras.Variable],
    optimizer: keras.optimizers.Optimizer,
) -> tuple[Any, Any]:
    """Minimises `loss_fn()[0]` over `variables` by one step of `optimizer`."""
    variables = list(variables)
    loss, aux = loss_fn()
    grads = torch.autograd.grad(loss, [v.value for v in variables], allow_unused=True)
    with torch.no_grad():
        optimizer.apply(list(grads), variables)
    return loss.detach(), _detach(aux)


def input_gradient(fn: Callable[[Any], Any], x: Any) -> Any:
    """Gradient of the scalar `fn(x)` with respect to `x`; differentiable again."""
    x = torch.as_tensor(x)
    if not x.requires_grad:
        x = x.detach().requires_grad_(True)
    y = fn(x)
    (grad,) = torch.autograd.grad(y, x, create_graph=torch.is_grad_enabled())
    return grad


class AdversarialTrainer:
    """Nothing to add under PyTorch: the stateful `train_step` runs eagerly as written."""
