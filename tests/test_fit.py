"""End to end: fit on real MovieLens 100k, the book's recipe and the toolkit's defaults, save, reload, predict."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import recsys_core as rs
from recsys_core.errors import DataError

pytestmark = pytest.mark.movielens


@pytest.fixture(scope="module")
def ml100k_titles(ml100k_dir):
    return rs.load_movielens("ml-100k", data_dir=ml100k_dir, item="title", progress=False)


@pytest.fixture(scope="module")
def book_model(ml100k_titles):
    """The fastai chapter-8 recipe: biased, 50 factors, y_range (0, 5.5), fit_one_cycle(5, 5e-3, wd=0.1), bs 64."""
    spec = rs.ModelSpec.book()
    return rs.fit(ml100k_titles, spec, rs.TrainConfig.book(seed=42), valid_pct=0.2, backend="torch", device="cpu")


def test_book_recipe_reaches_the_target(book_model):
    m = book_model.metrics
    assert len(book_model.history) == 5
    assert m["rmse"] <= 0.905, m
    assert m["rmse"] == pytest.approx(np.sqrt(m["valid_loss"]), abs=1e-4)
    assert 0.6 < m["mae"] < m["rmse"]
    assert book_model.info["n_train"] == 80_000 and book_model.info["n_valid"] == 20_000


def test_toolkit_defaults_beat_the_book(ml100k_dir):
    """The defaults (chosen on other splits) against the book's recipe on the same seed-42 split, items by id."""
    ratings = rs.load_movielens("ml-100k", data_dir=ml100k_dir, progress=False)
    ours = rs.fit(ratings, rs.ModelSpec.default(), rs.TrainConfig(seed=42), valid_pct=0.2, device="cpu").metrics
    book = rs.fit(ratings, rs.ModelSpec.book(), rs.TrainConfig.book(seed=42), valid_pct=0.2, device="cpu").metrics
    assert ours["rmse"] < book["rmse"] - 0.002, (ours["rmse"], book["rmse"])
    assert ours["rmse"] <= 0.900, ours  # measured 0.8930 (book: 0.8988; one member: 0.8958)


def test_checkpoint_predicts_the_same_in_a_new_process(book_model, tmp_path):
    path = book_model.save(tmp_path / "book.safetensors")
    pairs = pd.DataFrame({"user": [42, 1, 500], "item": ["Star Wars (1977)", "Toy Story (1995)", "Fargo (1996)"]})
    expected = book_model.predict(pairs)
    pairs.to_csv(tmp_path / "pairs.csv", index=False)
    run = subprocess.run(
        [sys.executable, "-m", "recsys_core.cli", "predict", str(path), "--pairs", str(tmp_path / "pairs.csv"), "--json"],
        capture_output=True, text=True, check=True,
    )
    got = [row["prediction"] for row in json.loads(run.stdout.strip().splitlines()[-1])]
    np.testing.assert_array_equal(np.float32(got), expected)
    reloaded = rs.load_model(path)
    np.testing.assert_array_equal(reloaded.predict(pairs), expected)
    with pytest.raises(DataError, match="call evaluate\\(ratings, split\\)"):
        reloaded.evaluate(rs.random_split(100_000))


def test_evaluate_on_the_training_split_reproduces_the_metrics(book_model, ml100k_titles):
    split = rs.random_split(ml100k_titles, valid_pct=0.2, seed=42)
    result = book_model.evaluate(ml100k_titles, split)
    assert result["rmse"] == pytest.approx(book_model.metrics["rmse"], abs=1e-6)
    assert result["unknown"] == 0
    assert book_model.evaluate(split)["rmse"] == result["rmse"]  # the data it was fit on
    fold = book_model.evaluate(rs.movielens_fold(ml100k_titles, "u1"))
    assert fold["n"] == 20_000 and fold["rmse"] < result["rmse"]  # u1.test overlaps the training rows


def test_unknown_names_follow_the_policy(book_model):
    with pytest.raises(DataError, match="Not A Film"):
        book_model.predict(users=[1], items=["Not A Film (2099)"])
    assert np.isnan(book_model.predict(users=[1], items=["Not A Film (2099)"], unknown="nan"))[0]
    fallback = book_model.predict(users=[1], items=["Not A Film (2099)"], unknown="fallback")[0]
    assert fallback == pytest.approx(book_model.info["train_mean"], abs=1e-6)


def test_bias_ranking_looks_like_the_book(book_model):
    bias = book_model.params["item_bias"]
    titles = book_model.item_vocab.names
    worst = set(titles[np.argsort(bias[1:])[:15] + 1])
    best = set(titles[np.argsort(-bias[1:])[:15] + 1])
    assert {"Shawshank Redemption, The (1994)", "Titanic (1997)", "Star Wars (1977)"} & best
    assert {"Children of the Corn: The Gathering (1996)", "Lawnmower Man 2: Beyond Cyberspace (1996)",
            "Mortal Kombat: Annihilation (1997)", "Cable Guy, The (1996)", "Striptease (1996)"} & worst
