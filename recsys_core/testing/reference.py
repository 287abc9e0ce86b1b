"""A float64 numpy forward pass of the core's models: the oracle backends are checked against."""

from __future__ import annotations

import numpy as np

from recsys_core.params import Params
from recsys_core.spec import ModelSpec


def reference_predict(spec: ModelSpec, params: Params, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Predictions of ``spec`` with canonical ``params`` for code arrays, computed in float64.

    Example:
        >>> reference_predict(spec, params, np.array([1]), np.array([2]))
    """
    u = np.asarray(params["user_factors"], np.float64)[users]
    v = np.asarray(params["item_factors"], np.float64)[items]
    out = np.einsum("ij,ij->i", u, v)
    if spec.has_bias:
        out = out + np.asarray(params["user_bias"], np.float64)[users] + np.asarray(params["item_bias"], np.float64)[items]
    if spec.y_range is not None:
        low, high = spec.y_range
        out = low + (high - low) / (1.0 + np.exp(-out))
    return out
