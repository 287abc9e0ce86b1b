"""flax.nnx modules whose state carries the canonical names (``user_factors``, ``mlp.0.bn.running_mean``, ...).

Linear weights are kept in the canonical ``[out, in]`` layout. Every module has
``outputs(users, items, train)`` (raw outputs ``[batch, n_outputs]``) and
``__call__(users, items, train=False)`` (the predicted rating).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from recsys_core.params import Params, param_shapes
from recsys_core.spec import ModelSpec


def sigmoid_range(x: jax.Array, low: float, high: float) -> jax.Array:
    """Sigmoid scaled to (low, high), as fastai's ``sigmoid_range``."""
    return jax.nn.sigmoid(x) * (high - low) + low


def _zeros(shape: tuple[int, ...]) -> jax.Array:
    return jnp.zeros(shape, jnp.float32)


class RatingModel(nnx.Module):
    """Shared head: turns raw outputs into a predicted rating for the spec's loss."""

    def __init__(self, spec: ModelSpec) -> None:
        self.loss = spec.loss
        self.y_range = spec.y_range
        self.levels = None if spec.levels is None else tuple(spec.levels)
        self.members = spec.members

    def outputs(self, users: jax.Array, items: jax.Array, train: bool = False) -> jax.Array:
        """Raw outputs [batch, n_outputs]."""
        raise NotImplementedError

    def __call__(self, users: jax.Array, items: jax.Array, train: bool = False) -> jax.Array:
        """Predicted ratings, shape [batch], for code arrays of shape [batch]."""
        out = self.outputs(users, items, train)
        if self.loss == "cross_entropy":
            return jax.nn.softmax(out, axis=1) @ jnp.asarray(self.levels, jnp.float32)
        if self.members == 1:
            out = out[:, 0]
        if self.y_range is not None:
            out = sigmoid_range(out, *self.y_range)
        if self.members > 1 and users.ndim == 1:
            out = jnp.mean(out, axis=1)  # an ensemble's prediction; [batch, members] codes give each member's
        return out


class DotProduct(RatingModel):
    """``dot`` and ``biased``: u . v (+ b_u + b_i); under cross-entropy, score * level_weight + level_bias."""

    def __init__(self, spec: ModelSpec, shapes: dict[str, tuple[int, ...]]) -> None:
        super().__init__(spec)
        self.has_bias = spec.has_bias
        for name, shape in shapes.items():
            setattr(self, name, nnx.Param(_zeros(shape)))

    def member_scores(self, users: jax.Array, items: jax.Array) -> jax.Array:
        """Each ensemble member's score ``[batch, members]`` for codes ``[batch]`` (every member scores the
        pair) or ``[batch, members]`` (column m for member m); member m's rows of a table are row
        ``code * members + m`` of the table viewed as ``[n * members, k]``."""
        if users.ndim == 1:
            users, items = users[:, None], items[:, None]
        member = jnp.arange(self.members, dtype=users.dtype)
        rows_u, rows_i = users * self.members + member, items * self.members + member
        k = self.user_factors.shape[1] // self.members
        u = self.user_factors[...].reshape(-1, k)[rows_u]
        v = self.item_factors[...].reshape(-1, k)[rows_i]
        score = jnp.sum(u * v, axis=-1)
        if self.has_bias:
            score = score + self.user_bias[...].reshape(-1)[rows_u] + self.item_bias[...].reshape(-1)[rows_i]
        return score

    def outputs(self, users: jax.Array, items: jax.Array, train: bool = False) -> jax.Array:
        """Score (or level logits) per pair; an ensemble's member scores."""
        if self.members > 1:
            return self.member_scores(users, items)
        score = jnp.sum(self.user_factors[...][users] * self.item_factors[...][items], axis=1)
        if self.has_bias:
            score = score + self.user_bias[...][users] + self.item_bias[...][items]
        if self.loss == "cross_entropy":
            return score[:, None] * self.level_weight[...] + self.level_bias[...]
        return score[:, None]


class BatchNorm(nnx.Module):
    """BatchNorm1d with torch's semantics: biased batch variance to normalise, unbiased for the running update."""

    def __init__(self, n: int, *, momentum: float = 0.1, eps: float = 1e-5) -> None:
        self.momentum, self.eps = momentum, eps
        self.weight = nnx.Param(jnp.ones((n,), jnp.float32))
        self.bias = nnx.Param(_zeros((n,)))
        self.running_mean = nnx.BatchStat(_zeros((n,)))
        self.running_var = nnx.BatchStat(jnp.ones((n,), jnp.float32))

    def __call__(self, x: jax.Array, train: bool) -> jax.Array:
        """Normalise a batch [batch, n]: batch statistics in training, running ones otherwise."""
        if train:
            mean = jnp.mean(x, axis=0)
            var = jnp.mean(jnp.square(x - mean), axis=0)
            n = x.shape[0]
            m = self.momentum
            self.running_mean[...] = (1 - m) * self.running_mean[...] + m * jax.lax.stop_gradient(mean)
            self.running_var[...] = (1 - m) * self.running_var[...] + m * jax.lax.stop_gradient(var) * (n / (n - 1))
        else:
            mean, var = self.running_mean[...], self.running_var[...]
        return (x - mean) / jnp.sqrt(var + self.eps) * self.weight[...] + self.bias[...]


