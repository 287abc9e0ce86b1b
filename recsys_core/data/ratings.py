"""Ratings: explicit (user, item, rating[, timestamp]) triples as int32 codes into two Vocabs."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.data.validation import check_duplicates_policy, check_frame, numeric_values, plain
from recsys_core.data.vocab import Vocab
from recsys_core.errors import DataError, RecsysWarning


@dataclass(frozen=True, eq=False, repr=False)
class Ratings:
    """Explicit ratings as int32 codes into a user and an item Vocab.

    Build one with :meth:`from_df`; ``users``/``items`` are codes >= 1 (0 is
    the unknown slot), ``ratings`` float32, ``timestamps`` int64 seconds or None.

    Example:
        >>> Ratings.from_df(pd.DataFrame({"user": [1, 2], "item": ["a", "b"], "rating": [4, 5]}))
        Ratings('ratings': 2 ratings, 2 users, 2 items, ratings 4..5)
    """

    users: np.ndarray
    items: np.ndarray
    ratings: np.ndarray
    user_vocab: Vocab
    item_vocab: Vocab
    timestamps: np.ndarray | None = None
    name: str = "ratings"
    user_name: str = "user"
    item_name: str = "item"
    rating_name: str = "rating"
    item_info: pd.DataFrame | None = None
    timestamp_name: str = "timestamp"

    def __post_init__(self) -> None:
        n = len(self.users) if isinstance(self.users, np.ndarray) else -1
        for field, dtype in (("users", np.int32), ("items", np.int32), ("ratings", np.float32)):
            arr = getattr(self, field)
            if not isinstance(arr, np.ndarray) or arr.ndim != 1 or arr.dtype != dtype or len(arr) != n:
                raise DataError(f"Ratings.{field} must be a 1-d {np.dtype(dtype)} array as long as users")
        stamps = self.timestamps
        ok = stamps is None or (isinstance(stamps, np.ndarray) and stamps.dtype == np.int64 and stamps.shape == (n,))
        if not ok:
            raise DataError("Ratings.timestamps must be None or a 1-d int64 array as long as the ratings")
        for field, vocab in (("users", self.user_vocab), ("items", self.item_vocab)):
            codes = getattr(self, field)
            if n and (codes.min() < 1 or codes.max() >= len(vocab)):
                raise DataError(f"Ratings.{field} codes must lie in 1..{len(vocab) - 1} (the vocabulary size)")
        if self.item_info is not None and not isinstance(self.item_info, pd.DataFrame):
            raise DataError(f"item_info must be a DataFrame indexed by item name, got {type(self.item_info).__name__}")

    # -- construction ------------------------------------------------------------
    @classmethod
    def from_df(
        cls,
        df: pd.DataFrame,
        *,
        user_name: str = "user",
        item_name: str = "item",
        rating_name: str = "rating",
        timestamp_name: str | None = None,
        duplicates: str = "warn",
        name: str = "ratings",
        item_info: pd.DataFrame | None = None,
    ) -> Ratings:
        """Validate ``df`` and encode its user and item columns.

        Repeated (user, item) pairs follow ``duplicates``: ``"warn"`` (keep every
        row, one RecsysWarning), ``"keep"`` (silently), ``"error"``, or aggregate
        to one row per pair with ``"mean"`` (latest timestamp), ``"first"`` or ``"last"``.
        """
        check_duplicates_policy(duplicates)
        check_frame(
            df, user_name=user_name, item_name=item_name, rating_name=rating_name, timestamp_name=timestamp_name
        )
        user_vocab, users = _encode(df, user_name)
        item_vocab, items = _encode(df, item_name)
        ratings = numeric_values(df[rating_name]).astype(np.float32)
        timestamps = None if timestamp_name is None else _timestamps(df[timestamp_name])
        if duplicates != "keep":
            users, items, ratings, timestamps = _resolve_duplicates(
                users, items, ratings, timestamps, len(item_vocab), duplicates,
                lambda pos: (plain(df.index[pos]), plain(df[user_name].iloc[pos]), plain(df[item_name].iloc[pos])),
                (user_name, item_name),
            )
        return cls(
            users=users,
            items=items,
            ratings=ratings,
            user_vocab=user_vocab,
            item_vocab=item_vocab,
            timestamps=timestamps,
            name=name,
            user_name=user_name,
            item_name=item_name,
            rating_name=rating_name,
            item_info=item_info,
            timestamp_name=timestamp_name or "timestamp",
        )

    # -- queries -----------------------------------------------------------------
    def __len__(self) -> int:
        """Number of ratings."""
        return len(self.users)

    def __repr__(self) -> str:
        lo, hi = self.rating_range if len(self) else (float("nan"), float("nan"))
        return (
            f"Ratings({self.name!r}: {len(self):,} ratings, {self.n_users - 1:,} users, "
            f"{self.n_items - 1:,} items, ratings {lo:g}..{hi:g})"
        )

    @property
    def n_users(self) -> int:
        """Size of the user vocabulary, including the #na# slot."""
        return len(self.user_vocab)

    @property
    def n_items(self) -> int:
        """Size of the item vocabulary, including the #na# slot."""
        return len(self.item_vocab)

    @property
    def rating_range(self) -> tuple[float, float]:
        """(min, max) of the ratings."""
        if not len(self):
            raise DataError(f"{self.name!r} holds no ratings, so it has no rating range")
        return float(self.ratings.min()), float(self.ratings.max())

    def subset(self, index: np.ndarray) -> Ratings:
        """The rows at ``index`` (int positions or a boolean mask), with the same vocabularies."""
        index = np.asarray(index)
        if index.dtype == bool:
            if index.shape != (len(self),):
                raise DataError(f"a boolean subset mask must have {len(self)} entries, got shape {index.shape}")
            index = np.flatnonzero(index)
        elif index.dtype.kind not in "iu":
            raise DataError(f"subset needs integer row positions or a boolean mask, got dtype {index.dtype}")
        return dataclasses.replace(
            self,
            users=self.users[index],
            items=self.items[index],
            ratings=self.ratings[index],
            timestamps=None if self.timestamps is None else self.timestamps[index],
        )

    def to_df(self) -> pd.DataFrame:
        """A DataFrame with the original column names and decoded user and item names."""
        columns: dict[str, np.ndarray] = {
            self.user_name: self.user_vocab.decode(self.users),
            self.item_name: self.item_vocab.decode(self.items),
            self.rating_name: self.ratings.copy(),
        }
        if self.timestamps is not None:
            columns[self.timestamp_name] = self.timestamps.copy()
        return pd.DataFrame(columns)


