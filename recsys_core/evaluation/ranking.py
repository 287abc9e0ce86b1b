"""Top-k recommendation lists with seen-item exclusion, and the ranking metrics computed from them.

The candidates of a user are every catalog item except those the user rated in
TRAIN; a recommended item is relevant when the user's TEST rating of it is at
least ``threshold``. Scores are computed for a chunk of users at a time, so a
large catalog never needs a full users x items matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from recsys_core.data.ratings import Ratings
from recsys_core.errors import ConfigError
from recsys_core.splits import Split

#: Scores for parallel int32 (user code, item code) arrays, e.g. ``Model.predict_codes``.
Scorer = Callable[[np.ndarray, np.ndarray], np.ndarray]

#: Most (user, item) scores held at once while ranking.
CHUNK_CELLS = 1 << 21


@dataclass(frozen=True, kw_only=True, eq=False)
class TopK:
    """Top-``k`` lists of the users with test ratings.

    ``items`` int32 [U, k] (0 where a user has fewer than k candidates), ``hits``
    bool [U, k] (the item is relevant), ``n_relevant`` int64 [U] (relevant test
    items per user), ``n_catalog`` the number of catalog items (without #na#).
    """

    users: np.ndarray
    items: np.ndarray
    hits: np.ndarray
    n_relevant: np.ndarray
    n_catalog: int
    k: int

    @property
    def evaluable(self) -> np.ndarray:
        """Mask [U] of users with at least one relevant test item: the ones per-user metrics average over."""
        return self.n_relevant > 0

    def take(self, rows: np.ndarray) -> TopK:
        """The lists of rows ``rows`` (repeats allowed: a bootstrap resample of users)."""
        return TopK(users=self.users[rows], items=self.items[rows], hits=self.hits[rows],
                    n_relevant=self.n_relevant[rows], n_catalog=self.n_catalog, k=self.k)

    @staticmethod
    def concat(parts: list[TopK]) -> TopK:
        """The lists of several evaluations (e.g. folds) stacked as one set of rows; same k and catalog."""
        first = parts[0]
        if any(p.k != first.k or p.n_catalog != first.n_catalog for p in parts):
            raise ConfigError("top-k lists to stack must share k and the catalog size")
        return TopK(users=np.concatenate([p.users for p in parts]), items=np.concatenate([p.items for p in parts]),
                    hits=np.concatenate([p.hits for p in parts]),
                    n_relevant=np.concatenate([p.n_relevant for p in parts]), n_catalog=first.n_catalog, k=first.k)


def _keys(users: np.ndarray, items: np.ndarray, n_items: int) -> np.ndarray:
    return users.astype(np.int64) * n_items + items.astype(np.int64)


def top_k(
    scorer: Scorer, ratings: Ratings, split: Split, *, k: int = 10, threshold: float = 4.0,
    chunk_cells: int = CHUNK_CELLS,
) -> TopK:
    """Rank every candidate item for each user of ``split.valid`` and keep the best ``k``.

    Within the top k, equal scores are ordered by item code.
    """
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"k must be a positive integer, got {k!r}")
    n_items = ratings.n_items
    users = np.unique(ratings.users[split.valid]).astype(np.int32)
    train_keys = np.sort(_keys(ratings.users[split.train], ratings.items[split.train], n_items))
    valid = split.valid[ratings.ratings[split.valid] >= threshold]
    relevant_keys = np.unique(_keys(ratings.users[valid], ratings.items[valid], n_items))
    n_relevant = np.bincount(ratings.users[valid], minlength=ratings.n_users)[users].astype(np.int64)

    catalog = np.arange(1, n_items, dtype=np.int32)
    kk = min(int(k), len(catalog))
    out = np.zeros((len(users), int(k)), dtype=np.int32)
    per_chunk = max(1, chunk_cells // max(len(catalog), 1))
    for start in range(0, len(users), per_chunk):  # loops over chunks of users, not over ratings
        chunk = users[start:start + per_chunk]
        scores = np.asarray(
            scorer(np.repeat(chunk, len(catalog)), np.tile(catalog, len(chunk))), dtype=np.float64
        ).reshape(len(chunk), len(catalog))
        lo, hi = np.searchsorted(train_keys, [int(chunk[0]) * n_items, (int(chunk[-1]) + 1) * n_items])
        seen = train_keys[lo:hi]
        seen_users = seen // n_items
        seen_rows = np.searchsorted(chunk, seen_users).clip(max=len(chunk) - 1)
        mine = chunk[seen_rows] == seen_users  # train users without test ratings fall between chunk users
        scores[seen_rows[mine], seen[mine] % n_items - 1] = -np.inf
        scores[np.isnan(scores)] = -np.inf
        # best kk by argpartition, then ordered by (score desc, item asc) within those kk
        if kk < len(catalog):
            part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
        else:
            part = np.broadcast_to(np.arange(len(catalog)), scores.shape)
        order = np.lexsort((part, -np.take_along_axis(scores, part, axis=1)), axis=1)
        best = np.take_along_axis(part, order, axis=1)
        picked = catalog[best]
        picked[~np.isfinite(np.take_along_axis(scores, best, axis=1))] = 0
        out[start:start + len(chunk), :kk] = picked
    hits = np.isin(_keys(np.repeat(users, out.shape[1]).reshape(out.shape), out, n_items), relevant_keys) & (out > 0)
    return TopK(users=users, items=out, hits=hits, n_relevant=n_relevant, n_catalog=len(catalog), k=int(k))


def _per_user_mean(values: np.ndarray, topk: TopK) -> float:
    mask = topk.evaluable
    return float(np.mean(values[mask])) if mask.any() else float("nan")


def precision_at_k(topk: TopK) -> float:
    """Relevant items among the top k, divided by k; averaged over users with a relevant test item."""
    return _per_user_mean(topk.hits.sum(axis=1) / topk.k, topk)


def recall_at_k(topk: TopK) -> float:
    """Relevant items among the top k, divided by the user's relevant test items."""
    return _per_user_mean(topk.hits.sum(axis=1) / np.maximum(topk.n_relevant, 1), topk)


def hit_rate_at_k(topk: TopK) -> float:
    """Share of users with at least one relevant item in their top k."""
    return _per_user_mean(topk.hits.any(axis=1).astype(np.float64), topk)


def ndcg_at_k(topk: TopK) -> float:
    """Binary-relevance NDCG@k: sum(hit_i / log2(i + 2)) over the ideal order's value."""
    discount = 1.0 / np.log2(np.arange(topk.k) + 2.0)
    dcg = topk.hits @ discount
    ideal = np.concatenate(([0.0], np.cumsum(discount)))[np.minimum(topk.n_relevant, topk.k)]
    return _per_user_mean(dcg / np.where(ideal > 0, ideal, 1.0), topk)


def map_at_k(topk: TopK) -> float:
    """Mean average precision@k: sum of precision@i at each hit i, over min(relevant, k)."""
    hits = topk.hits.astype(np.float64)
    precision_i = np.cumsum(hits, axis=1) / np.arange(1, topk.k + 1)
    ap = (precision_i * hits).sum(axis=1) / np.maximum(np.minimum(topk.n_relevant, topk.k), 1)
    return _per_user_mean(ap, topk)


def coverage_at_k(topk: TopK) -> float:
    """Catalog coverage: distinct items recommended in any top-k list, over the catalog size."""
    recommended = np.unique(topk.items[topk.items > 0])
    return len(recommended) / topk.n_catalog if topk.n_catalog else float("nan")
