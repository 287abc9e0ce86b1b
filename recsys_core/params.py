"""Canonical parameters: the framework-free layout every backend converts to and from.

A model's parameters are a ``dict[str, np.ndarray]`` (float32) with these names:

=================  ===================  ==============================
name               shape                models
=================  ===================  ==============================
``user_factors``   ``[n_users, k]``     dot, biased
``item_factors``   ``[n_items, k]``     dot, biased
``user_bias``      ``[n_users]``        biased
``item_bias``      ``[n_items]``        biased
=================  ===================  ==============================

Row 0 of every table belongs to the unknown (``#na#``) user or item.
Initial values are drawn here, in numpy, from the seed, so every backend
starts from identical weights.
"""

from __future__ import annotations

import numpy as np

from recsys_core.errors import ConfigError
from recsys_core.spec import ModelSpec

Params = dict[str, np.ndarray]

_INIT_STREAM = 0x1417


def param_shapes(spec: ModelSpec, n_users: int, n_items: int) -> dict[str, tuple[int, ...]]:
    """Canonical name -> shape for ``spec`` over tables of ``n_users`` and ``n_items`` rows."""
    shapes: dict[str, tuple[int, ...]] = {
        "user_factors": (n_users, spec.n_factors),
        "item_factors": (n_items, spec.n_factors),
    }
    if spec.has_bias:
        shapes["user_bias"] = (n_users,)
        shapes["item_bias"] = (n_items,)
    return shapes


def init_params(spec: ModelSpec, n_users: int, n_items: int, seed: int) -> Params:
    """Initial parameters: normal(0, ``spec.init_std``) float32, drawn in canonical-name order."""
    rng = np.random.default_rng([seed, _INIT_STREAM])
    return {
        name: (rng.standard_normal(shape, dtype=np.float32) * np.float32(spec.init_std))
        for name, shape in param_shapes(spec, n_users, n_items).items()
    }


def check_params(spec: ModelSpec, params: Params, n_users: int, n_items: int) -> None:
    """Raise ConfigError unless ``params`` has exactly the canonical names, shapes and float32 dtype."""
    expected = param_shapes(spec, n_users, n_items)
    missing = sorted(set(expected) - set(params))
    extra = sorted(set(params) - set(expected))
    if missing or extra:
        raise ConfigError(
            f"parameters do not match a {spec.kind!r} model: missing {missing or 'none'}, unexpected {extra or 'none'}"
        )
    for name, shape in expected.items():
        array = params[name]
        if tuple(array.shape) != shape or array.dtype != np.float32:
            raise ConfigError(
                f"parameter {name!r} should be float32 of shape {shape}, got {array.dtype} of shape {tuple(array.shape)}"
            )


def table_sizes(params: Params) -> tuple[int, int]:
    """(n_users, n_items) read off the factor tables."""
    return int(params["user_factors"].shape[0]), int(params["item_factors"].shape[0])
