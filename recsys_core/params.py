"""Canonical parameters: the framework-free layout every backend converts to and from.

A model's state is a ``dict[str, np.ndarray]`` (float32). Linear weights are
``[out, in]`` (torch's layout). Row 0 of every embedding table belongs to the
unknown (``#na#``) user or item.

====================================  ===========================  ======================
name                                  shape                        models
====================================  ===========================  ======================
``user_factors``, ``item_factors``    ``[n, k]`` / ``[n, d]``      all (GMF tower in neumf)
``user_bias``, ``item_bias``          ``[n]``                      biased
``user_factors``, ``item_factors``    ``[n, M * k]``               dot/biased, ``members=M > 1``
``user_bias``, ``item_bias``          ``[n, M]``                   biased, ``members=M > 1``
``level_weight``, ``level_bias``      ``[L]``                      dot/biased, cross-entropy
``user_mlp``, ``item_mlp``            ``[n, layers[0] // 2]``      neumf (MLP tower)
``mlp.{j}.weight``                    ``[out, in]``                neural, neumf
``mlp.{j}.bias``                      ``[out]``                    neumf; neural without BatchNorm
``mlp.{j}.bn.weight|bias``            ``[out]``                    neural with BatchNorm
``mlp.{j}.bn.running_mean|var``       ``[out]``                    neural with BatchNorm (not trained)
``head.weight``, ``head.bias``        ``[L or 1, in]``, ``[L or 1]``  neural, neumf
====================================  ===========================  ======================

Member ``m`` of an ensemble owns columns ``m * k .. (m + 1) * k - 1`` of the
factor tables and column ``m`` of the biases (:func:`member_view`).

Initial values are drawn here, in numpy, from the seed, so every backend
starts from identical weights: embeddings normal(0, ``init_std``), Linear
layers uniform(+-1/sqrt(fan_in)) (PyTorch's default), BatchNorm weight 1 and
bias 0, running mean 0 and variance 1.
"""

from __future__ import annotations

import numpy as np

from recsys_core.errors import ConfigError
from recsys_core.spec import ModelSpec

Params = dict[str, np.ndarray]

_INIT_STREAM = 0x1417
_BUFFER_SUFFIXES = (".running_mean", ".running_var")


def emb_size_rule(n: int) -> int:
    """fastai's embedding size heuristic: min(600, round(1.6 * n ** 0.56))."""
    return int(min(600, round(1.6 * n**0.56)))


def embedding_sizes(spec: ModelSpec, n_users: int, n_items: int) -> tuple[int, int]:
    """(user, item) embedding widths of a ``neural`` model: ``spec.emb_sizes`` or fastai's rule."""
    return spec.emb_sizes or (emb_size_rule(n_users), emb_size_rule(n_items))


def _mlp_shapes(spec: ModelSpec, n_in: int, *, batchnorm: bool) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}
    for j, n_out in enumerate(spec.layers):
        shapes[f"mlp.{j}.weight"] = (n_out, n_in)
        if batchnorm:
            for part in ("weight", "bias", "running_mean", "running_var"):
                shapes[f"mlp.{j}.bn.{part}"] = (n_out,)
        else:
            shapes[f"mlp.{j}.bias"] = (n_out,)
        n_in = n_out
    shapes["head.weight"] = (spec.n_outputs, n_in)
    shapes["head.bias"] = (spec.n_outputs,)
    return shapes


def param_shapes(spec: ModelSpec, n_users: int, n_items: int) -> dict[str, tuple[int, ...]]:
    """Canonical name -> shape for ``spec`` over tables of ``n_users`` and ``n_items`` rows."""
    if spec.loss == "cross_entropy" and not spec.levels:
        raise ConfigError("a cross-entropy model needs its rating levels; fit() fills them in from the data")
    if spec.kind in ("dot", "biased"):
        members = spec.members
        shapes: dict[str, tuple[int, ...]] = {
            "user_factors": (n_users, members * spec.n_factors),
            "item_factors": (n_items, members * spec.n_factors),
        }
        if spec.has_bias:
            shapes["user_bias"] = (n_users,) if members == 1 else (n_users, members)
            shapes["item_bias"] = (n_items,) if members == 1 else (n_items, members)
        if spec.loss == "cross_entropy":
            shapes["level_weight"] = (spec.n_outputs,)
            shapes["level_bias"] = (spec.n_outputs,)
        return shapes
    if spec.kind == "neural":
        du, di = embedding_sizes(spec, n_users, n_items)
        return {"user_factors": (n_users, du), "item_factors": (n_items, di),
                **_mlp_shapes(spec, du + di, batchnorm=spec.batchnorm)}
    # neumf: GMF tower of n_factors, MLP tower over concatenated embeddings of layers[0] // 2 each
    half = spec.layers[0] // 2
    shapes = {
        "user_factors": (n_users, spec.n_factors), "item_factors": (n_items, spec.n_factors),
        "user_mlp": (n_users, half), "item_mlp": (n_items, half),
    }
    mlp = _mlp_shapes(spec, 2 * half, batchnorm=False)
    mlp["head.weight"] = (spec.n_outputs, spec.n_factors + spec.layers[-1])
    return {**shapes, **mlp}


