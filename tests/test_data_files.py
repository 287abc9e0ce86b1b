"""load_file: csv, tsv and parquet files of your own."""

from __future__ import annotations

import pandas as pd
import pytest

from recsys_core.data import load_file
from recsys_core.errors import DataError


@pytest.fixture
def df():
    return pd.DataFrame({"userId": [1, 2, 2], "movieId": [10, 10, 30], "stars": [4.5, 3.0, 5.0], "when": [1, 2, 3]})


def test_csv(tmp_path, df):
    path = tmp_path / "mine.csv"
    df.to_csv(path, index=False)
    ratings = load_file(path, user_name="userId", item_name="movieId", rating_name="stars", timestamp_name="when")
    assert ratings.name == "mine"
    assert ratings.to_df().equals(df.astype({"stars": "float32"}))


def test_tsv_and_explicit_separator(tmp_path, df):
    df.to_csv(tmp_path / "mine.tsv", sep="\t", index=False)
    assert len(load_file(tmp_path / "mine.tsv", user_name="userId", item_name="movieId", rating_name="stars")) == 3
    df.to_csv(tmp_path / "semi.csv", sep=";", index=False)
    ratings = load_file(tmp_path / "semi.csv", user_name="userId", item_name="movieId", rating_name="stars", sep=";")
    assert ratings.rating_range == (3.0, 5.0)


def test_parquet(tmp_path, df):
    path = tmp_path / "mine.parquet"
    df.to_parquet(path, index=False)
    ratings = load_file(path, user_name="userId", item_name="movieId", rating_name="stars")
    assert len(ratings) == 3 and ratings.n_items == 3


def test_missing_column_names_the_keyword(tmp_path, df):
    df.to_csv(tmp_path / "mine.csv", index=False)
    with pytest.raises(DataError, match=r"column 'user' not found.*pass user_name="):
        load_file(tmp_path / "mine.csv")


def test_unknown_extension_and_missing_file(tmp_path):
    (tmp_path / "ratings.xlsx").write_text("x")
    with pytest.raises(DataError, match=r"unsupported extension '\.xlsx'; expected \.csv, \.tsv or \.parquet"):
        load_file(tmp_path / "ratings.xlsx")
    with pytest.raises(DataError, match="does not exist"):
        load_file(tmp_path / "absent.csv")


def test_a_csv_read_in_many_blocks_equals_pandas(tmp_path, monkeypatch):
    """The streaming reader's blocks are stitched back in order, names and values intact."""
    import numpy as np
    import pandas as pd

    from recsys_core.data import files

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"userId": rng.integers(1, 500, 5_000), "movieId": rng.integers(1, 900, 5_000),
                          "rating": rng.choice([0.5, 1.0, 3.5, 5.0], 5_000), "timestamp": rng.integers(0, 10**9, 5_000)})
    frame = frame.drop_duplicates(["userId", "movieId"])
    frame.to_csv(tmp_path / "r.csv", index=False)
    monkeypatch.setattr(files, "CSV_BLOCK_BYTES", 4_096)  # dozens of blocks
    ratings = files.load_file(tmp_path / "r.csv", user_name="userId", item_name="movieId", timestamp_name="timestamp")
    back = ratings.to_df()
    np.testing.assert_array_equal(back["userId"].to_numpy(), frame["userId"].to_numpy())
    np.testing.assert_array_equal(back["movieId"].to_numpy(), frame["movieId"].to_numpy())
    np.testing.assert_array_equal(back["rating"].to_numpy(), frame["rating"].to_numpy(np.float32))
    np.testing.assert_array_equal(back["timestamp"].to_numpy(), frame["timestamp"].to_numpy())
