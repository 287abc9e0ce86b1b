"""MovieLens loaders against the shared ml-100k archive (never copied into the repo)."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from recsys_core.data import MOVIELENS, load_movielens, movielens_cached
from recsys_core.errors import ChecksumError, DataError, DatasetUnavailableError, UnknownNameError

pytestmark = pytest.mark.movielens


@pytest.fixture(scope="module")
def u_data(ml100k_dir):
    with zipfile.ZipFile(ml100k_dir / "ml-100k.zip") as zf:
        raw = zf.read("ml-100k/u.data")
    return pd.read_csv(io.BytesIO(raw), sep="\t", header=None, names=["user", "item", "rating", "timestamp"])


@pytest.fixture(scope="module")
def by_id(ml100k_dir):
    return load_movielens("ml-100k", data_dir=ml100k_dir, progress=False)


def test_ml100k_from_the_shared_zip(by_id, u_data):
    assert by_id.name == "ml-100k"
    assert len(by_id) == 100_000
    assert by_id.n_users == 944 and by_id.n_items == 1_683
    assert by_id.rating_range == (1.0, 5.0)
    df = by_id.to_df()
    assert list(df.columns) == ["user", "item", "rating", "timestamp"]
    for column in df.columns:  # u.data's row order, every row
        assert np.array_equal(df[column].to_numpy(), u_data[column].to_numpy()), column
    assert by_id.item_info.loc[50, "title"] == "Star Wars (1977)"
    assert "Sci-Fi" in by_id.item_info.loc[50, "genres"].split("|")


def test_ml100k_by_title_merges_duplicate_titles(ml100k_dir, u_data):
    ratings = load_movielens("ml-100k", data_dir=ml100k_dir, item="title", progress=False)
    assert len(ratings) == 100_000
    assert ratings.n_items == 1_665
    assert ratings.item_vocab.index("Star Wars (1977)") > 0
    assert ratings.item_info.loc["Star Wars (1977)", "title"] == "Star Wars (1977)"
    assert np.array_equal(ratings.to_df()["user"].to_numpy(), u_data["user"].to_numpy())


def test_extracted_folder(ml100k_dir, tmp_path, by_id):
    with zipfile.ZipFile(ml100k_dir / "ml-100k.zip") as zf:
        zf.extractall(tmp_path)
    assert movielens_cached("ml-100k", tmp_path)
    from_folder = load_movielens("ml-100k", data_dir=tmp_path, download=False, progress=False)
    assert np.array_equal(from_folder.users, by_id.users) and np.array_equal(from_folder.items, by_id.items)
    via_path = load_movielens("ml-100k", path=tmp_path / "ml-100k", download=False)
    assert len(via_path) == 100_000


def test_user_supplied_zip_with_wrong_contents_is_refused(ml100k_dir, tmp_path):
    bad = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(ml100k_dir / "ml-100k.zip") as src, zipfile.ZipFile(bad, "w") as dst:
        lines = src.read("ml-100k/u.data").splitlines(keepends=True)
        dst.writestr("ml-100k/u.data", b"".join(lines[:5_000]))
        dst.writestr("ml-100k/u.item", src.read("ml-100k/u.item"))
    with pytest.raises(ChecksumError, match="found 5,000 ratings.*expected 100,000"):
        load_movielens("ml-100k", path=bad)
    with pytest.raises(ChecksumError, match="found 5,000 ratings"):
        load_movielens("ml-100k", data_dir=tmp_path, download=False)


def test_not_a_movielens_zip(tmp_path):
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ChecksumError, match="has no u.data"):
        load_movielens("ml-100k", path=other)


def test_nothing_cached_and_no_download(tmp_path):
    with pytest.raises(DatasetUnavailableError, match=f"put ml-100k.zip in {tmp_path}"):
        load_movielens("ml-100k", data_dir=tmp_path, download=False)
    assert not movielens_cached("ml-100k", tmp_path)


def test_bad_arguments(ml100k_dir):
    with pytest.raises(UnknownNameError, match="ml-5m"):
        load_movielens("ml-5m", data_dir=ml100k_dir)
    with pytest.raises(DataError, match="item='name'"):
        load_movielens("ml-100k", data_dir=ml100k_dir, item="name")


def test_catalog_of_sources():
    assert set(MOVIELENS) == {"ml-100k", "ml-latest-small", "ml-1m", "ml-10m", "ml-20m", "ml-25m", "ml-32m"}
    assert MOVIELENS["ml-10m"].folder == "ml-10M100K" and MOVIELENS["ml-10m"].url.endswith("/ml-10m.zip")
    assert MOVIELENS["ml-25m"].n_ratings == 25_000_095
    for source in MOVIELENS.values():
        assert source.url.startswith("https://") and source.url.endswith(f"/{source.name}.zip")
        assert source.md5 is None or len(source.md5) == 32
    with pytest.raises(dataclasses.FrozenInstanceError):
        MOVIELENS["ml-100k"].url = "x"  # type: ignore[misc]