def _encode(df: pd.DataFrame, column: str) -> tuple[Vocab, np.ndarray]:
    try:
        return Vocab.from_values(df[column])
    except DataError as exc:
        raise DataError(f"column {column!r}: {exc}") from None


def _timestamps(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(series):
        stamps = pd.to_datetime(series, utc=True)
        if stamps.isna().any():
            pos = int(np.argmax(stamps.isna().to_numpy()))
            raise DataError(f"column {series.name!r} has a missing timestamp at row {plain(series.index[pos])!r}")
        seconds = (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
        return np.array(seconds, dtype=np.int64, copy=True)
    return np.floor(numeric_values(series)).astype(np.int64)


_Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, "np.ndarray | None"]


def _resolve_duplicates(
    users: np.ndarray,
    items: np.ndarray,
    ratings: np.ndarray,
    timestamps: np.ndarray | None,
    n_items: int,
    policy: str,
    describe: Callable[[int], tuple[Any, Any, Any]],
    names: tuple[str, str],
) -> _Arrays:
    """Apply a duplicates policy; ``describe(pos)`` gives (row label, user, item) for messages."""
    key = pd.Index(users.astype(np.int64) * n_items + items)
    if key.is_unique:
        return users, items, ratings, timestamps
    repeated = key.duplicated(keep="first")
    if policy in ("warn", "error"):
        pos = int(np.argmax(repeated))
        row, user, item = describe(pos)
        pair = f"({names[0]}={user!r}, {names[1]}={item!r})"
        count = int(repeated.sum())
        if policy == "error":
            raise DataError(
                f"{count} rating(s) repeat an earlier (user, item) pair, e.g. {pair} at row {row!r}; "
                "pass duplicates='mean', 'first', 'last' or 'keep'"
            )
        warnings.warn(
            f"{count} rating(s) repeat an earlier (user, item) pair, e.g. {pair} at row {row!r}; all rows are kept "
            "(pass duplicates='mean', 'first' or 'last' to merge them, or 'keep' to silence this warning)",
            RecsysWarning,
            stacklevel=4,
        )
        return users, items, ratings, timestamps
    if policy == "last":
        keep = np.flatnonzero(~key.duplicated(keep="last"))
    else:
        keep = np.flatnonzero(~repeated)
    users, items = users[keep], items[keep]
    if policy == "mean":
        group, _ = pd.factorize(key)  # groups numbered in order of first appearance, like ``keep``
        counts = np.bincount(group)
        ratings = (np.bincount(group, weights=ratings) / counts).astype(np.float32)
        if timestamps is not None:
            timestamps = np.array(pd.Series(timestamps).groupby(group, sort=True).max(), dtype=np.int64)
        return users, items, ratings, timestamps
    return users, items, ratings[keep], None if timestamps is None else timestamps[keep]
