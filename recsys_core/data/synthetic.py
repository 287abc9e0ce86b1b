"""synthetic(): ratings from a planted low-rank model with long-tail popularity, for tests and benchmarks."""

from __future__ import annotations

import math

import numpy as np

from recsys_core.data.ratings import Ratings
from recsys_core.data.vocab import Vocab
from recsys_core.errors import DataError

_T0 = 1_000_000_000  # first timestamp (2001-09-09), seconds
_CHUNK = 1 << 21
_MAX_ROUNDS = 50


def _long_tail(n: int, alpha: float, rng: np.random.Generator) -> np.ndarray:
    """Zipf-like probabilities ``(rank + q) ** -alpha`` (q = 0.5% of n softens the head), in random id order."""
    q = max(1.0, 0.005 * n)
    weights = (np.arange(1, n + 1, dtype=np.float64) + q) ** -alpha
    p = (weights / weights.sum())[rng.permutation(n)]
    return p / p.sum()


def _draw(rng: np.random.Generator, p: np.ndarray, size: int, *, shuffle: bool) -> np.ndarray:
    """``size`` iid draws from ``p``: multinomial counts repeated (sequential, fast), optionally shuffled."""
    draws = np.repeat(np.arange(len(p), dtype=np.int64), rng.multinomial(size, p))
    if shuffle:
        rng.shuffle(draws)
    return draws


