"""Ranking metrics against hand-computed values on a tiny example, and seen-item exclusion."""

import math

import numpy as np
import pandas as pd
import pytest

from recsys_core.data import Ratings
from recsys_core.evaluation import evaluate
from recsys_core.evaluation.ranking import (
    TopK, coverage_at_k, hit_rate_at_k, map_at_k, ndcg_at_k, precision_at_k, recall_at_k, top_k,
)
from recsys_core.splits import Split

L2 = math.log2


def tiny_topk():
    # user A: top3 = [hit, miss, hit], 3 relevant; user B: [miss, miss, miss], 1 relevant; user C: no relevant item
    return TopK(
        users=np.array([1, 2, 3], np.int32),
        items=np.array([[1, 2, 3], [4, 5, 1], [2, 3, 0]], np.int32),
        hits=np.array([[True, False, True], [False, False, False], [False, False, False]]),
        n_relevant=np.array([3, 1, 0]), n_catalog=8, k=3,
    )


def test_metrics_match_hand_computed_values():
    t = tiny_topk()
    assert precision_at_k(t) == pytest.approx((2 / 3 + 0) / 2)
    assert recall_at_k(t) == pytest.approx((2 / 3 + 0) / 2)
    assert hit_rate_at_k(t) == pytest.approx(0.5)
    dcg_a = 1 / L2(2) + 1 / L2(4)
    idcg_a = 1 / L2(2) + 1 / L2(3) + 1 / L2(4)
    assert ndcg_at_k(t) == pytest.approx((dcg_a / idcg_a + 0) / 2)
    assert map_at_k(t) == pytest.approx(((1 + 2 / 3) / 3 + 0) / 2)
    assert coverage_at_k(t) == pytest.approx(5 / 8)  # items 1..5


@pytest.fixture
def tiny():
    # 2 users x 4 items; item scores: item d > c > b > a for everyone
    df = pd.DataFrame({
        "user": ["u", "u", "u", "u", "v", "v", "v"],
        "item": ["a", "b", "c", "d", "a", "b", "d"],
        "rating": [5, 2, 5, 4, 5, 1, 3],
    })
    ratings = Ratings.from_df(df)
    return ratings


def test_top_k_excludes_items_seen_in_train(tiny):
    codes = {name: i for i, name in enumerate(tiny.item_vocab.names)}
    score = np.zeros(tiny.n_items)
    for name, value in {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}.items():
        score[codes[name]] = value
    scorer = lambda users, items: score[items]  # noqa: E731
    # train: u rated d and b; v rated d.  test: u's a (5) and c (5); v's a (5) and b (1)
    rows = {(tiny.user_vocab.names[u], tiny.item_vocab.names[i]): r for r, (u, i) in enumerate(zip(tiny.users, tiny.items))}
    train = np.array(sorted([rows["u", "d"], rows["u", "b"], rows["v", "d"]]), np.int64)
    valid = np.array(sorted([rows["u", "a"], rows["u", "c"], rows["v", "a"], rows["v", "b"]]), np.int64)
    split = Split(name="tiny", train=train, valid=valid)
    lists = top_k(scorer, tiny, split, k=2)
    names = {tiny.user_vocab.names[u]: [tiny.item_vocab.names[i] for i in row] for u, row in zip(lists.users, lists.items)}
    assert names == {"u": ["c", "a"], "v": ["c", "b"]}  # d (seen) never recommended, best unseen first
    assert lists.hits.tolist() == [[True, True], [False, False]]  # v's b was rated 1: not relevant
    values = evaluate(scorer, tiny, split, ["precision", "recall", "hit_rate", "coverage"], k=2)
    assert values["precision@2"] == pytest.approx((1.0 + 0.0) / 2)  # v's relevant item a is ranked 3rd
    assert values["recall@2"] == pytest.approx((1.0 + 0.0) / 2)
    assert values["hit_rate@2"] == pytest.approx(0.5)
    assert values["coverage@2"] == pytest.approx(3 / 4)  # a, b, c


def test_top_k_scores_in_chunks_with_the_same_result(tiny, rng):
    table = rng.normal(size=(tiny.n_users, tiny.n_items))
    scorer = lambda users, items: table[users, items]  # noqa: E731
    split = Split(name="s", train=np.array([0, 4], np.int64), valid=np.array([1, 2, 3, 5, 6], np.int64))
    whole = top_k(scorer, tiny, split, k=3)
    chunked = top_k(scorer, tiny, split, k=3, chunk_cells=1)
    assert np.array_equal(whole.items, chunked.items) and np.array_equal(whole.hits, chunked.hits)


def test_user_with_fewer_candidates_than_k_gets_padding(tiny):
    split = Split(name="s", train=np.array([0, 1, 2], np.int64), valid=np.array([3], np.int64))
    lists = top_k(lambda u, i: i.astype(float), tiny, split, k=3)
    assert lists.items.tolist() == [[tiny.item_vocab.encode(np.array(["d"]))[0], 0, 0]]
