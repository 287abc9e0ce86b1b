"""PCA of factor tables: principal components by numpy SVD and the names at each end of a component."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recsys_core.analysis._common import Trained, check_side, factors_of, names_of, selected_codes
from recsys_core.data.ratings import Ratings
from recsys_core.errors import DataError


@dataclass(frozen=True, kw_only=True, eq=False)
class PCAResult:
    """The first ``k`` principal components of ``n`` rows.

    ``scores [n, k]`` (centred rows projected on the components), ``components
    [k, f]`` (unit vectors), ``explained [k]`` (share of the total variance),
    ``names [n]`` and ``codes [n]`` of the rows (codes -1 when not from a model).
    """

    scores: np.ndarray
    components: np.ndarray
    explained: np.ndarray
    names: np.ndarray
    codes: np.ndarray
    side: str = "item"
    label: str = "factors"

    def axis_label(self, c: int) -> str:
        """``"PC1 (12.3% of variance)"`` for component index ``c`` (0-based)."""
        return f"PC{c + 1} ({100 * self.explained[c]:.1f}% of variance)"


def pca_matrix(x: np.ndarray, k: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scores ``[n, k]``, components ``[k, f]``, explained variance ratio ``[k]``) of centred ``x [n, f]``.

    Signs are fixed so each component's largest-magnitude loading is positive (deterministic across runs).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise DataError(f"PCA needs a 2-d matrix with at least 2 rows, got shape {x.shape}")
    if not 1 <= k <= min(x.shape):
        raise DataError(f"k={k} components asked of a {x.shape[0]}x{x.shape[1]} matrix; k must lie in 1..{min(x.shape)}")
    centred = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    components = vt[:k]
    flip = np.sign(components[np.arange(k), np.argmax(np.abs(components), axis=1)])
    components = components * flip[:, None]
    total = float((s**2).sum())
    explained = (s[:k] ** 2) / total if total > 0 else np.zeros(k)
    return centred @ components.T, components, explained


def factor_pca(
    model: Trained, ratings: Ratings | None = None, *, side: str = "item", k: int = 3, top_rated: int | None = None
) -> PCAResult:
    """PCA of the factors of ``side``, over the ``top_rated`` most-rated names (needs ``ratings``) or all of them.

    Example:
        >>> result = factor_pca(model, ratings, top_rated=1000)
        >>> pca_extremes(result, n=10)
    """
    check_side(side)
    codes = selected_codes(model, ratings, side, top_rated)
    scores, components, explained = pca_matrix(factors_of(model, side)[codes], k)
    return PCAResult(scores=scores, components=components, explained=explained,
                     names=names_of(model, side, codes), codes=codes, side=side)


def matrix_pca(x: np.ndarray, names: np.ndarray, codes: np.ndarray, *, k: int = 3, side: str = "item",
               label: str = "factors") -> PCAResult:
    """PCA of any row matrix ``x [n, f]`` with row ``names`` and ``codes`` (e.g. the L or S of robust PCA)."""
    scores, components, explained = pca_matrix(x, k)
    return PCAResult(scores=scores, components=components, explained=explained, names=np.asarray(names),
                     codes=np.asarray(codes), side=side, label=label)


def pca_extremes(result: PCAResult, n: int = 10) -> pd.DataFrame:
    """The ``n`` rows with the lowest and highest score on each component.

    Columns: ``component`` (1-based), ``end`` ("low"/"high"), ``rank`` (1 = most extreme), ``name``, ``score``.
    """
    if n < 1:
        raise DataError(f"n must be at least 1, got {n}")
    frames = []
    for c in range(result.scores.shape[1]):
        score = result.scores[:, c]
        order = np.lexsort((np.arange(len(score)), score))
        for end, chosen in (("low", order[:n]), ("high", order[::-1][:n])):
            frames.append(pd.DataFrame({
                "component": c + 1, "end": end, "rank": np.arange(1, len(chosen) + 1),
                "name": result.names[chosen], "score": score[chosen],
            }))
    return pd.concat(frames, ignore_index=True)
