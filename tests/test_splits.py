"""Splits: random holdout and the canonical MovieLens 100k folds."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from recsys_core.data import load_movielens
from recsys_core.errors import DataError
from recsys_core.splits import MOVIELENS_FOLDS, Split, make_split, movielens_fold, random_split


def test_random_split_is_disjoint_complete_and_reproducible(small_ratings):
    split = random_split(small_ratings, valid_pct=0.25, seed=3)
    assert len(split.valid) == 500 and len(split.train) == 1_500
    assert split.train.dtype == np.int64 and split.valid.dtype == np.int64
    assert np.array_equal(np.sort(np.concatenate([split.train, split.valid])), np.arange(len(small_ratings)))
    assert np.intersect1d(split.train, split.valid).size == 0
    assert (np.diff(split.train) > 0).all() and (np.diff(split.valid) > 0).all()
    again = random_split(len(small_ratings), valid_pct=0.25, seed=3)
    assert np.array_equal(again.valid, split.valid)
    assert not np.array_equal(random_split(small_ratings, valid_pct=0.25, seed=4).valid, split.valid)
    assert split.name == "random(valid_pct=0.25, seed=3)"
    assert split.to_json() == {"name": split.name, "n_train": 1_500, "n_valid": 500}


@pytest.mark.parametrize(("n", "pct"), [(100, 0.0), (100, 1.0), (100, 1.5), (3, 0.1), (4, 0.2)])
def test_random_split_rejects_empty_sides(n, pct):
    with pytest.raises(DataError, match="valid_pct"):
        random_split(n, valid_pct=pct)


def test_split_checks_its_arrays():
    with pytest.raises(DataError, match="in both"):
        Split(name="bad", train=np.array([0, 1, 2]), valid=np.array([2, 3]))
    with pytest.raises(DataError, match="sorted"):
        Split(name="bad", train=np.array([2, 1]), valid=np.array([3]))


def test_make_split(small_ratings):
    assert make_split(small_ratings).name == "random(valid_pct=0.2, seed=42)"
    assert make_split(small_ratings, "random", valid_pct=0.1, seed=1).name == "random(valid_pct=0.1, seed=1)"
    with pytest.raises(DataError, match="'u9' is unknown; expected 'random' or one of u1, u2"):
        make_split(small_ratings, "u9")
    with pytest.raises(DataError, match="needs ml-100k"):
        make_split(small_ratings, "u1")


@pytest.fixture(scope="module")
def ml100k(ml100k_dir):
    return load_movielens("ml-100k", data_dir=ml100k_dir, progress=False)


def _fold_file(ml100k_dir, name):
    with zipfile.ZipFile(ml100k_dir / "ml-100k.zip") as zf:
        raw = zf.read(f"ml-100k/{name}")
    return pd.read_csv(io.BytesIO(raw), sep="\t", header=None, names=["user", "item", "rating", "timestamp"])


@pytest.mark.movielens
def test_u1_matches_the_files(ml100k, ml100k_dir):
    split = movielens_fold(ml100k, "u1", data_dir=ml100k_dir)
    assert split.name == "ml-100k:u1"
    assert len(split.train) == 80_000 and len(split.valid) == 20_000
    expected = _fold_file(ml100k_dir, "u1.test")
    got = ml100k.subset(split.valid).to_df()[["user", "item", "rating"]]
    triples = lambda df: sorted(zip(df["user"], df["item"], df["rating"].astype(float)))  # noqa: E731
    assert triples(got) == triples(expected)


@pytest.mark.movielens
def test_ua_and_make_split(ml100k, ml100k_dir):
    split = make_split(ml100k, "ua", data_dir=ml100k_dir)
    assert len(split.valid) == 9_430 and len(split.train) == 90_570
    assert set(MOVIELENS_FOLDS) == {"u1", "u2", "u3", "u4", "u5", "ua", "ub"}


@pytest.mark.movielens
def test_fold_needs_ml100k_in_order(ml100k, ml100k_dir):
    shuffled = ml100k.subset(np.random.default_rng(0).permutation(len(ml100k)))
    with pytest.raises(DataError, match="row order"):
        movielens_fold(shuffled, "u1", data_dir=ml100k_dir)
    with pytest.raises(DataError, match="fold 'u7'"):
        movielens_fold(ml100k, "u7", data_dir=ml100k_dir)
