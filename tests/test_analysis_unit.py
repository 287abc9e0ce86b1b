"""Analysis on small hand-built checkpoints: robust PCA, PCA, errors, fold-in, recommend, exports (no backend)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_core import analysis as an
from recsys_core.checkpoint import Checkpoint
from recsys_core.data import Ratings, Vocab
from recsys_core.errors import DataError
from recsys_core.spec import ModelSpec


def _checkpoint(kind: str = "biased", n_users: int = 30, n_items: int = 40, k: int = 4, y_range=(0.0, 5.5),
                members: int = 1) -> Checkpoint:
    rng = np.random.default_rng(0)
    spec = ModelSpec(kind=kind, n_factors=k, y_range=y_range, members=members)
    params = {"user_factors": rng.normal(0, 0.5, (n_users + 1, members * k)).astype(np.float32),
              "item_factors": rng.normal(0, 0.5, (n_items + 1, members * k)).astype(np.float32)}
    if spec.has_bias:
        shape = (1,) if members == 1 else (members,)
        params["user_bias"] = rng.normal(0, 0.3, (n_users + 1, *shape)).astype(np.float32).reshape(n_users + 1, -1)
        params["item_bias"] = rng.normal(0, 0.3, (n_items + 1, *shape)).astype(np.float32).reshape(n_items + 1, -1)
        if members == 1:
            params["user_bias"], params["item_bias"] = params["user_bias"][:, 0], params["item_bias"][:, 0]
    users, _ = Vocab.from_values(np.arange(1, n_users + 1))
    items, _ = Vocab.from_values([f"Film {i:02d}" for i in range(n_items)])
    return Checkpoint(spec=spec, params=params, user_vocab=users, item_vocab=items, info={"dataset": "toy"})


@pytest.fixture(scope="module")
def toy() -> Checkpoint:
    return _checkpoint()


@pytest.fixture(scope="module")
def toy_ratings(toy) -> Ratings:
    rng = np.random.default_rng(1)
    users = rng.integers(1, 31, 300)
    items = rng.integers(0, 40, 300)
    frame = pd.DataFrame({"user": users, "item": [f"Film {i:02d}" for i in items], "rating": rng.integers(1, 6, 300)})
    return Ratings.from_df(frame, duplicates="mean")


def test_robust_pca_recovers_low_rank_and_sparse_parts():
    rng = np.random.default_rng(3)
    n, f, rank = 200, 50, 3
    low = rng.normal(size=(n, rank)) @ rng.normal(size=(rank, f))
    sparse = np.zeros((n, f))
    mask = rng.random((n, f)) < 0.05
    sparse[mask] = rng.uniform(-10, 10, mask.sum())
    result = an.robust_pca(low + sparse)
    assert result.converged
    assert np.linalg.norm(result.low_rank - low) / np.linalg.norm(low) < 1e-2
    assert np.linalg.norm(result.sparse - sparse) / np.linalg.norm(sparse) < 5e-2
    assert result.rank == rank


def test_pca_matrix_matches_the_covariance_eigenvectors():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(300, 5)) * np.array([5.0, 3.0, 1.0, 0.5, 0.1])
    scores, components, explained = an.pca_matrix(x, k=2)
    vals, vecs = np.linalg.eigh(np.cov(x.T))
    assert np.allclose(np.abs(components @ vecs[:, ::-1][:, :2]), np.eye(2), atol=1e-8)
    assert np.allclose(explained, vals[::-1][:2] / vals.sum())
    assert np.allclose(scores, (x - x.mean(0)) @ components.T)
    with pytest.raises(DataError, match="k=9"):
        an.pca_matrix(x, k=9)


def test_dot_model_has_no_biases():
    with pytest.raises(DataError, match="model kind 'dot' has no biases"):
        an.bias_ranking(_checkpoint("dot"))


def test_bias_ranking_sorts_and_counts(toy, toy_ratings):
    ranking = an.bias_ranking(toy, toy_ratings, n=5)
    bias = toy.params["item_bias"]
    assert ranking.lowest["bias"].tolist() == pytest.approx(np.sort(bias[1:])[:5])
    assert ranking.highest["bias"].tolist() == pytest.approx(np.sort(bias[1:])[::-1][:5])
    frame = toy_ratings.to_df()
    name = ranking.lowest["name"][0]
    assert ranking.lowest["n_ratings"][0] == (frame["item"] == name).sum()
    top = an.bias_ranking(toy, toy_ratings, n=40, top_rated=10)
    assert len(top.lowest) == 10


def test_unknown_names_suggest_close_matches(toy):
    with pytest.raises(DataError, match=r"item 'Flim 07' is not among .* did you mean 'Film 07'"):
        an.most_similar(toy, "Flim 07")
    with pytest.raises(DataError, match=r"user 999 is not among the model's 30 users"):
        an.recommend(toy, 999)
    with pytest.raises(DataError, match="did you mean 'Film 03'"):
        an.fold_in_user(toy, [("Film 01", 4.0), ("Flim 03", 5.0)])


def test_empty_rating_list_is_an_error(toy):
    with pytest.raises(DataError, match="no ratings were given"):
        an.fold_in_user(toy, [])
    assert an.recommend_new_user(toy, None, n=3).shape == (3, 2)


def test_most_similar_is_cosine_and_excludes_itself(toy):
    frame = an.most_similar(toy, "Film 05", n=39)
    assert "Film 05" not in set(frame["name"]) and len(frame) == 39
    f = toy.params["item_factors"].astype(np.float64)
    other = toy.item_vocab.index(frame["name"][0])
    code = toy.item_vocab.index("Film 05")
    cos = f[code] @ f[other] / np.linalg.norm(f[code]) / np.linalg.norm(f[other])
    assert frame["similarity"][0] == pytest.approx(cos)
    assert (np.diff(frame["similarity"]) <= 0).all()


def test_recommend_excludes_seen_items_and_uses_the_reference_forward(toy, toy_ratings):
    frame = an.recommend(toy, 3, n=40, exclude=toy_ratings)
    seen = set(toy_ratings.to_df().query("user == 3")["item"])
    assert seen and not seen & set(frame["item"])
    assert len(frame) == 40 - len(seen)
    code = toy.item_vocab.index(frame["item"][0])
    u = toy.params["user_factors"][3].astype(np.float64)
    x = u @ toy.params["item_factors"][code] + toy.params["user_bias"][3] + toy.params["item_bias"][code]
    assert frame["score"][0] == pytest.approx(5.5 / (1 + np.exp(-x)))


@pytest.mark.parametrize("y_range", [None, (0.0, 5.5)])
def test_fold_in_recovers_a_user_the_model_could_have_learned(y_range):
    model = _checkpoint(y_range=y_range, n_items=60)
    code = 7
    items = model.item_vocab.names[1:]
    truth = an.score_user(model, model.params["user_factors"][code], float(model.params["user_bias"][code]))[1:]
    user = an.fold_in_user(model, list(zip(items, truth)), l2=1e-6)
    assert np.allclose(user.factors, model.params["user_factors"][code], atol=1e-3)
    assert user.bias == pytest.approx(float(model.params["user_bias"][code]), abs=1e-3)
    recs = an.recommend_folded(model, user, n=5)
    assert recs.empty  # every item was rated
    assert an.predict_folded(model, user, items[:3]) == pytest.approx(truth[:3], abs=1e-3)


def test_fold_in_and_biases_of_an_ensemble_work_member_by_member():
    model = _checkpoint(y_range=(0.0, 5.5), n_items=60, members=3)
    code = 7
    items = model.item_vocab.names[1:]
    truth = an.score_user(model, model.params["user_factors"][code], model.params["user_bias"][code])[1:]
    user = an.fold_in_user(model, list(zip(items, truth)), l2=1e-6)
    assert user.factors.shape == (12,) and np.shape(user.bias) == (3,)
    assert an.predict_folded(model, user, items[:5]) == pytest.approx(truth[:5], abs=5e-3)
    ranking = an.bias_ranking(model, n=3)
    assert ranking.highest.iloc[0]["bias"] == pytest.approx(model.params["item_bias"][1:].mean(axis=1).max(), abs=1e-6)


def test_exports_write_labelled_tables(toy, toy_ratings, tmp_path):
    csv = an.export_factors(toy, tmp_path / "items.csv", toy_ratings)
    frame = pd.read_csv(csv)
    assert list(frame.columns[:4]) == ["name", "bias", "n_ratings", "mean_rating"] and len(frame) == 40
    assert np.allclose(frame[[f"f{j}" for j in range(4)]].to_numpy(), toy.params["item_factors"][1:], atol=1e-6)
    parquet = an.export_factors(toy, tmp_path / "users.parquet", side="user")
    assert pd.read_parquet(parquet)["name"].tolist() == list(range(1, 31))
    vectors, meta = an.export_projector(toy, tmp_path / "proj", toy_ratings)
    assert len(vectors.read_text().splitlines()) == 40
    assert meta.read_text().splitlines()[0] == "name\tbias\tn_ratings\tmean_rating"
    assert len(meta.read_text().splitlines()) == 41
    with pytest.raises(DataError, match="export format"):
        an.export_factors(toy, tmp_path / "items.xlsx")


def test_plots_and_report_on_a_dot_model(tmp_path):
    model = _checkpoint("dot")
    report = an.write_report(model, tmp_path / "rep")
    text = report.read_text()
    assert "has no biases" in text and "PC1 (" in text
    assert (tmp_path / "rep" / "pca_items_pc1_pc2.png").stat().st_size > 10_000


def test_robust_pca_of_factors_gives_pca_views(toy):
    result, low, sparse = an.factor_robust_pca(toy, k=2)
    assert np.allclose(result.low_rank + result.sparse, toy.params["item_factors"][1:], atol=1e-4)
    assert low.scores.shape == (40, 2) and sparse.label == "sparse S"
