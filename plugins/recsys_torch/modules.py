"""nn.Modules whose state carries the canonical names (``user_factors``, ``mlp.0.bn.running_mean``, ...).

Every module has ``outputs(users, items)`` (raw outputs ``[batch, n_outputs]``)
and ``forward(users, items)`` (the predicted rating: sigmoid_range of the
output, or the expected level under cross-entropy).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from recsys_core.params import Params, is_buffer, param_shapes
from recsys_core.spec import ModelSpec


def sigmoid_range(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Sigmoid scaled to (low, high), as fastai's ``sigmoid_range``."""
    return torch.sigmoid(x) * (high - low) + low


class RatingModel(nn.Module):
    """Shared head: turns raw outputs into a predicted rating for the spec's loss."""

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__()
        self.spec = spec
        if spec.loss == "cross_entropy":
            self.register_buffer("levels", torch.tensor(spec.levels, dtype=torch.float32), persistent=False)

    def outputs(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Raw outputs [batch, n_outputs]."""
        raise NotImplementedError

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Predicted ratings, shape [batch], for code tensors of shape [batch]."""
        out = self.outputs(users, items)
        if self.spec.loss == "cross_entropy":
            return torch.softmax(out, dim=1) @ self.levels
        if self.spec.members == 1:
            out = out[:, 0]
        if self.spec.y_range is not None:
            out = sigmoid_range(out, *self.spec.y_range)
        if self.spec.members > 1 and users.dim() == 1:
            out = out.mean(dim=1)  # an ensemble's prediction; [batch, members] codes give each member's
        return out


class DotProduct(RatingModel):
    """``dot`` and ``biased``: u . v (+ b_u + b_i); under cross-entropy, score * level_weight + level_bias."""

    def __init__(self, spec: ModelSpec, shapes: dict[str, tuple[int, ...]]) -> None:
        super().__init__(spec)
        for name, shape in shapes.items():
            self.register_parameter(name, nn.Parameter(torch.empty(shape)))
        if spec.members > 1:
            self.register_buffer("member", torch.arange(spec.members), persistent=False)

    def member_scores(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Each ensemble member's score ``[batch, members]`` for codes ``[batch]`` (every member scores the
        pair) or ``[batch, members]`` (column m for member m); member m's rows of a table are row
        ``code * members + m`` of the table viewed as ``[n * members, k]``."""
        if users.dim() == 1:
            users, items = users[:, None], items[:, None]
        rows_u = users.long() * self.spec.members + self.member
        rows_i = items.long() * self.spec.members + self.member
        k = self.spec.n_factors
        u = F.embedding(rows_u, self.user_factors.view(-1, k))
        v = F.embedding(rows_i, self.item_factors.view(-1, k))
        score = (u * v).sum(dim=-1)
        if self.spec.has_bias:
            score = score + F.embedding(rows_u, self.user_bias.view(-1, 1))[..., 0] + F.embedding(
                rows_i, self.item_bias.view(-1, 1))[..., 0]
        return score

    def outputs(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Score (or level logits) per pair; an ensemble's member scores."""
        if self.spec.members > 1:
            return self.member_scores(users, items)
        score = (F.embedding(users, self.user_factors) * F.embedding(items, self.item_factors)).sum(dim=1)
        if self.spec.has_bias:
            score = score + self.user_bias[users] + self.item_bias[items]
        if self.spec.loss == "cross_entropy":
            return score[:, None] * self.level_weight + self.level_bias
        return score[:, None]


class MLPBlock(nn.Module):
    """fastai's LinBnDrop with lin_first: Linear (no bias under BatchNorm) -> ReLU -> BatchNorm -> Dropout."""

    def __init__(self, n_in: int, n_out: int, *, batchnorm: bool, dropout: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_out, n_in))
        self.bias = None if batchnorm else nn.Parameter(torch.empty(n_out))
        self.bn = nn.BatchNorm1d(n_out, eps=1e-5, momentum=0.1) if batchnorm else None
        self.dropout = dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """One hidden layer."""
        x = F.relu(F.linear(x, self.weight, self.bias))
        if self.bn is not None:
            x = self.bn(x)
        if self.dropout:
            x = F.dropout(x, self.dropout, self.training)
        return x


def _mlp(spec: ModelSpec, n_in: int, *, batchnorm: bool) -> nn.Sequential:
    blocks = []
    for n_out in spec.layers:
        blocks.append(MLPBlock(n_in, n_out, batchnorm=batchnorm, dropout=spec.dropout))
        n_in = n_out
    return nn.Sequential(*blocks)


class EmbeddingNN(RatingModel):
    """``neural``: fastai's EmbeddingNN — concatenated embeddings through hidden blocks and a final Linear."""

    def __init__(self, spec: ModelSpec, shapes: dict[str, tuple[int, ...]]) -> None:
        super().__init__(spec)
        self.user_factors = nn.Parameter(torch.empty(shapes["user_factors"]))
        self.item_factors = nn.Parameter(torch.empty(shapes["item_factors"]))
        self.mlp = _mlp(spec, shapes["user_factors"][1] + shapes["item_factors"][1], batchnorm=spec.batchnorm)
        self.head = nn.Linear(shapes["head.weight"][1], spec.n_outputs)

    def outputs(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Head output per pair."""
        x = torch.cat([F.embedding(users, self.user_factors), F.embedding(items, self.item_factors)], dim=1)
        return self.head(self.mlp(x))


class NeuMF(RatingModel):
    """``neumf``: a GMF tower (u * v) and an MLP tower fused by a final Linear (He et al. 2017)."""

    def __init__(self, spec: ModelSpec, shapes: dict[str, tuple[int, ...]]) -> None:
        super().__init__(spec)
        for name in ("user_factors", "item_factors", "user_mlp", "item_mlp"):
            self.register_parameter(name, nn.Parameter(torch.empty(shapes[name])))
        self.mlp = _mlp(spec, 2 * shapes["user_mlp"][1], batchnorm=False)
        self.head = nn.Linear(shapes["head.weight"][1], spec.n_outputs)

    def outputs(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Head output per pair."""
        gmf = F.embedding(users, self.user_factors) * F.embedding(items, self.item_factors)
        mlp = self.mlp(torch.cat([F.embedding(users, self.user_mlp), F.embedding(items, self.item_mlp)], dim=1))
        return self.head(torch.cat([gmf, mlp], dim=1))


_KINDS: dict[str, type[RatingModel]] = {"dot": DotProduct, "biased": DotProduct, "neural": EmbeddingNN, "neumf": NeuMF}


def build_module(spec: ModelSpec, params: Params) -> RatingModel:
    """The torch module for ``spec``, holding (copies of) canonical ``params``."""
    n_users, n_items = params["user_factors"].shape[0], params["item_factors"].shape[0]
    module = _KINDS[spec.kind](spec, param_shapes(spec, n_users, n_items))
    with torch.no_grad():
        for name, array in params.items():
            target = module.get_buffer(name) if is_buffer(name) else module.get_parameter(name)
            target.copy_(torch.from_numpy(np.array(array, dtype=np.float32, copy=True)))
    return module


def to_canonical(module: nn.Module) -> Params:
    """The module's canonical state (parameters and running statistics) as float32 numpy copies."""
    state = {name: p for name, p in module.named_parameters()}
    state.update({name: b for name, b in module.named_buffers() if is_buffer(name)})
    return {name: t.detach().to("cpu", torch.float32).numpy().copy() for name, t in state.items()}
