"""Cold start: fold a new user in from a few ratings (ridge solve against frozen item factors), or average taste."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.analysis._common import Trained, lookup
from recsys_core.analysis.recommend import score_user, top_n
from recsys_core.errors import DataError
from recsys_core.params import Params, member_view
from recsys_core.spec import ModelSpec


@dataclass(frozen=True, kw_only=True, eq=False)
class FoldedUser:
    """A user vector ``factors [k]`` and ``bias`` for the model, fitted from ``items`` (codes) or the average taste."""

    factors: np.ndarray
    bias: float | np.ndarray  # one per member for an ensemble
    items: np.ndarray
    ratings: np.ndarray

    @property
    def is_average(self) -> bool:
        """Whether this is the average-taste profile (no ratings)."""
        return len(self.items) == 0


def average_user(model: Trained) -> FoldedUser:
    """The "average taste" profile: mean of the known users' factors and biases."""
    params = model.params
    factors = params["user_factors"][1:].astype(np.float64).mean(axis=0)
    bias: float | np.ndarray = 0.0
    if model.spec.has_bias:
        means = params["user_bias"][1:].astype(np.float64).mean(axis=0)
        bias = float(means) if means.ndim == 0 else means
    return FoldedUser(factors=factors, bias=bias, items=np.zeros(0, np.int64), ratings=np.zeros(0))


def _pairs(model: Trained, rated: Mapping[Any, float] | Iterable[tuple[Any, float]] | pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(rated, pd.DataFrame):
        if rated.shape[1] < 2:
            raise DataError("a frame of new-user ratings needs an item column and a rating column")
        names, values = rated.iloc[:, 0].tolist(), rated.iloc[:, 1].tolist()
    else:
        pairs = list(rated.items()) if isinstance(rated, Mapping) else list(rated)
        if any(not isinstance(p, (tuple, list)) or len(p) != 2 for p in pairs):
            raise DataError("new-user ratings must be (item, rating) pairs")
        names, values = [p[0] for p in pairs], [p[1] for p in pairs]
    if not names:
        raise DataError("no ratings were given to fold in; pass at least one (item, rating) pair or use average_user()")
    codes = np.array([lookup(model, "item", name) for name in names], dtype=np.int64)
    try:
        values_arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"new-user ratings must be numbers, got {values!r}") from None
    if not np.isfinite(values_arr).all():
        raise DataError("new-user ratings must be finite numbers")
    return codes, values_arr


