"""Sparse-row mode (``TrainConfig.optimizer="sparse_adam"``): lazy Adam on the embedding rows a batch touches.

Each step gathers the unique user and item rows of the batch into small leaf
tensors, runs the model on them (codes remapped to positions among the unique
rows) and gets their gradients directly, so no step ever touches a whole table.
Touched rows get Adam with decoupled weight decay::

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
    p = p (1 - lr wd) - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

where ``t`` is the GLOBAL step (1-based, as TF's LazyAdam and torch's
SparseAdam): rows no batch touched keep their value and moments untouched,
no decay, no moment decay. Dense parameters (MLP layers, level calibration)
keep the fused AdamW of :mod:`recsys_torch.optim`, stepped with the same ``t``.
The JAX backend (``recsys_jax.sparse``) does exactly the same arithmetic.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from recsys_core.params import table_side


class RowAdam:
    """Lazy Adam with decoupled weight decay over whole embedding tables, updated row by row."""

    def __init__(self, tables: dict[str, nn.Parameter], weight_decay: dict[str, float], *, beta2: float,
                 eps: float) -> None:
        self.tables = tables
        self.weight_decay = weight_decay
        self.exp_avg = {name: torch.zeros_like(p) for name, p in tables.items()}
        self.exp_avg_sq = {name: torch.zeros_like(p) for name, p in tables.items()}
        self.beta2, self.eps = beta2, eps

    @torch.no_grad()
    def step(self, t: int, lr: float, beta1: float, rows: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]]
             ) -> None:
        """Update, for each table name, ``(index [r], values [r, ...], grad [r, ...])`` of its unique touched rows."""
        bc1 = 1.0 - beta1**t
        sqrt_bc2 = math.sqrt(1.0 - self.beta2**t)
        for name, (index, values, grad) in rows.items():
            m = self.exp_avg[name].index_select(0, index)
            v = self.exp_avg_sq[name].index_select(0, index)
            m.lerp_(grad, 1.0 - beta1)
            v.mul_(self.beta2).addcmul_(grad, grad, value=1.0 - self.beta2)
            p = values.mul(1.0 - lr * self.weight_decay[name])
            p.addcdiv_(m, v.sqrt().div_(sqrt_bc2).add_(self.eps), value=-lr / bc1)
            self.tables[name].index_copy_(0, index, p)
            self.exp_avg[name].index_copy_(0, index, m)
            self.exp_avg_sq[name].index_copy_(0, index, v)


class LossOf(nn.Module):
    """Wraps a model so ``torch.func.functional_call`` can swap its tables for gathered rows."""

    def __init__(self, model: nn.Module, loss: object) -> None:
        super().__init__()
        self.model = model
        self.loss = loss

    def forward(self, users: torch.Tensor, items: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The batch loss of the wrapped model."""
        return self.loss(self.model, users, items, targets)  # type: ignore[operator]


def gathered_loss(wrapper: LossOf, tables: dict[str, nn.Parameter], users: torch.Tensor, items: torch.Tensor,
                  targets: torch.Tensor) -> tuple[torch.Tensor, dict[str, tuple[torch.Tensor, torch.Tensor]]]:
    """The batch loss computed on the unique rows; returns it and ``name -> (index, leaf rows)`` for the update."""
    uu, inv_u = torch.unique(users, return_inverse=True)
    ii, inv_i = torch.unique(items, return_inverse=True)
    index = {"user": uu.long(), "item": ii.long()}
    leaves: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
    swap: dict[str, torch.Tensor] = {}
    for name, table in tables.items():
        idx = index[table_side(name)]  # type: ignore[index]
        rows = table.detach().index_select(0, idx).requires_grad_()
        leaves[name] = (idx, rows)
        swap[f"model.{name}"] = rows
    loss = torch.func.functional_call(wrapper, swap, (inv_u, inv_i, targets), strict=False)
    return loss, leaves