def member_view(spec: ModelSpec, params: Params, member: int) -> Params:
    """The parameters of ensemble member ``member`` as a one-member model's (views, no copies)."""
    if not 0 <= member < spec.members:
        raise ConfigError(f"member must lie in [0, {spec.members}), got {member}")
    if spec.members == 1:
        return dict(params)
    k = spec.n_factors
    view: Params = {}
    for name, array in params.items():
        if name.endswith("_factors"):
            view[name] = array[:, member * k : (member + 1) * k]
        elif name.endswith("_bias"):
            view[name] = array[:, member]
        else:
            view[name] = array
    return view


def table_side(name: str) -> str | None:
    """``"user"`` or ``"item"`` for an embedding table indexed by user or item code (``user_factors``,
    ``item_bias``, ``user_mlp``...), None for any other parameter (Linear layers, level calibration)."""
    for prefix, side in (("user_", "user"), ("item_", "item")):
        if name.startswith(prefix) and "." not in name:
            return side
    return None


def is_buffer(name: str) -> bool:
    """Running statistics: part of the state and the checkpoint, but not trained."""
    return name.endswith(_BUFFER_SUFFIXES)


def is_decayed(name: str) -> bool:
    """Whether weight decay applies: not to Linear biases, BatchNorm parameters or level calibration.

    As fastai's default ``wd_bn_bias=False``; embedding tables (biases included) are decayed.
    """
    if is_buffer(name) or name.startswith("level_"):
        return False
    return not (name.endswith(".bias") or ".bn." in name)


def _fan_in_uniform(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    bound = np.float32(1.0 / np.sqrt(fan_in))
    return (rng.random(shape, dtype=np.float32) * 2 - 1) * bound


def init_params(spec: ModelSpec, n_users: int, n_items: int, seed: int) -> Params:
    """Initial parameters in canonical-name order, all float32, from ``seed``."""
    rng = np.random.default_rng([seed, _INIT_STREAM])
    params: Params = {}
    shapes = param_shapes(spec, n_users, n_items)
    fan_in = {name.rsplit(".", 1)[0]: shape[1] for name, shape in shapes.items() if name.endswith(".weight") and len(shape) == 2}
    for name, shape in shapes.items():
        layer = name.rsplit(".", 1)[0]
        if name.endswith(".bn.weight") or name.endswith(".running_var"):
            params[name] = np.ones(shape, np.float32)
        elif name.endswith((".bn.bias", ".running_mean")) or name == "level_bias":
            params[name] = np.zeros(shape, np.float32)
        elif name == "level_weight":
            params[name] = np.linspace(-1.0, 1.0, shape[0], dtype=np.float32)
        elif name.startswith(("mlp.", "head.")):
            params[name] = _fan_in_uniform(rng, shape, fan_in[layer])
        else:
            params[name] = rng.standard_normal(shape, dtype=np.float32) * np.float32(spec.init_std)
    return params


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


def level_targets(levels: tuple[float, ...], ratings: np.ndarray) -> np.ndarray:
    """Index of each rating among ``levels`` (int32), for cross-entropy; ConfigError for an off-level rating."""
    table = np.asarray(levels, dtype=np.float64)
    index = np.clip(np.searchsorted(table, ratings), 0, len(table) - 1)
    bad = np.flatnonzero(np.abs(table[index] - ratings) > 1e-6)
    if bad.size:
        raise ConfigError(f"rating {float(ratings[bad[0]])} is not one of the levels {list(levels)}; "
                          "cross-entropy needs ratings on a fixed scale")
    return index.astype(np.int32)
