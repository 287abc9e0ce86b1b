"""k-fold, temporal and leave-last-n-out splits, and the string forms of make_split(s)."""

import numpy as np
import pandas as pd
import pytest

from recsys_core.data import Ratings
from recsys_core.errors import DataError
from recsys_core.splits import kfold, leave_last_n_out, make_split, make_splits, parse_folds, temporal_split


def test_kfold_partitions_every_rating_once_and_is_reproducible(small_ratings):
    folds = kfold(small_ratings, 5, seed=3)
    assert [f.name for f in folds][:2] == ["kfold(k=5, seed=3):1", "kfold(k=5, seed=3):2"]
    valid = np.concatenate([f.valid for f in folds])
    assert np.array_equal(np.sort(valid), np.arange(len(small_ratings)))
    for f in folds:
        assert len(f.train) + len(f.valid) == len(small_ratings)
    again = kfold(small_ratings, 5, seed=3)
    assert all(np.array_equal(a.valid, b.valid) for a, b in zip(folds, again))
    assert not np.array_equal(kfold(small_ratings, 5, seed=4)[0].valid, folds[0].valid)
    with pytest.raises(DataError, match="k must be an integer between 2"):
        kfold(small_ratings, 1)


def test_temporal_split_cuts_at_a_global_time(small_ratings):
    split = temporal_split(small_ratings, valid_pct=0.25)
    stamps = small_ratings.timestamps
    assert stamps[split.train].max() < stamps[split.valid].min()
    assert len(split.valid) == pytest.approx(0.25 * len(small_ratings), abs=2)
    cut = int(np.median(stamps))
    by_cutoff = temporal_split(small_ratings, cutoff=cut)
    assert by_cutoff.name == f"temporal(cutoff={cut})" and (stamps[by_cutoff.valid] >= cut).all()
    with pytest.raises(DataError, match="exactly one of valid_pct or cutoff"):
        temporal_split(small_ratings)


def test_splits_needing_time_say_so_without_timestamps():
    ratings = Ratings.from_df(pd.DataFrame({"user": [1, 1, 2], "item": [1, 2, 1], "rating": [3, 4, 5]}))
    with pytest.raises(DataError, match="a temporal split needs timestamps, but 'ratings' has none"):
        temporal_split(ratings, valid_pct=0.5)
    with pytest.raises(DataError, match="leave_last_n_out needs timestamps"):
        leave_last_n_out(ratings)


def test_leave_last_n_out_takes_each_users_latest_and_keeps_small_users_in_train():
    df = pd.DataFrame({
        "user": ["a", "a", "a", "b", "b", "c"],
        "item": ["x", "y", "z", "x", "y", "x"],
        "rating": [1, 2, 3, 4, 5, 3],
        "ts": [30, 10, 20, 5, 6, 1],
    })
    ratings = Ratings.from_df(df, timestamp_name="ts")
    split = leave_last_n_out(ratings, 1)
    assert split.valid.tolist() == [0, 4]  # a's ts=30 and b's ts=6; c has one rating and stays in train
    assert split.train.tolist() == [1, 2, 3, 5]
    assert leave_last_n_out(ratings, 2).valid.tolist() == [0, 2]  # only a has more than 2
    with pytest.raises(DataError, match="no user of 'ratings' has more than 3 ratings"):
        leave_last_n_out(ratings, 3)


def test_make_split_string_forms(small_ratings):
    assert len(make_splits(small_ratings, "kfold:4:7")) == 4
    assert make_split(small_ratings, "kfold:4:7:2").name == "kfold(k=4, seed=7):2"
    assert make_split(small_ratings, "random:0.1:3").name == "random(valid_pct=0.1, seed=3)"
    assert make_split(small_ratings, "temporal:0.2").name == "temporal(valid_pct=0.2)"
    assert make_split(small_ratings, "last:2").name == "leave_last_n_out(n=2)"
    assert make_split(small_ratings, f"temporal@{int(small_ratings.timestamps[1000])}").name.startswith("temporal(cutoff=")
    with pytest.raises(DataError, match="K must be an integer"):
        make_split(small_ratings, "kfold:x")
    with pytest.raises(DataError, match="'nope' is unknown"):
        make_split(small_ratings, "nope")


def test_parse_folds():
    assert parse_folds("u1..u5") == ["u1", "u2", "u3", "u4", "u5"]
    assert parse_folds("u1,u3") == ["u1", "u3"]
    with pytest.raises(DataError, match="'u6' is not a MovieLens 100k fold"):
        parse_folds("u1..u7")


def test_canonical_fold_list(ml100k_dir):
    from recsys_core.data import load_movielens

    ratings = load_movielens("ml-100k", data_dir=ml100k_dir, progress=False)
    folds = make_splits(ratings, "u1..u5", data_dir=ml100k_dir)
    assert [f.name for f in folds] == [f"ml-100k:u{i}" for i in range(1, 6)]
    assert sum(len(f.valid) for f in folds) == 100_000
