"""Splits: named train/validation row indices into one Ratings.

Random holdout, k-fold, canonical ml-100k folds, a global temporal cut-off and
leave-last-n-out per user; all reproducible from a seed and usable on any backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.data.movielens import locate_movielens
from recsys_core.data.ratings import Ratings
from recsys_core.errors import ChecksumError, DataError
from recsys_core.randperm import torch_randperm_head

#: The canonical ml-100k folds: five-fold u1..u5, and ua/ub (10 test ratings per user).
MOVIELENS_FOLDS = ("u1", "u2", "u3", "u4", "u5", "ua", "ub")


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
    """Random holdout: the rows fastai's ``RandomSplitter(valid_pct, seed)`` sends to validation.

    That is, the first ``int(n * valid_pct)`` entries of ``torch.randperm(n)``
    after ``torch.manual_seed(seed)``, computed in numpy
    (:func:`~recsys_core.randperm.torch_randperm_head`), so a run here and a
    fastai ``CollabDataLoaders.from_df(..., valid_pct=, seed=)`` run on the same
    rows validate on the same ratings.

    Example:
        >>> random_split(1000, valid_pct=0.2).to_json()
        {'name': 'random(valid_pct=0.2, seed=42)', 'n_train': 800, 'n_valid': 200}
    """
    n = ratings_or_n if isinstance(ratings_or_n, (int, np.integer)) else len(ratings_or_n)
    if not 0 < valid_pct < 1:
        raise DataError(f"valid_pct must lie strictly between 0 and 1, got {valid_pct!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DataError(f"seed must be a non-negative integer, got {seed!r}")
    n_valid = int(valid_pct * n)
    if n_valid == 0:
        raise DataError(f"valid_pct={valid_pct} of {n} ratings leaves the validation side empty")
    valid = np.sort(torch_randperm_head(int(n), n_valid, int(seed)))
    in_valid = np.zeros(n, dtype=bool)
    in_valid[valid] = True
    return Split(
        name=f"random(valid_pct={valid_pct}, seed={seed})",
        train=np.flatnonzero(~in_valid).astype(np.int64),
        valid=valid,
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
    """The one split a command line names (the forms of :func:`make_splits`; "kfold:K[:SEED]" means fold 1).

    None or "random" is a random holdout; "u1".."ub" a canonical ml-100k fold.
    """
    return make_splits(ratings, split, valid_pct=valid_pct, seed=seed, data_dir=data_dir)[0]


_KFOLD_STREAM = 0xF01D


def _n_and_seed(ratings: Ratings, seed: int) -> int:
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DataError(f"seed must be a non-negative integer, got {seed!r}")
    return len(ratings)


def _complement(n: int, valid: np.ndarray) -> np.ndarray:
    mask = np.ones(n, dtype=bool)
    mask[valid] = False
    return np.flatnonzero(mask).astype(np.int64)


def kfold(ratings: Ratings, k: int = 5, *, seed: int = 42) -> list[Split]:
    """``k`` random folds: each rating is in exactly one validation side; named ``kfold(k=5, seed=42):1``..``:k``.

    Example:
        >>> [s.name for s in kfold(ratings, 3)]
        ['kfold(k=3, seed=42):1', 'kfold(k=3, seed=42):2', 'kfold(k=3, seed=42):3']
    """
    n = _n_and_seed(ratings, seed)
    if not isinstance(k, (int, np.integer)) or not 2 <= k <= n:
        raise DataError(f"k must be an integer between 2 and the {n} ratings, got {k!r}")
    order = np.random.default_rng([int(seed), _KFOLD_STREAM]).permutation(n)
    return [
        Split(name=f"kfold(k={k}, seed={seed}):{i + 1}", train=_complement(n, part),
              valid=np.sort(part).astype(np.int64))
        for i, part in enumerate(np.array_split(order, k))
    ]


def _require_timestamps(ratings: Ratings, what: str) -> np.ndarray:
    if ratings.timestamps is None:
        raise DataError(f"{what} needs timestamps, but {ratings.name!r} has none; load it with a timestamp column")
    return ratings.timestamps


def temporal_split(ratings: Ratings, *, valid_pct: float | None = None, cutoff: int | None = None) -> Split:
    """Global time cut-off: ratings at or after ``cutoff`` (epoch seconds) validate, the rest train.

    With ``valid_pct`` the cut-off is the timestamp at which the latest
    ``valid_pct`` of ratings start (ties at the cut-off all go to validation).

    Example:
        >>> temporal_split(ratings, valid_pct=0.1).name
        'temporal(valid_pct=0.1)'
    """
    stamps = _require_timestamps(ratings, "a temporal split")
    if (valid_pct is None) == (cutoff is None):
        raise DataError("temporal_split needs exactly one of valid_pct or cutoff")
    if valid_pct is not None:
        if not 0 < valid_pct < 1:
            raise DataError(f"valid_pct must lie strictly between 0 and 1, got {valid_pct!r}")
        order = np.sort(stamps, kind="stable")
        cut = int(order[max(len(order) - max(round(len(order) * valid_pct), 1), 0)])
        name = f"temporal(valid_pct={valid_pct})"
    else:
        cut, name = int(cutoff), f"temporal(cutoff={int(cutoff)})"  # type: ignore[arg-type]
    valid = np.flatnonzero(stamps >= cut).astype(np.int64)
    if len(valid) in (0, len(stamps)):
        side = "validation" if len(valid) == 0 else "training"
        raise DataError(f"the time cut-off {cut} leaves the {side} side of {ratings.name!r} empty")
    return Split(name=name, train=_complement(len(stamps), valid), valid=valid)


def leave_last_n_out(ratings: Ratings, n: int = 1) -> Split:
    """Each user's ``n`` latest ratings (by timestamp, ties by row) validate; users with <= ``n`` ratings only train.

    Example:
        >>> leave_last_n_out(ratings, 1).name
        'leave_last_n_out(n=1)'
    """
    stamps = _require_timestamps(ratings, "leave_last_n_out")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise DataError(f"n must be a positive integer, got {n!r}")
    rows = np.lexsort((np.arange(len(stamps)), stamps, ratings.users))  # by user, then time, then row
    users = ratings.users[rows]
    counts = np.bincount(users, minlength=ratings.n_users)
    starts = np.concatenate(([0], np.cumsum(counts)))[users]
    rank_from_end = counts[users] - (np.arange(len(rows)) - starts)  # 1 = the user's latest rating
    chosen = (rank_from_end <= n) & (counts[users] > n)
    valid = np.sort(rows[chosen]).astype(np.int64)
    if not len(valid):
        raise DataError(f"no user of {ratings.name!r} has more than {n} ratings, so leave_last_n_out({n}) validates nothing")
    return Split(name=f"leave_last_n_out(n={n})", train=_complement(len(stamps), valid), valid=valid)


def _int_arg(text: str, what: str, spec: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise DataError(f"split {spec!r}: {what} must be an integer, got {text!r}") from None


def _float_arg(text: str, what: str, spec: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise DataError(f"split {spec!r}: {what} must be a number, got {text!r}") from None


def parse_folds(text: str) -> list[str]:
    """Fold names from "u1..u5" (a range), "u1,u2" (a list) or "u3" (one).

    Example:
        >>> parse_folds("u1..u3")
        ['u1', 'u2', 'u3']
    """
    text = text.strip()
    if ".." in text:
        first, _, last = text.partition("..")
        if first[:1] != last[:1] or not first[1:].isdigit() or not last[1:].isdigit():
            raise DataError(f"fold range {text!r} must look like 'u1..u5'")
        folds = [f"{first[0]}{i}" for i in range(int(first[1:]), int(last[1:]) + 1)]
    else:
        folds = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in folds if f not in MOVIELENS_FOLDS]
    if not folds or unknown:
        raise DataError(f"fold {unknown[0] if unknown else text!r} is not a MovieLens 100k fold; "
                        f"expected one of {', '.join(MOVIELENS_FOLDS)}")
    return folds


def make_splits(ratings: Ratings, split: str | None = None, *, valid_pct: float = 0.2, seed: int = 42,
                data_dir: Path | None = None) -> list[Split]:
    """Every split a string names; "kfold:K[:SEED]" and fold lists "u1..u5" give several, the rest one.

    Forms: ``random`` / ``random:PCT[:SEED]``, ``u1``..``ub`` and ``u1..u5`` or ``u1,u2``,
    ``kfold:K[:SEED]`` (all K folds), ``kfold:K:SEED:I`` (fold I, 1-based),
    ``temporal:PCT`` (share of latest ratings) or ``temporal@SECONDS`` (cut-off),
    ``last:N`` (leave the last N per user out).
    """
    spec = split or "random"
    if spec in MOVIELENS_FOLDS or ".." in spec or ("," in spec and spec.split(",")[0].strip() in MOVIELENS_FOLDS):
        return [movielens_fold(ratings, f, data_dir=data_dir) for f in parse_folds(spec)]
    head, *args = spec.split(":")
    if head == "kfold" and 1 <= len(args) <= 3:
        folds = kfold(ratings, _int_arg(args[0], "K", spec),
                      seed=_int_arg(args[1], "SEED", spec) if len(args) > 1 else seed)
        if len(args) == 3:
            i = _int_arg(args[2], "fold I", spec)
            if not 1 <= i <= len(folds):
                raise DataError(f"split {spec!r}: fold I must lie in 1..{len(folds)}, got {i}")
            return [folds[i - 1]]
        return folds
    if head == "random" and len(args) <= 2:
        pct = _float_arg(args[0], "PCT", spec) if args else valid_pct
        return [random_split(ratings, valid_pct=pct, seed=_int_arg(args[1], "SEED", spec) if len(args) > 1 else seed)]
    if head == "temporal" and len(args) == 1:
        return [temporal_split(ratings, valid_pct=_float_arg(args[0], "PCT", spec))]
    if head.startswith("temporal@") and not args:
        return [temporal_split(ratings, cutoff=_int_arg(head.partition("@")[2], "the cut-off", spec))]
    if head == "last" and len(args) <= 1:
        return [leave_last_n_out(ratings, _int_arg(args[0], "N", spec) if args else 1)]
    raise DataError(
        f"split {spec!r} is unknown; expected 'random' or one of {', '.join(MOVIELENS_FOLDS)} "
        "(or a fold list u1..u5 / u1,u2, random:PCT[:SEED], kfold:K[:SEED[:I]], temporal:PCT, temporal@SECONDS, last:N)"
    )
