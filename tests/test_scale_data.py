"""The lean data path and evaluation at scale: scale data sets, float32 CSV loading, chunked top-k."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recsys_core.data import load_file, synthetic
from recsys_core.data.catalog import ML25M_ITEMS, ML25M_USERS, SCALE_SETS
from recsys_core.evaluation import ranking
from recsys_core.registry import get_registry
from recsys_core.splits import random_split


def test_scale_sets_are_registered_with_the_ml25m_shape() -> None:
    registry = get_registry()
    assert SCALE_SETS == {"synthetic-1m": 1_000_000, "synthetic-5m": 5_000_000, "synthetic-25m": 25_000_000}
    for name in SCALE_SETS:
        info = registry.dataset(name)
        assert info.is_cached() and "162,541 users" in info.description
    small = registry.dataset("synthetic-1m").load(n_ratings=20_000)  # options reach synthetic()
    assert small.name == "synthetic-1m" and len(small) == 20_000
    assert (small.n_users, small.n_items) == (ML25M_USERS + 1, ML25M_ITEMS + 1)
    assert small.users.dtype == np.int32 and small.ratings.dtype == np.float32


def test_ml25m_format_csv_loads_lean(tmp_path: Path) -> None:
    """userId,movieId,rating,timestamp with a header: int32 codes, float32 ratings, int64 timestamps."""
    ratings = synthetic(300, 200, 5_000, seed=3)
    frame = pd.DataFrame({"userId": ratings.user_vocab.decode(ratings.users),
                          "movieId": ratings.item_vocab.decode(ratings.items),
                          "rating": ratings.ratings / 2 + 0.5, "timestamp": ratings.timestamps})
    path = tmp_path / "ratings.csv"
    frame.to_csv(path, index=False)
    loaded = load_file(path, user_name="userId", item_name="movieId", timestamp_name="timestamp")
    assert len(loaded) == 5_000
    assert loaded.users.dtype == np.int32 and loaded.items.dtype == np.int32 and loaded.ratings.dtype == np.float32
    assert loaded.timestamps is not None and loaded.timestamps.dtype == np.int64
    np.testing.assert_array_equal(np.sort(loaded.ratings), np.sort(frame["rating"].to_numpy(np.float32)))


def test_top_k_scores_in_bounded_chunks() -> None:
    """No scorer call sees more than chunk_cells (user, item) pairs, and the lists equal one big chunk's."""
    ratings = synthetic(2_000, 1_500, 40_000, seed=2)
    split = random_split(ratings, valid_pct=0.2, seed=0)
    rng = np.random.default_rng(0)
    user_score, item_score = rng.normal(size=ratings.n_users), rng.normal(size=ratings.n_items)
    calls: list[int] = []

    def scorer(users: np.ndarray, items: np.ndarray) -> np.ndarray:
        calls.append(len(users))
        return (user_score[users] * item_score[items]).astype(np.float32)

    chunk = 50_000
    small = ranking.top_k(scorer, ratings, split, k=10, chunk_cells=chunk)
    assert len(calls) > 10 and max(calls) <= chunk
    calls.clear()
    big = ranking.top_k(scorer, ratings, split, k=10, chunk_cells=10**8)
    assert len(calls) == 1
    np.testing.assert_array_equal(small.items, big.items)
