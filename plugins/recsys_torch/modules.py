"""nn.Modules whose parameters carry the canonical names (``user_factors``, ``item_bias``, ...)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from recsys_core.params import Params
from recsys_core.spec import ModelSpec


def sigmoid_range(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Sigmoid scaled to (low, high), as fastai's ``sigmoid_range``."""
    return torch.sigmoid(x) * (high - low) + low


class DotProduct(nn.Module):
    """``dot`` and ``biased``: u . v (+ b_u + b_i), optionally through sigmoid_range(y_range).

    Parameters: ``user_factors [n_users, k]``, ``item_factors [n_items, k]`` and,
    when ``spec.has_bias``, ``user_bias [n_users]``, ``item_bias [n_items]``.
    """

    def __init__(self, spec: ModelSpec, params: Params) -> None:
        super().__init__()
        self.spec = spec
        for name, array in params.items():
            self.register_parameter(name, nn.Parameter(torch.from_numpy(np.array(array, dtype=np.float32, copy=True))))

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Predicted ratings, shape [batch], for code tensors of shape [batch]."""
        u = F.embedding(users, self.user_factors)
        v = F.embedding(items, self.item_factors)
        out = (u * v).sum(dim=1)
        if self.spec.has_bias:
            out = out + self.user_bias[users] + self.item_bias[items]
        if self.spec.y_range is not None:
            out = sigmoid_range(out, *self.spec.y_range)
        return out


def build_module(spec: ModelSpec, params: Params) -> nn.Module:
    """The torch module for ``spec``, initialised from canonical ``params``."""
    return DotProduct(spec, params)


def to_canonical(module: nn.Module) -> Params:
    """The module's parameters as canonical float32 numpy arrays (copies)."""
    return {name: p.detach().to("cpu", torch.float32).numpy().copy() for name, p in module.named_parameters()}