def fold_in_user(
    model: Trained,
    rated: Mapping[Any, float] | Iterable[tuple[Any, float]] | pd.DataFrame,
    *,
    l2: float = 3.0,
    eps: float = 1e-3,
    refine: int = 5,
) -> FoldedUser:
    """Fit a new user's factors and bias to ``rated`` (item -> rating) without retraining.

    Ratings go to the model's linear scale (the logit of
    clip((r - lo) / (hi - lo), eps, 1 - eps) under y_range (lo, hi), else as
    they are), then the ridge system [item_factors, 1] w = target - item_bias
    is solved, pulled toward the average-taste profile with strength ``l2``.
    Under y_range, ``refine`` Gauss-Newton steps then minimise the same ridge
    objective on the rating scale (the training loss), which the logit fit only approximates.
    An ensemble's members start from their own ridge solves and are then
    refined together, so that their mean prediction fits the ratings.
    No ratings (empty list): DataError; unknown items: DataError with close matches.

    Example:
        >>> user = fold_in_user(model, {"Star Wars (1977)": 5, "Titanic (1997)": 2})
        >>> recommend_folded(model, user, n=10)
    """
    if l2 < 0:
        raise DataError(f"l2 must be >= 0, got {l2}")
    if model.spec.kind not in ("dot", "biased") or getattr(model.spec, "loss", "mse") != "mse":
        raise DataError(
            f"fold-in solves for a user of a dot or biased model trained with mse; this model is "
            f"{model.spec.kind!r} with loss {getattr(model.spec, 'loss', 'mse')!r}"
        )
    codes, values = _pairs(model, rated)
    spec, prior_user = model.spec, average_user(model)
    k, members = spec.n_factors, getattr(spec, "members", 1)
    one = dataclasses.replace(spec, members=1)
    designs, priors, ws = [], [], []
    for m in range(members):
        a, offset = _design(one, member_view(spec, model.params, m), codes)
        prior = prior_user.factors[m * k : (m + 1) * k]
        if spec.has_bias:
            prior = np.append(prior, np.reshape(prior_user.bias, -1)[m])
        designs.append((a, offset))
        priors.append(prior)
        ws.append(_ridge(a, _linear_target(spec, values, eps) - offset, prior, l2))
    w, prior = np.concatenate(ws), np.concatenate(priors)
    if spec.y_range is not None or members > 1:
        # Gauss-Newton on the training loss: the rating scale, the members' mean prediction
        lo, hi = spec.y_range if spec.y_range is not None else (0.0, 1.0)
        width = designs[0][0].shape[1]
        for _ in range(max(refine, 0)):
            preds, jacs = [], []
            for m, (a, offset) in enumerate(designs):
                z = a @ w[m * width : (m + 1) * width] + offset
                if spec.y_range is None:
                    preds.append(z)
                    jacs.append(a / members)
                else:
                    sig = 1.0 / (1.0 + np.exp(-z))
                    preds.append(lo + (hi - lo) * sig)
                    jacs.append(a * ((hi - lo) * sig * (1 - sig) / members)[:, None])
            jac, residual = np.hstack(jacs), values - np.mean(preds, axis=0)
            w = w + np.linalg.lstsq(jac.T @ jac + l2 * np.eye(len(w)), jac.T @ residual - l2 * (w - prior),
                                    rcond=None)[0]
    parts = w.reshape(members, -1)
    factors = (parts[:, :-1] if spec.has_bias else parts).reshape(-1)
    bias: float | np.ndarray = 0.0
    if spec.has_bias:
        bias = float(parts[0, -1]) if members == 1 else parts[:, -1].copy()
    return FoldedUser(factors=factors, bias=bias, items=codes, ratings=values)


def _linear_target(spec: ModelSpec, values: np.ndarray, eps: float) -> np.ndarray:
    """Ratings on the model's linear scale: the logit of the clipped position in y_range, else as they are."""
    if spec.y_range is None:
        return values.copy()
    lo, hi = spec.y_range
    p = np.clip((values - lo) / (hi - lo), eps, 1 - eps)
    return np.log(p / (1 - p))


def _design(spec: ModelSpec, params: Params, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray | float]:
    """One model's linear system for a user: rows [item_factors, 1] (bias) and the item-bias offset."""
    a = params["item_factors"][codes].astype(np.float64)
    if not spec.has_bias:
        return a, 0.0
    return np.hstack([a, np.ones((len(codes), 1))]), params["item_bias"][codes].astype(np.float64)


def _ridge(a: np.ndarray, target: np.ndarray, prior: np.ndarray, l2: float) -> np.ndarray:
    """argmin ||a w - target||^2 + l2 ||w - prior||^2, i.e. (a'a + l2 I) w = a' target + l2 prior."""
    return np.linalg.lstsq(a.T @ a + l2 * np.eye(a.shape[1]), a.T @ target + l2 * prior, rcond=None)[0]


def predict_folded(model: Trained, user: FoldedUser, items: Iterable[Any]) -> np.ndarray:
    """Predicted ratings (float64) of a folded-in user for item names."""
    codes = np.array([lookup(model, "item", name) for name in items], dtype=np.int64)
    return score_user(model, user.factors, user.bias)[codes]


def recommend_folded(model: Trained, user: FoldedUser, *, n: int = 10) -> pd.DataFrame:
    """Top-``n`` items for a folded-in (or average) user, the items they rated excluded."""
    return top_n(model, score_user(model, user.factors, user.bias), n=n, exclude=user.items)


def recommend_new_user(
    model: Trained,
    rated: Mapping[Any, float] | Iterable[tuple[Any, float]] | pd.DataFrame | None = None,
    *,
    n: int = 10,
    l2: float = 3.0,
) -> pd.DataFrame:
    """Top-``n`` items for a new user given as (item, rating) pairs, or the average taste when ``rated`` is None."""
    user = average_user(model) if rated is None else fold_in_user(model, rated, l2=l2)
    return recommend_folded(model, user, n=n)
