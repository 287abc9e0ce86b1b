"""Top-N recommendations for a known user (or any user vector), seen items excluded, scored in numpy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from recsys_core.analysis._common import Trained, lookup, side_codes
from recsys_core.data.ratings import Ratings
from recsys_core.errors import DataError
from recsys_core.testing.reference import reference_predict


def score_user(model: Trained, user_factors: np.ndarray, user_bias: float | np.ndarray = 0.0) -> np.ndarray:
    """Predicted rating ``[n_items]`` (float64, code 0 NaN) of every item for one user vector and bias
    (an ensemble's: every member's factors side by side, one bias per member).

    Every other parameter (item tables, MLP, output levels) is the model's own,
    so any kind the numpy reference forward pass knows can be scored.
    """
    params = model.params
    k = params["user_factors"].shape[1]
    vector = np.asarray(user_factors, dtype=np.float64).reshape(-1)
    if vector.shape != (k,):
        raise DataError(f"a user vector must have {k} factors, got {vector.shape[0]}")
    one = dict(params)
    one["user_factors"] = vector[None, :]
    if "user_bias" in params:
        shape = (1, *params["user_bias"].shape[1:])
        one["user_bias"] = np.broadcast_to(np.asarray(user_bias, dtype=np.float64), shape[1:]).reshape(shape)
    n_items = params["item_factors"].shape[0]
    scores = reference_predict(model.spec, one, np.zeros(n_items, dtype=np.int64), np.arange(n_items))
    scores[0] = np.nan
    return scores


def user_scores(model: Trained, code: int) -> np.ndarray:
    """Predicted rating ``[n_items]`` (float64, code 0 NaN) of every item for the known user ``code``."""
    n_items = model.params["item_factors"].shape[0]
    scores = reference_predict(model.spec, model.params, np.full(n_items, code, dtype=np.int64), np.arange(n_items))
    scores[0] = np.nan
    return scores


def seen_items(model: Trained, ratings: Ratings, user_code: int) -> np.ndarray:
    """Model item codes the model's user ``user_code`` rated in ``ratings`` (names matched across vocabularies)."""
    users = side_codes(model, ratings, "user")
    items = side_codes(model, ratings, "item")
    return np.unique(items[(users == user_code) & (items > 0)])


def top_n(model: Trained, scores: np.ndarray, *, n: int = 10, exclude: np.ndarray | None = None) -> pd.DataFrame:
    """The ``n`` best-scored items (columns ``item``, ``score``), skipping code 0 and the codes in ``exclude``."""
    if n < 1:
        raise DataError(f"n must be at least 1, got {n}")
    allowed = np.isfinite(scores)
    allowed[0] = False
    if exclude is not None and len(exclude):
        allowed[np.asarray(exclude, dtype=np.int64)] = False
    codes = np.flatnonzero(allowed)
    chosen = codes[np.lexsort((codes, -scores[codes]))][:n]
    return pd.DataFrame({"item": model.item_vocab.decode(chosen), "score": scores[chosen]})


def recommend(model: Trained, user: Any, *, n: int = 10, exclude: Ratings | None = None) -> pd.DataFrame:
    """Top-``n`` items for the known ``user``, excluding the items they rated in ``exclude``.

    Scores are predicted ratings from the numpy reference forward pass
    (float64), so no backend is needed. Unknown ``user``: DataError with close matches.

    Example:
        >>> recommend(model, 42, n=10, exclude=ratings)
    """
    code = lookup(model, "user", user)
    scores = user_scores(model, code)
    seen = seen_items(model, exclude, code) if exclude is not None else None
    return top_n(model, scores, n=n, exclude=seen)
