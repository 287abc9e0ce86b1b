"""Checks on a ratings DataFrame, run before any work: each failure is one DataError sentence."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from recsys_core.errors import DataError

#: What ``Ratings.from_df(duplicates=...)`` does with repeated (user, item) pairs.
DUPLICATE_POLICIES = ("warn", "keep", "error", "mean", "first", "last")


def _row(df: pd.DataFrame, pos: int, columns: list[str]) -> str:
    """``row 7 (user=1, item=None, rating=4.0)``: the label and values of one row."""
    values = ", ".join(f"{c}={plain(df[c].iloc[pos])!r}" for c in columns)
    return f"row {plain(df.index[pos])!r} ({values})"


def plain(value: Any) -> Any:
    """A numpy scalar as the python value, so messages read ``1``, not ``np.int64(1)``."""
    return value.item() if isinstance(value, np.generic) else value


def check_duplicates_policy(duplicates: str) -> None:
    """DataError unless ``duplicates`` is one of :data:`DUPLICATE_POLICIES`."""
    if duplicates not in DUPLICATE_POLICIES:
        raise DataError(f"duplicates={duplicates!r} is not a policy; expected one of {', '.join(DUPLICATE_POLICIES)}")


def check_frame(
    df: object,
    *,
    user_name: str,
    item_name: str,
    rating_name: str,
    timestamp_name: str | None,
) -> None:
    """Raise one DataError naming the column and an example row for the first problem found."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"ratings must be a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise DataError(f"the ratings frame is empty (columns: {', '.join(map(str, df.columns)) or 'none'})")
    wanted = {"user_name": user_name, "item_name": item_name, "rating_name": rating_name}
    if timestamp_name is not None:
        wanted["timestamp_name"] = timestamp_name
    have = ", ".join(map(repr, df.columns))
    for keyword, column in wanted.items():
        if column not in df.columns:
            raise DataError(
                f"column {column!r} not found in the ratings frame (columns: {have}); pass {keyword}=... to name it"
            )
    shown = list(wanted.values())
    for column in (user_name, item_name):
        missing = df[column].isna().to_numpy()
        if missing.any():
            pos = int(np.argmax(missing))
            raise DataError(
                f"column {column!r} has {int(missing.sum())} missing value(s), e.g. {_row(df, pos, shown)}; "
                "every rating needs a user and an item"
            )
    _check_numeric(df, rating_name, shown, what="rating")
    ratings = numeric_values(df[rating_name])
    bad = ~np.isfinite(ratings)
    if bad.any():
        pos = int(np.argmax(bad))
        raise DataError(
            f"column {rating_name!r} has {int(bad.sum())} NaN or infinite rating(s), e.g. {_row(df, pos, shown)}"
        )
    if timestamp_name is not None and not pd.api.types.is_datetime64_any_dtype(df[timestamp_name]):
        _check_numeric(df, timestamp_name, shown, what="timestamp")
        stamps = numeric_values(df[timestamp_name])
        bad = ~np.isfinite(stamps)
        if bad.any():
            pos = int(np.argmax(bad))
            raise DataError(
                f"column {timestamp_name!r} has a missing or infinite timestamp, e.g. {_row(df, pos, shown)}"
            )


def numeric_values(series: pd.Series) -> np.ndarray:
    """A checked numeric column as float64 (numeric strings such as "4.5" are converted)."""
    if pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _check_numeric(df: pd.DataFrame, column: str, shown: list[str], *, what: str) -> None:
    series = df[column]
    if pd.api.types.is_bool_dtype(series):
        bad = np.ones(len(series), dtype=bool)
    elif pd.api.types.is_numeric_dtype(series):
        return
    else:
        bad = (pd.to_numeric(series, errors="coerce").isna() & series.notna()).to_numpy()
    if bad.any():
        pos = int(np.argmax(bad))
        raise DataError(
            f"column {column!r} must hold numeric {what}s, but {_row(df, pos, shown)} has {plain(series.iloc[pos])!r}"
        )
