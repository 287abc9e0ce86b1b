"""The .dat and .csv MovieLens layouts, on tiny made-up archives (no MovieLens data involved)."""

from __future__ import annotations

import dataclasses
import zipfile

import pytest

from recsys_core.data import MOVIELENS, load_movielens
from recsys_core.errors import ChecksumError

_RATINGS = [(1, 10, 4.0, 100), (1, 20, 3.5, 101), (2, 10, 5.0, 102), (3, 30, 1.0, 103), (3, 31, 2.0, 104)]
_MOVIES = [(10, "Café, The (1999)", "Drama"), (20, 'A "quoted" title (2001)', "Comedy|Romance"),
           (30, "Twin (1990)", "Action"), (31, "Twin (1990)", "Action"), (40, "Unrated (2000)", "Drama")]  # fmt: skip


def _source(name: str, **counts: int):
    return dataclasses.replace(MOVIELENS[name], url="http://127.0.0.1:9/none.zip", n_ratings=5, n_users=3, n_items=4, **counts)


def test_dat_layout(tmp_path):
    source = _source("ml-10m")
    with zipfile.ZipFile(tmp_path / "ml-10m.zip", "w") as zf:
        zf.writestr("ml-10M100K/ratings.dat", "".join(f"{u}::{i}::{r:g}::{t}\n" for u, i, r, t in _RATINGS))
        zf.writestr("ml-10M100K/movies.dat", "".join(f"{i}::{t}::{g}\n" for i, t, g in _MOVIES).encode("latin-1"))
    ratings = load_movielens("ml-10m", data_dir=tmp_path, source=source, download=False)
    assert ratings.to_df()["rating"].tolist() == [r for _, _, r, _ in _RATINGS]
    assert ratings.item_info.loc[10, "title"] == "Café, The (1999)"
    titles = load_movielens("ml-10m", data_dir=tmp_path, source=source, item="title", download=False)
    assert titles.n_items == 4  # 30 and 31 share a title
    assert titles.item_info.loc["Twin (1990)", "genres"] == "Action"


def test_csv_layout(tmp_path):
    source = _source("ml-25m")
    folder = tmp_path / "ml-25m"
    folder.mkdir()
    (folder / "ratings.csv").write_text(
        "userId,movieId,rating,timestamp\n" + "".join(f"{u},{i},{r:g},{t}\n" for u, i, r, t in _RATINGS)
    )
    quote = lambda s: '"' + s.replace('"', '""') + '"'  # noqa: E731
    (folder / "movies.csv").write_text(
        "movieId,title,genres\n" + "".join(f"{i},{quote(t)},{g}\n" for i, t, g in _MOVIES), encoding="utf-8"
    )
    ratings = load_movielens("ml-25m", data_dir=tmp_path, source=source, download=False)
    assert ratings.to_df()["item"].tolist() == [10, 20, 10, 30, 31]
    assert ratings.item_info.loc[20, "title"] == 'A "quoted" title (2001)'
    assert ratings.item_info.loc[20, "genres"] == "Comedy|Romance"
    with pytest.raises(ChecksumError, match="found 5 ratings, 3 users and 4 items, expected 6, 3 and 4"):
        load_movielens("ml-25m", data_dir=tmp_path, source=dataclasses.replace(source, n_ratings=6), download=False)
