"""Cosine nearest neighbours of an item or a user in factor space."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from recsys_core.analysis._common import Trained, check_side, factors_of, lookup, most_rated, names_of, rating_stats
from recsys_core.data.ratings import Ratings
from recsys_core.errors import DataError


def cosine_similarities(factors: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row of ``factors [n, k]`` with ``row [k]`` (0 for all-zero rows)."""
    f = np.asarray(factors, dtype=np.float64)
    r = np.asarray(row, dtype=np.float64)
    norms = np.linalg.norm(f, axis=1) * np.linalg.norm(r)
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where(norms > 0, f @ r / np.where(norms > 0, norms, 1.0), 0.0)
    return sim


def most_similar(
    model: Trained,
    name: Any,
    *,
    side: str = "item",
    n: int = 10,
    ratings: Ratings | None = None,
    min_ratings: int = 0,
    top_rated: int | None = None,
) -> pd.DataFrame:
    """The ``n`` names of ``side`` whose factors are closest (cosine) to those of ``name``, itself excluded.

    With ``ratings``, candidates can be limited to those rated at least
    ``min_ratings`` times or to the ``top_rated`` most-rated ones, and the
    result gains ``mean_rating`` and ``n_ratings`` columns. Unknown ``name``:
    DataError with close matches.

    Example:
        >>> most_similar(model, "Silence of the Lambs, The (1991)", n=5)
    """
    check_side(side)
    if n < 1:
        raise DataError(f"n must be at least 1, got {n}")
    code = lookup(model, side, name)
    table = factors_of(model, side)
    sim = cosine_similarities(table, table[code])
    candidates = np.ones(len(table), dtype=bool)
    candidates[[0, code]] = False
    if (min_ratings or top_rated is not None) and ratings is None:
        raise DataError("min_ratings and top_rated need ratings to count how often each name was rated")
    counts = means = None
    if ratings is not None:
        counts, means = rating_stats(model, ratings, side)
        candidates &= counts >= min_ratings
        if top_rated is not None:
            keep = np.zeros(len(table), dtype=bool)
            keep[most_rated(model, ratings, side, top_rated)] = True
            candidates &= keep
    codes = np.flatnonzero(candidates)
    chosen = codes[np.lexsort((codes, -sim[codes]))][:n]
    frame = pd.DataFrame({"name": names_of(model, side, chosen), "similarity": sim[chosen]})
    if counts is not None and means is not None:
        frame["mean_rating"] = means[chosen]
        frame["n_ratings"] = counts[chosen]
    return frame
