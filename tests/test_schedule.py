"""The one-cycle schedule matches fastai's fit_one_cycle at its landmarks."""

import numpy as np
import pytest

from recsys_core.schedule import constant, make_schedule, one_cycle
from recsys_core.spec import TrainConfig


def test_one_cycle_landmarks():
    s = one_cycle(1000, 5e-3)
    assert len(s) == 1000
    assert s.lr[0] == pytest.approx(5e-3 / 25)
    assert s.lr[250] == pytest.approx(5e-3)  # peak at pct_start
    assert s.lr.max() == pytest.approx(5e-3)
    assert s.beta1[0] == pytest.approx(0.95)
    assert s.beta1[250] == pytest.approx(0.85)
    assert s.beta1.min() == pytest.approx(0.85)
    # the last step sits just before the end of the cosine towards lr_max / div_final
    assert 5e-3 / 1e5 < s.lr[-1] < 5e-3 / 1e3


def test_one_cycle_is_monotone_in_each_phase():
    s = one_cycle(400, 1e-2)
    assert np.all(np.diff(s.lr[:100]) > 0) and np.all(np.diff(s.lr[100:]) < 0)
    assert np.all(np.diff(s.beta1[:100]) < 0) and np.all(np.diff(s.beta1[100:]) > 0)


def test_one_cycle_matches_fastai_formula_midway():
    # fastai: SchedCos(start, end)(pos) = start + (1 + cos(pi * (1 - pos))) * (end - start) / 2
    s = one_cycle(100, 1.0, pct_start=0.25, div=25.0, div_final=1e5)
    pos = (50 / 100 - 0.25) / 0.75
    expected = 1.0 + (1 + np.cos(np.pi * (1 - pos))) * (1e-5 - 1.0) / 2
    assert s.lr[50] == pytest.approx(expected, rel=1e-12)


def test_make_schedule_spans_all_epochs():
    config = TrainConfig(epochs=3)
    assert len(make_schedule(config, 10)) == 30
    flat = make_schedule(TrainConfig(epochs=2, schedule="constant", lr=0.1), 5)
    assert np.all(flat.lr == 0.1) and np.all(flat.beta1 == 0.95)
    assert np.all(constant(3, 0.2).lr == 0.2)