def _distinct_pairs(
    rng: np.random.Generator, user_p: np.ndarray, item_p: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` distinct (user, item) pairs (0-based) in random order: oversample, dedupe by sorting, trim at random."""
    n_items = len(item_p)
    keys = np.empty(0, dtype=np.int64)  # sorted, distinct
    draws = int(n * 1.1) + 1_000
    for _ in range(_MAX_ROUNDS):
        users = _draw(rng, user_p, draws, shuffle=False)
        items = _draw(rng, item_p, draws, shuffle=True)  # independent of the (sorted) users
        new = np.sort(users * n_items + items)
        new = new[np.concatenate([[True], new[1:] != new[:-1]])]
        if len(keys):
            seen = keys[np.searchsorted(keys, new).clip(max=len(keys) - 1)] == new
            new = new[~seen]
            keys = np.sort(np.concatenate([keys, new]), kind="stable")  # two sorted runs: a linear merge
        else:
            keys = new
        if len(keys) >= n:
            break
        draws = int((n - len(keys)) * 2) + 1_000
    else:
        raise DataError(f"could not draw {n:,} distinct (user, item) pairs; lower n_ratings or popularity_alpha")
    rng.shuffle(keys)  # random row order; the first n drop the excess at random
    keys = keys[:n]
    return (keys // n_items).astype(np.int32), (keys % n_items).astype(np.int32)


def _check(
    n_users: int, n_items: int, n_ratings: int, n_factors: int, noise: float, alpha: float, levels: tuple[int, int]
) -> None:
    sizes = {"n_users": n_users, "n_items": n_items, "n_ratings": n_ratings, "n_factors": n_factors}
    for label, value in sizes.items():
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise DataError(f"{label} must be a positive integer, got {value!r}")
    if n_ratings > n_users * n_items // 2:
        raise DataError(
            f"n_ratings={n_ratings:,} is more than half of the {n_users:,} x {n_items:,} (user, item) cells; "
            "use fewer ratings or more users/items"
        )
    if not (math.isfinite(noise) and noise >= 0):
        raise DataError(f"noise must be a finite number >= 0, got {noise!r}")
    if not (math.isfinite(alpha) and alpha >= 0):
        raise DataError(f"popularity_alpha must be a finite number >= 0, got {alpha!r}")
    lo, hi = levels
    if not (isinstance(lo, (int, np.integer)) and isinstance(hi, (int, np.integer)) and lo < hi):
        raise DataError(f"rating_levels must be two integers (low, high) with low < high, got {levels!r}")


def _rate(
    rng: np.random.Generator,
    users: np.ndarray,
    items: np.ndarray,
    item_p: np.ndarray,
    *,
    n_users: int,
    n_factors: int,
    noise: float,
    levels: tuple[int, int],
) -> np.ndarray:
    """float32 ratings: mean + user bias + item bias (popular items a little better) + u . v + noise, rounded."""
    n_items = len(item_p)
    lo, hi = (int(v) for v in levels)
    scale = np.float32((hi - lo) / 4.0)  # the spreads below are tuned for a 1..5 scale
    mean = np.float32(lo + 2.3 * scale)
    std = math.sqrt(0.8 / math.sqrt(n_factors))  # u . v has std ~0.8
    user_factors = rng.standard_normal((n_users, n_factors), dtype=np.float32) * np.float32(std)
    item_factors = rng.standard_normal((n_items, n_factors), dtype=np.float32) * np.float32(std)
    user_bias = rng.normal(0.0, 0.35, n_users).astype(np.float32)
    log_pop = np.log(item_p)
    popular = (log_pop - log_pop.mean()) / (log_pop.std() or 1.0)
    item_bias = (rng.normal(0.0, 0.45, n_items) + 0.25 * popular).astype(np.float32)
    out = np.empty(len(users), dtype=np.float32)
    for start in range(0, len(users), _CHUNK):  # chunks bound the memory of the gathered factor rows
        u, i = users[start : start + _CHUNK], items[start : start + _CHUNK]
        v = rng.standard_normal(len(u), dtype=np.float32) * np.float32(noise)
        v += user_bias[u]
        v += item_bias[i]
        v += np.einsum("ij,ij->i", user_factors[u], item_factors[i])
        v *= scale
        v += mean
        np.clip(np.rint(v, out=v), lo, hi, out=out[start : start + _CHUNK])
    return out


def synthetic(
    n_users: int = 1000,
    n_items: int = 500,
    n_ratings: int = 20000,
    *,
    n_factors: int = 8,
    noise: float = 0.5,
    popularity_alpha: float = 1.0,
    seed: int = 0,
    rating_levels: tuple[int, int] = (1, 5),
) -> Ratings:
    """Ratings drawn from a planted model: global mean + user/item biases + low-rank factors + gaussian noise.

    Users and items (ids 1..n) are picked with long-tail (Zipf-like, exponent
    ``popularity_alpha``; 0 is uniform) activity and popularity; every
    (user, item) pair appears at most once. Ratings are rounded and clipped to
    the integer levels ``rating_levels``; timestamps increase down the rows.
    The same arguments give the same ratings; 25M ratings take about 10 s on 2 CPU cores.

    Example:
        >>> synthetic(100, 50, 1000, seed=1)
        Ratings('synthetic': 1,000 ratings, 100 users, 50 items, ratings 1..5)
    """
    _check(n_users, n_items, n_ratings, n_factors, noise, popularity_alpha, rating_levels)
    rng = np.random.default_rng(seed)
    user_p = _long_tail(n_users, popularity_alpha, rng)
    item_p = _long_tail(n_items, popularity_alpha, rng)
    users, items = _distinct_pairs(rng, user_p, item_p, n_ratings)

    ratings = _rate(rng, users, items, item_p, n_users=n_users, n_factors=n_factors, noise=noise, levels=rating_levels)
    timestamps = _T0 + np.cumsum(rng.integers(1, 61, n_ratings, dtype=np.int32), dtype=np.int64)

    user_vocab, _ = Vocab.from_values(np.arange(1, n_users + 1, dtype=np.int64))
    item_vocab, _ = Vocab.from_values(np.arange(1, n_items + 1, dtype=np.int64))
    return Ratings(
        users=users + np.int32(1),
        items=items + np.int32(1),
        ratings=ratings,
        user_vocab=user_vocab,
        item_vocab=item_vocab,
        timestamps=timestamps,
        name="synthetic",
    )
