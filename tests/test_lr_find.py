"""The LR range test: the exponential schedule, the stop rule, and a run on every installed backend."""

import numpy as np
import pytest

from recsys_core.lr_find import exponential_schedule, lr_find, plot_lr_find, smooth, suggest
from recsys_core.spec import ModelSpec, TrainConfig


def test_exponential_schedule_matches_fastai():
    s = exponential_schedule(100, 1e-7, 10)
    assert len(s) == 100 and s.lr[0] == pytest.approx(1e-7) and s.lr[50] == pytest.approx(1e-7 * 1e8 ** 0.5)
    assert np.all(np.diff(np.log(s.lr)) == pytest.approx(np.log(1e8) / 100))


def test_smooth_is_debiased():
    assert smooth(np.array([2.0, 2.0, 2.0])) == pytest.approx([2.0, 2.0, 2.0])


def test_suggest_picks_the_steepest_drop_and_the_minimum_over_ten():
    lrs = np.logspace(-6, 0, 40)
    losses = np.r_[np.full(15, 2.0), np.linspace(2.0, 1.0, 10), np.linspace(1.0, 0.9, 10), np.linspace(0.9, 3, 5)]
    steep, minimum = suggest(lrs, losses)
    assert lrs[15] <= steep <= lrs[24]
    assert minimum == pytest.approx(lrs[34] / 10)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_lr_find_runs_on_a_backend(backend, small_ratings, tmp_path):
    pytest.importorskip(backend)
    found = lr_find(small_ratings, ModelSpec(n_factors=8), TrainConfig(bs=16), backend=backend, num_it=60)
    assert 10 <= len(found.lrs) <= 60 and found.lrs[0] == pytest.approx(1e-7)
    assert 1e-7 <= found.minimum <= 1.0 and 1e-7 <= found.steep <= 10
    assert found.losses[-1] > found.losses.min()  # the curve rises again at the end
    path = plot_lr_find(found, tmp_path / "lr.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_lr_find_stops_when_the_loss_explodes(small_ratings):
    pytest.importorskip("torch")
    found = lr_find(small_ratings, ModelSpec(kind="dot", n_factors=8, y_range=None), TrainConfig(bs=16),
                    backend="torch", num_it=80, end_lr=1e4)
    assert len(found.lrs) < 80
    assert found.losses[-1] > 4 * found.losses.min()
