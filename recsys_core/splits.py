"""Splits: named train/validation row indices into one Ratings (random holdout, canonical ml-100k folds)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.data.movielens import locate_movielens
from recsys_core.data.ratings import Ratings
from recsys_core.errors import ChecksumError, DataError

#: The canonical ml-100k folds: five-fold u1..u5, and ua/ub (10 test ratings per user).
MOVIELENS_FOLDS = ("u1", "u2", "u3", "u4", "u5", "ua", "ub")
_STREAM = 0x5A11


@dataclass(frozen=True, kw_only=True)
class Split:
    """Named train/validation index arrays into one Ratings (int64, disjoint, sorted)."""

    name: str
    train: np.ndarray
    valid: np.ndarray

    def __post_init__(self) -> None:
        for side in ("train", "valid"):
            rows = getattr(self, side)
            if not isinstance(rows, np.ndarray) or rows.ndim != 1 or rows.dtype != np.int64:
                raise DataError(f"Split.{side} must be a 1-d int64 array of row positions")
            if len(rows) > 1 and not (np.diff(rows) > 0).all():
                raise DataError(f"Split.{side} must be sorted without repeats")
        if len(self.valid) and len(self.train):
            pos = np.searchsorted(self.train, self.valid).clip(max=len(self.train) - 1)
            shared = self.train[pos] == self.valid
            if shared.any():
                row = int(self.valid[np.argmax(shared)])
                raise DataError(f"row {row} is in both the train and valid sides of {self.name!r}")

    def to_json(self) -> dict[str, Any]:
        """The name and sizes (not the arrays), for reports and checkpoints."""
        return {"name": self.name, "n_train": len(self.train), "n_valid": len(self.valid)}


def random_split(ratings_or_n: Ratings | int, *, valid_pct: float = 0.2, seed: int = 42) -> Split:
    """Random holdout: ``round(n * valid_pct)`` rows to validation, drawn from ``default_rng([seed, 0x5A11])``.

    Example:
        >>> random_split(1000, valid_pct=0.2).to_json()
        {'name': 'random(valid_pct=0.2, seed=42)', 'n_train': 800, 'n_valid': 200}
    """
    n = ratings_or_n if isinstance(ratings_or_n, (int, np.integer)) else len(ratings_or_n)
    if not 0 < valid_pct < 1:
        raise DataError(f"valid_pct must lie strictly between 0 and 1, got {valid_pct!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DataError(f"seed must be a non-negative integer, got {seed!r}")
    n_valid = round(n * valid_pct)
    if n_valid == 0 or n_valid == n:
        side = "validation" if n_valid == 0 else "training"
        raise DataError(f"valid_pct={valid_pct} of {n} ratings leaves the {side} side empty")
    order = np.random.default_rng([int(seed), _STREAM]).permutation(n)
    return Split(
        name=f"random(valid_pct={valid_pct}, seed={seed})",
        train=np.sort(order[n_valid:]).astype(np.int64),
        valid=np.sort(order[:n_valid]).astype(np.int64),
    )


def movielens_fold(
    ratings: Ratings, fold: str, *, data_dir: Path | None = None, path: Path | None = None
) -> Split:
    """The canonical ml-100k fold ``fold`` (``<fold>.base`` / ``<fold>.test``) as rows of ``ratings``.

    ``ratings`` must be ml-100k as :func:`~recsys_core.data.load_movielens`
    returns it (u.data's 100,000 rows in order, items by id or by title); the
    fold files come from the same place (``path``, ``data_dir`` or the cache).
    """
    if fold not in MOVIELENS_FOLDS:
        raise DataError(f"fold {fold!r} is not a MovieLens 100k fold; expected one of {', '.join(MOVIELENS_FOLDS)}")
    if ratings.name != "ml-100k" or len(ratings) != 100_000:
        raise DataError(
            f"fold {fold!r} needs ml-100k as load_movielens returns it (100,000 rows), "
            f"got {ratings.name!r} with {len(ratings):,} rows"
        )
    files = locate_movielens("ml-100k", data_dir=data_dir, path=path)
    data = files.table("u.data")
    if not np.array_equal(data["rating"].to_numpy(dtype=np.float32), ratings.ratings):
        raise DataError("the ratings are not in u.data's row order; load them with load_movielens('ml-100k')")
    index = pd.Index(data["user"].to_numpy() * 10_000 + data["item"].to_numpy())
    sides = []
    for suffix in ("base", "test"):
        part = files.table(f"{fold}.{suffix}")
        rows = index.get_indexer(part["user"].to_numpy() * 10_000 + part["item"].to_numpy())
        if (rows < 0).any():
            raise ChecksumError(f"{files.where}: {fold}.{suffix} has a (user, movie) pair that u.data lacks")
        sides.append(np.sort(rows).astype(np.int64))
    return Split(name=f"ml-100k:{fold}", train=sides[0], valid=sides[1])


def make_split(
    ratings: Ratings,
    split: str | None = None,
    *,
    valid_pct: float = 0.2,
    seed: int = 42,
    data_dir: Path | None = None,
) -> Split:
    """The split a command line names: None or "random" (random holdout), or an ml-100k fold "u1".."ub"."""
    if split is None or split == "random":
        return random_split(ratings, valid_pct=valid_pct, seed=seed)
    if split in MOVIELENS_FOLDS:
        return movielens_fold(ratings, split, data_dir=data_dir)
    raise DataError(f"split {split!r} is unknown; expected 'random' or one of {', '.join(MOVIELENS_FOLDS)}")