class MLPBlock(nnx.Module):
    """fastai's LinBnDrop with lin_first: Linear (no bias under BatchNorm) -> ReLU -> BatchNorm -> Dropout."""

    def __init__(self, n_in: int, n_out: int, *, batchnorm: bool, dropout: float, rngs: nnx.Rngs) -> None:
        self.weight = nnx.Param(_zeros((n_out, n_in)))
        self.bias = None if batchnorm else nnx.Param(_zeros((n_out,)))
        self.bn = BatchNorm(n_out) if batchnorm else None
        self.dropout = nnx.Dropout(dropout, rngs=rngs) if dropout else None

    def __call__(self, x: jax.Array, train: bool) -> jax.Array:
        """One hidden layer."""
        x = x @ self.weight[...].T
        if self.bias is not None:
            x = x + self.bias[...]
        x = jax.nn.relu(x)
        if self.bn is not None:
            x = self.bn(x, train)
        if self.dropout is not None:
            x = self.dropout(x, deterministic=not train)
        return x


def _mlp(spec: ModelSpec, n_in: int, *, batchnorm: bool, rngs: nnx.Rngs) -> nnx.List:
    blocks = []
    for n_out in spec.layers:
        blocks.append(MLPBlock(n_in, n_out, batchnorm=batchnorm, dropout=spec.dropout, rngs=rngs))
        n_in = n_out
    return nnx.List(blocks)


class Head(nnx.Module):
    """The final Linear: ``head.weight [n_outputs, in]``, ``head.bias [n_outputs]``."""

    def __init__(self, n_in: int, n_out: int) -> None:
        self.weight = nnx.Param(_zeros((n_out, n_in)))
        self.bias = nnx.Param(_zeros((n_out,)))

    def __call__(self, x: jax.Array) -> jax.Array:
        """x @ W.T + b."""
        return x @ self.weight[...].T + self.bias[...]


class EmbeddingNN(RatingModel):
    """``neural``: fastai's EmbeddingNN — concatenated embeddings through hidden blocks and a final Linear."""

    def __init__(self, spec: ModelSpec, shapes: dict[str, tuple[int, ...]], rngs: nnx.Rngs) -> None:
        super().__init__(spec)
        self.user_factors = nnx.Param(_zeros(shapes["user_factors"]))
        self.item_factors = nnx.Param(_zeros(shapes["item_factors"]))
        self.mlp = _mlp(spec, shapes["user_factors"][1] + shapes["item_factors"][1], batchnorm=spec.batchnorm, rngs=rngs)
        self.head = Head(shapes["head.weight"][1], spec.n_outputs)

    def outputs(self, users: jax.Array, items: jax.Array, train: bool = False) -> jax.Array:
        """Head output per pair."""
        x = jnp.concatenate([self.user_factors[...][users], self.item_factors[...][items]], axis=1)
        for block in self.mlp:
            x = block(x, train)
        return self.head(x)


class NeuMF(RatingModel):
    """``neumf``: a GMF tower (u * v) and an MLP tower fused by a final Linear (He et al. 2017)."""

    def __init__(self, spec: ModelSpec, shapes: dict[str, tuple[int, ...]], rngs: nnx.Rngs) -> None:
        super().__init__(spec)
        for name in ("user_factors", "item_factors", "user_mlp", "item_mlp"):
            setattr(self, name, nnx.Param(_zeros(shapes[name])))
        self.mlp = _mlp(spec, 2 * shapes["user_mlp"][1], batchnorm=False, rngs=rngs)
        self.head = Head(shapes["head.weight"][1], spec.n_outputs)

    def outputs(self, users: jax.Array, items: jax.Array, train: bool = False) -> jax.Array:
        """Head output per pair."""
        gmf = self.user_factors[...][users] * self.item_factors[...][items]
        x = jnp.concatenate([self.user_mlp[...][users], self.item_mlp[...][items]], axis=1)
        for block in self.mlp:
            x = block(x, train)
        return self.head(jnp.concatenate([gmf, x], axis=1))


def canonical_name(path: tuple[Any, ...]) -> str:
    """``("mlp", 0, "bn", "running_mean")`` -> ``"mlp.0.bn.running_mean"``."""
    return ".".join(str(part) for part in path)


def build_module(spec: ModelSpec, params: Params, *, seed: int = 0) -> RatingModel:
    """The nnx module for ``spec``, holding canonical ``params`` (``seed`` drives dropout only)."""
    n_users, n_items = params["user_factors"].shape[0], params["item_factors"].shape[0]
    shapes = param_shapes(spec, n_users, n_items)
    rngs = nnx.Rngs(dropout=seed)
    module: RatingModel
    if spec.kind in ("dot", "biased"):
        module = DotProduct(spec, shapes)
    elif spec.kind == "neural":
        module = EmbeddingNN(spec, shapes, rngs)
    else:
        module = NeuMF(spec, shapes, rngs)
    for path, variable in nnx.to_flat_state(nnx.state(module, nnx.Any(nnx.Param, nnx.BatchStat))):
        variable[...] = jnp.asarray(params[canonical_name(path)], dtype=jnp.float32)
    return module


def to_canonical(module: nnx.Module) -> Params:
    """The module's canonical state (parameters and running statistics) as float32 numpy copies."""
    state = nnx.state(module, nnx.Any(nnx.Param, nnx.BatchStat))
    return {
        canonical_name(path): np.array(jax.device_get(variable[...]), dtype=np.float32, copy=True)
        for path, variable in nnx.to_flat_state(state)
    }
