"""Ratings.from_df: validation messages, duplicate policies, subset and to_df."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from recsys_core.data import Ratings
from recsys_core.errors import DataError, RecsysWarning


def frame(**overrides):
    data = {"user": [1, 1, 2, 3], "item": ["a", "b", "a", "c"], "rating": [4.0, 3.0, 5.0, 1.0], "ts": [10, 20, 30, 40]}
    data.update(overrides)
    return pd.DataFrame(data)


def test_from_df_encodes_and_round_trips():
    df = frame()
    ratings = Ratings.from_df(df, timestamp_name="ts", name="toy")
    assert len(ratings) == 4 and ratings.n_users == 4 and ratings.n_items == 4
    assert ratings.users.dtype == np.int32 and ratings.ratings.dtype == np.float32
    assert ratings.timestamps.dtype == np.int64
    assert ratings.rating_range == (1.0, 5.0)
    back = ratings.to_df()
    assert list(back.columns) == ["user", "item", "rating", "ts"]
    assert back["user"].tolist() == df["user"].tolist()
    assert back["item"].tolist() == df["item"].tolist()
    assert back["rating"].tolist() == df["rating"].tolist()
    assert back["ts"].tolist() == df["ts"].tolist()


def test_subset_keeps_vocabularies():
    ratings = Ratings.from_df(frame())
    part = ratings.subset(np.array([3, 0]))
    assert part.user_vocab is ratings.user_vocab and part.item_vocab is ratings.item_vocab
    assert part.to_df()["item"].tolist() == ["c", "a"]
    assert len(ratings.subset(ratings.ratings > 3)) == 2
    before = ratings.users.copy()
    part.users[:] = 1  # subsets are writable copies
    assert np.array_equal(ratings.users, before)


@pytest.mark.parametrize(
    ("df", "kwargs", "pattern"),
    [
        ([1, 2], {}, "must be a pandas DataFrame"),
        (pd.DataFrame({"user": [], "item": [], "rating": []}), {}, "empty"),
        (frame(), {"rating_name": "stars"}, r"column 'stars' not found .*'user', 'item', 'rating', 'ts'.*pass rating_name="),
        (frame(), {"user_name": "uid"}, r"column 'uid' not found.*pass user_name="),
        (frame(), {"timestamp_name": "time"}, r"column 'time' not found.*pass timestamp_name="),
        (frame(user=[1, None, 2, 3]), {}, r"column 'user' has 1 missing value.*row 1"),
        (frame(item=["a", "b", np.nan, "c"]), {}, r"column 'item' has 1 missing value.*row 2"),
        (frame(rating=[4, "five", 3, 1]), {}, r"column 'rating' must hold numeric ratings.*row 1.*'five'"),
        (frame(rating=[4, 3, np.nan, 1]), {}, r"column 'rating' has 1 NaN or infinite.*row 2"),
        (frame(rating=[4, np.inf, 3, 1]), {}, r"column 'rating' has 1 NaN or infinite.*row 1"),
        (frame(ts=[1, 2, "yesterday", 4]), {"timestamp_name": "ts"}, r"column 'ts' must hold numeric timestamps.*'yesterday'"),
        (frame(), {"duplicates": "drop"}, r"duplicates='drop' is not a policy.*warn, keep, error, mean, first, last"),
    ],
)
def test_bad_input_gets_one_clear_sentence(df, kwargs, pattern):
    with pytest.raises(DataError, match=pattern):
        Ratings.from_df(df, **kwargs)


def test_numeric_strings_are_accepted_as_ratings():
    ratings = Ratings.from_df(frame(rating=["4", "3.5", "5", "1"]))
    assert ratings.ratings.tolist() == [4.0, 3.5, 5.0, 1.0]


def test_datetime_timestamps_become_seconds():
    stamps = pd.to_datetime([10, 60, 946684800, 946771200], unit="s")
    ratings = Ratings.from_df(frame(ts=stamps), timestamp_name="ts")
    assert ratings.timestamps.tolist() == [10, 60, 946684800, 946771200]


def dup_frame():
    return pd.DataFrame(
        {"user": [1, 1, 2, 1], "item": [5, 6, 5, 5], "rating": [1.0, 2.0, 3.0, 4.0], "ts": [100, 200, 300, 400]}
    )


def test_duplicates_warn_keeps_every_row_with_one_warning():
    with pytest.warns(RecsysWarning, match=r"1 rating\(s\) repeat.*\(user=1, item=5\) at row 3") as caught:
        ratings = Ratings.from_df(dup_frame())
    assert len(caught) == 1
    assert len(ratings) == 4


def test_duplicates_keep_is_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(Ratings.from_df(dup_frame(), duplicates="keep")) == 4


def test_duplicates_error_names_the_pair():
    with pytest.raises(DataError, match=r"\(user=1, item=5\) at row 3"):
        Ratings.from_df(dup_frame(), duplicates="error")


@pytest.mark.parametrize(
    ("policy", "expected_rating", "expected_ts"),
    [("mean", 2.5, 400), ("first", 1.0, 100), ("last", 4.0, 400)],
)
def test_duplicates_aggregate(policy, expected_rating, expected_ts):
    ratings = Ratings.from_df(dup_frame(), timestamp_name="ts", duplicates=policy)
    df = ratings.to_df()
    assert len(df) == 3
    row = df[(df["user"] == 1) & (df["item"] == 5)]
    assert row["rating"].tolist() == [expected_rating]
    assert row["ts"].tolist() == [expected_ts]
    assert sorted(df["rating"].tolist()) == sorted([expected_rating, 2.0, 3.0])


def test_no_duplicates_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Ratings.from_df(frame())
