"""synthetic(): determinism, shapes, distinct pairs, long tail."""

from __future__ import annotations

import numpy as np
import pytest

from recsys_core.data import synthetic
from recsys_core.errors import DataError


def test_deterministic_for_a_seed():
    a, b = synthetic(300, 120, 3_000, seed=3), synthetic(300, 120, 3_000, seed=3)
    for field in ("users", "items", "ratings", "timestamps"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.items, synthetic(300, 120, 3_000, seed=4).items)


def test_shapes_levels_and_timestamps(small_ratings):
    assert len(small_ratings) == 2_000
    assert small_ratings.n_users == 201 and small_ratings.n_items == 101
    assert small_ratings.name == "synthetic"
    assert set(np.unique(small_ratings.ratings).tolist()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert (np.diff(small_ratings.timestamps) > 0).all()
    other = synthetic(100, 80, 1_000, rating_levels=(0, 10))
    assert other.rating_range[0] >= 0 and other.rating_range[1] <= 10


def test_pairs_are_distinct():
    ratings = synthetic(100, 60, 2_500, seed=1)  # dense: ~42% of the cells
    keys = ratings.users.astype(np.int64) * ratings.n_items + ratings.items
    assert len(np.unique(keys)) == len(ratings) == 2_500


def test_long_tail():
    ratings = synthetic(seed=0)
    counts = np.sort(np.bincount(ratings.items, minlength=ratings.n_items)[1:])[::-1]
    share = counts[: len(counts) // 10].sum() / counts.sum()
    assert share > 0.35  # uniform would be 0.10
    flat = synthetic(popularity_alpha=0.0, seed=0)
    flat_counts = np.sort(np.bincount(flat.items, minlength=flat.n_items)[1:])[::-1]
    assert flat_counts[:50].sum() / flat_counts.sum() < 0.15


def test_ratings_follow_the_planted_biases():
    ratings = synthetic(200, 100, 8_000, noise=0.0, seed=2)
    assert 3.0 < ratings.ratings.mean() < 4.2
    assert ratings.ratings.std() > 0.5


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"n_users": 0}, "n_users must be a positive integer"),
        ({"n_users": 10, "n_items": 10, "n_ratings": 80}, "more than half"),
        ({"noise": -1.0}, "noise"),
        ({"rating_levels": (5, 1)}, "rating_levels"),
    ],
)
def test_bad_arguments(kwargs, pattern):
    with pytest.raises(DataError, match=pattern):
        synthetic(**kwargs)
