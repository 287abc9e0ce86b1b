"""flax.nnx modules whose parameters carry the canonical names (``user_factors``, ``item_bias``, ...)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from recsys_core.params import Params
from recsys_core.spec import ModelSpec


def sigmoid_range(x: jax.Array, low: float, high: float) -> jax.Array:
    """Sigmoid scaled to (low, high), as fastai's ``sigmoid_range``."""
    return jax.nn.sigmoid(x) * (high - low) + low


class DotProduct(nnx.Module):
    """``dot`` and ``biased``: u . v (+ b_u + b_i), optionally through sigmoid_range(y_range).

    Parameters: ``user_factors [n_users, k]``, ``item_factors [n_items, k]`` and,
    when ``spec.has_bias``, ``user_bias [n_users]``, ``item_bias [n_items]``.
    """

    def __init__(self, spec: ModelSpec, params: Params) -> None:
        self.has_bias = spec.has_bias
        self.y_range = spec.y_range
        self.user_factors = nnx.Param(jnp.asarray(params["user_factors"], dtype=jnp.float32))
        self.item_factors = nnx.Param(jnp.asarray(params["item_factors"], dtype=jnp.float32))
        if spec.has_bias:
            self.user_bias = nnx.Param(jnp.asarray(params["user_bias"], dtype=jnp.float32))
            self.item_bias = nnx.Param(jnp.asarray(params["item_bias"], dtype=jnp.float32))

    def __call__(self, users: jax.Array, items: jax.Array) -> jax.Array:
        """Predicted ratings, shape [batch], for code arrays of shape [batch]."""
        out = jnp.sum(self.user_factors[...][users] * self.item_factors[...][items], axis=1)
        if self.has_bias:
            out = out + self.user_bias[...][users] + self.item_bias[...][items]
        if self.y_range is not None:
            out = sigmoid_range(out, *self.y_range)
        return out


def build_module(spec: ModelSpec, params: Params) -> nnx.Module:
    """The nnx module for ``spec``, initialised from canonical ``params``."""
    return DotProduct(spec, params)


def to_canonical(module: nnx.Module) -> Params:
    """The module's parameters as canonical float32 numpy arrays (copies)."""
    state = nnx.state(module, nnx.Param)
    return {
        ".".join(map(str, path)): np.array(jax.device_get(variable[...]), dtype=np.float32, copy=True)
        for path, variable in nnx.to_flat_state(state)
    }
