"""Bias ranking: the items (or users) the model likes least and most regardless of taste."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recsys_core.analysis._common import Trained, bias_of, check_side, names_of, rating_stats, selected_codes
from recsys_core.data.ratings import Ratings
from recsys_core.errors import DataError


@dataclass(frozen=True, kw_only=True, eq=False)
class BiasRanking:
    """Lowest and highest learned biases of one side.

    ``lowest`` and ``highest`` are DataFrames with columns ``name``, ``bias``,
    ``mean_rating`` and ``n_ratings`` (the last two NaN / 0 without ratings),
    ordered from the most extreme down.
    """

    side: str
    lowest: pd.DataFrame
    highest: pd.DataFrame
    top_rated: int | None


def bias_ranking(
    model: Trained, ratings: Ratings | None = None, *, side: str = "item", n: int = 15, top_rated: int | None = None
) -> BiasRanking:
    """The ``n`` lowest and highest biases of ``side``, beside mean rating and count from ``ratings``.

    ``top_rated`` restricts the ranking to the most-rated names (the book's top
    1000 movies; needs ``ratings``). A ``dot`` model has no biases: DataError.

    Example:
        >>> bias_ranking(model, ratings, n=5, top_rated=1000).lowest
    """
    check_side(side)
    bias = bias_of(model, side).astype(np.float64)
    if n < 1:
        raise DataError(f"n must be at least 1, got {n}")
    if ratings is not None:
        counts, means = rating_stats(model, ratings, side)
    else:
        counts = np.zeros(len(bias), dtype=np.int64)
        means = np.full(len(bias), np.nan)
    codes = selected_codes(model, ratings, side, top_rated)
    order = codes[np.lexsort((codes, bias[codes]))]

    def frame(chosen: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame({
            "name": names_of(model, side, chosen),
            "bias": bias[chosen],
            "mean_rating": means[chosen],
            "n_ratings": counts[chosen],
        })

    return BiasRanking(side=side, lowest=frame(order[:n]), highest=frame(order[::-1][:n]), top_rated=top_rated)
