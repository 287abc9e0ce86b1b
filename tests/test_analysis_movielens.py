"""Analysis of the book's ml-100k model (items by title), trained once on torch and once on jax; CLI commands."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

import recsys_core as rs
from recsys_core import analysis as an
from recsys_core import cli_analysis
from recsys_core.errors import DataError
from recsys_core.splits import Split
from recsys_core.testing.reference import reference_predict

pytestmark = pytest.mark.movielens

BOTTOM = {"Children of the Corn: The Gathering (1996)", "Lawnmower Man 2: Beyond Cyberspace (1996)",
          "Mortal Kombat: Annihilation (1997)", "Cable Guy, The (1996)"}
TOP = {"Titanic (1997)", "Shawshank Redemption, The (1994)", "Star Wars (1977)", "L.A. Confidential (1997)",
       "Silence of the Lambs, The (1991)"}
LAMBS = "Silence of the Lambs, The (1991)"


@pytest.fixture(scope="module")
def titles(ml100k_dir):
    return rs.load_movielens("ml-100k", data_dir=ml100k_dir, item="title", progress=False)


def _book(ratings, backend: str, **kwargs):
    return rs.fit(ratings, rs.ModelSpec.book(), rs.TrainConfig.book(seed=42), backend=backend, device="cpu", **kwargs)


@pytest.fixture(scope="module")
def torch_model(titles):
    pytest.importorskip("torch")
    return _book(titles, "torch", valid_pct=0.2)


@pytest.fixture(scope="module")
def jax_model(titles):
    pytest.importorskip("jax")
    return _book(titles, "jax", valid_pct=0.2)


@pytest.fixture(scope="module")
def checkpoint_path(torch_model, tmp_path_factory):
    return torch_model.save(tmp_path_factory.mktemp("ckpt") / "book.safetensors")


def test_bias_ranking_looks_like_the_book(torch_model, titles):
    ranking = an.bias_ranking(torch_model, titles, n=10, top_rated=1000)
    assert len(BOTTOM & set(ranking.lowest["name"])) >= 2, ranking.lowest
    assert len(TOP & set(ranking.highest["name"])) >= 3, ranking.highest
    assert (ranking.lowest["mean_rating"] < 2.6).all() and (ranking.highest["mean_rating"] > 3.9).all()
    assert (ranking.highest["n_ratings"] > 0).all()


def test_torch_and_jax_agree_on_orderings(torch_model, jax_model, titles):
    for side in ("lowest", "highest"):
        a = getattr(an.bias_ranking(torch_model, titles, n=10, top_rated=1000), side)["name"].tolist()
        b = getattr(an.bias_ranking(jax_model, titles, n=10, top_rated=1000), side)["name"].tolist()
        assert a == b, (side, a, b)
    for film in (LAMBS, "Star Wars (1977)"):
        a = an.most_similar(torch_model, film, n=10, ratings=titles, top_rated=1000)["name"].tolist()
        b = an.most_similar(jax_model, film, n=10, ratings=titles, top_rated=1000)["name"].tolist()
        assert a == b, (film, a, b)
    a = an.recommend(torch_model, 42, exclude=titles)["item"].tolist()
    b = an.recommend(jax_model, 42, exclude=titles)["item"].tolist()
    assert a == b


def test_pca_maps_are_written(torch_model, titles, tmp_path):
    result = an.factor_pca(torch_model, titles, top_rated=1000)
    assert result.scores.shape == (1000, 3)
    assert 0 < result.explained[2] < result.explained[1] < result.explained[0] < 1
    extremes = an.pca_extremes(result, n=10)
    assert len(extremes) == 60
    png = an.plot_pca(result, tmp_path / "pca.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    _, low, sparse = an.factor_robust_pca(torch_model, titles, top_rated=1000)
    assert an.plot_pca(low, tmp_path / "low.png").stat().st_size > 10_000


def test_recommend_skips_what_the_user_rated(torch_model, titles):
    recs = an.recommend(torch_model, 42, n=10, exclude=titles)
    seen = set(titles.to_df().query("user == 42")["item"])
    assert len(recs) == 10 and not seen & set(recs["item"])
    assert (np.diff(recs["score"]) <= 0).all() and recs["score"].between(0, 5.5).all()


def test_fold_in_a_held_out_user_is_close_to_training_with_them(titles):
    """One user with >= 100 ratings: fold in 80% of them into a model that never saw the user, score the other 20%."""
    counts = np.bincount(titles.users, minlength=titles.n_users)
    user = int(np.flatnonzero(counts >= 100)[0])
    rows = np.flatnonzero(titles.users == user)
    shuffled = np.random.default_rng(0).permutation(rows)
    cut = int(round(0.8 * len(rows)))
    known, held = np.sort(shuffled[:cut]), np.sort(shuffled[cut:])
    base = rs.random_split(titles, valid_pct=0.2, seed=42)
    train, valid = np.setdiff1d(base.train, rows), np.setdiff1d(base.valid, rows)
    backend = "jax" if _has("jax") else "torch"
    without = _book(titles, backend, split=Split(name="without-user", train=train, valid=valid))
    with_user = _book(titles, backend, split=Split(name="with-user", train=np.union1d(train, known), valid=valid))

    names = titles.item_vocab.decode(titles.items[known])
    folded = an.fold_in_user(without, list(zip(names, titles.ratings[known])))
    truth = titles.ratings[held].astype(np.float64)
    fold_rmse = float(np.sqrt(np.mean((an.predict_folded(without, folded, titles.item_vocab.decode(titles.items[held])) - truth) ** 2)))
    full = reference_predict(with_user.spec, with_user.params, np.full(len(held), user), titles.items[held])
    full_rmse = float(np.sqrt(np.mean((full - truth) ** 2)))
    mean_rmse = float(np.sqrt(np.mean((without.info["train_mean"] - truth) ** 2)))
    print(f"\nuser {user} ({len(rows)} ratings, {len(held)} held out): fold-in RMSE {fold_rmse:.4f}, "
          f"full-training RMSE {full_rmse:.4f}, global-mean RMSE {mean_rmse:.4f}")
    assert fold_rmse < full_rmse + 0.15
    assert fold_rmse < mean_rmse


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def test_errors_name_what_was_wrong(torch_model):
    with pytest.raises(DataError, match="did you mean 'Silence of the Lambs, The \\(1991\\)'"):
        an.most_similar(torch_model, "Silence of the Lamb (1991)")
    with pytest.raises(DataError, match="user 99999 is not among the model's 943 users"):
        an.recommend(torch_model, 99999)
    with pytest.raises(DataError, match="no ratings were given"):
        an.fold_in_user(torch_model, [])
    with pytest.raises(DataError, match="did you mean 'Star Wars \\(1977\\)'"):
        an.recommend_new_user(torch_model, [("Star Wars (1977)", 5), ("Star Warz (1977)", 5)])


def test_average_taste_recommends_crowd_pleasers(torch_model):
    recs = an.recommend_new_user(torch_model, None, n=15)
    assert len(TOP & set(recs["item"])) >= 2, recs


@pytest.fixture(scope="module")
def app():
    app = typer.Typer(pretty_exceptions_enable=False)
    cli_analysis.register(app)
    return app


def test_cli_recommend_and_similar(app, checkpoint_path):
    runner = CliRunner()
    run = runner.invoke(app, ["recommend", str(checkpoint_path), "--user", "42", "-n", "5"])
    assert run.exit_code == 0, run.output
    assert len(run.stdout.strip().splitlines()) == 6
    run = runner.invoke(app, ["similar", str(checkpoint_path), "--item", LAMBS, "-n", "10"])
    assert run.exit_code == 0, run.output
    assert len(run.stdout.strip().splitlines()) == 11
    run = runner.invoke(app, ["recommend", str(checkpoint_path), "--rate", "Star Wars (1977)=5", "-n", "3"])
    assert run.exit_code == 0 and "Star Wars (1977)" not in run.stdout


def test_cli_analyze_writes_the_report(app, checkpoint_path, tmp_path):
    run = CliRunner().invoke(app, ["analyze", str(checkpoint_path), "--out", str(tmp_path / "rep")])
    assert run.exit_code == 0, run.output
    text = (tmp_path / "rep" / "report.md").read_text()
    assert "Children of the Corn" in text or "Lawnmower Man 2" in text
    assert "| name | bias | mean_rating | n_ratings |" in text and "PC1 (" in text and "Star Wars (1977)" in text
    for png in ("item_biases.png", "pca_items_pc1_pc2.png", "pca_items_pc1_pc3.png"):
        assert (tmp_path / "rep" / png).stat().st_size > 10_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["similar", "{ckpt}", "--item", "Silence of the Lamb (1991)"], "did you mean 'Silence of the Lambs"),
        (["recommend", "{ckpt}", "--user", "99999"], "user '99999' is not among"),
        (["recommend", "{ckpt}", "--rate", "Star Warz=5"], "did you mean"),
        (["recommend", "{ckpt}"], "give exactly one of"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(checkpoint_path, tmp_path, args, message):
    script = tmp_path / "recsys_cli.py"
    script.write_text(textwrap.dedent("""
        from recsys_core import cli, cli_analysis
        cli_analysis.register(cli.app)
        cli.main()
    """))
    run = subprocess.run([sys.executable, str(script), *[a.format(ckpt=checkpoint_path) for a in args]],
                         capture_output=True, text=True)
    assert run.returncode == 2, run.stderr
    assert message in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
