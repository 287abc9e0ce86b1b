"""A float64 numpy forward pass of every model kind: the oracle backends are checked against.

Also what backend-free code (analysis, accuracy of the most likely level) uses
to score canonical parameters. BatchNorm runs in inference mode (running
statistics), dropout is off.
"""

from __future__ import annotations

import numpy as np

from recsys_core.params import Params
from recsys_core.spec import ModelSpec

BN_EPS = 1e-5


def _p(params: Params, name: str) -> np.ndarray:
    return np.asarray(params[name], np.float64)


def _mlp(spec: ModelSpec, params: Params, x: np.ndarray, *, batchnorm: bool) -> np.ndarray:
    for j in range(len(spec.layers)):
        x = x @ _p(params, f"mlp.{j}.weight").T
        if not batchnorm:
            x = x + _p(params, f"mlp.{j}.bias")
        x = np.maximum(x, 0.0)
        if batchnorm:
            mean, var = _p(params, f"mlp.{j}.bn.running_mean"), _p(params, f"mlp.{j}.bn.running_var")
            x = (x - mean) / np.sqrt(var + BN_EPS) * _p(params, f"mlp.{j}.bn.weight") + _p(params, f"mlp.{j}.bn.bias")
    return x


def reference_outputs(spec: ModelSpec, params: Params, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Raw model outputs [n, n_outputs] before sigmoid_range / softmax, in float64 (an ensemble's: [n, members])."""
    users, items = np.asarray(users), np.asarray(items)
    u, v = _p(params, "user_factors")[users], _p(params, "item_factors")[items]
    if spec.kind in ("dot", "biased"):
        members = spec.members
        k = u.shape[1] // members
        score = np.einsum("imk,imk->im", u.reshape(len(u), members, k), v.reshape(len(v), members, k))
        if spec.has_bias:
            bu, bi = _p(params, "user_bias")[users], _p(params, "item_bias")[items]
            score = score + bu.reshape(len(bu), members) + bi.reshape(len(bi), members)
        if members > 1:
            return score
        score = score[:, 0]
        if spec.loss == "cross_entropy":
            return score[:, None] * _p(params, "level_weight") + _p(params, "level_bias")
        return score[:, None]
    if spec.kind == "neural":
        hidden = _mlp(spec, params, np.concatenate([u, v], axis=1), batchnorm=spec.batchnorm)
    else:  # neumf
        mlp_in = np.concatenate([_p(params, "user_mlp")[users], _p(params, "item_mlp")[items]], axis=1)
        hidden = np.concatenate([u * v, _mlp(spec, params, mlp_in, batchnorm=False)], axis=1)
    return hidden @ _p(params, "head.weight").T + _p(params, "head.bias")


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def reference_predict(spec: ModelSpec, params: Params, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Predicted ratings (float64): sigmoid_range(y_range) of the output, or the expected level under cross-entropy;
    an ensemble's members are averaged after sigmoid_range.

    Example:
        >>> reference_predict(spec, params, np.array([1]), np.array([2]))
    """
    out = reference_outputs(spec, params, users, items)
    if spec.loss == "cross_entropy":
        return softmax(out) @ np.asarray(spec.levels, np.float64)
    if spec.y_range is not None:
        low, high = spec.y_range
        out = low + (high - low) / (1.0 + np.exp(-out))
    return out.mean(axis=1)


def reference_levels(spec: ModelSpec, params: Params, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    """The most likely rating level of a cross-entropy model (float64)."""
    out = reference_outputs(spec, params, users, items)
    return np.asarray(spec.levels, np.float64)[out.argmax(axis=1)]
