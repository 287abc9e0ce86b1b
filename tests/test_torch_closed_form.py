"""The torch backend's closed-form dot/biased step trains exactly as autograd does (to float32 rounding)."""

from __future__ import annotations

import numpy as np
import pytest

from recsys_core import ModelSpec, TrainConfig
from recsys_core.testing.conformance import small_ratings
from recsys_core.training import prepare

torch = pytest.importorskip("torch")

import recsys_torch.train as torch_train


@pytest.mark.parametrize(("kind", "y_range", "members"), [
    ("dot", None, 1), ("dot", (0.0, 5.5), 1), ("biased", (0.5, 5.5), 1), ("biased", (0.0, 5.0), 3)])
def test_closed_form_step_matches_autograd(monkeypatch, kind, y_range, members):
    spec = ModelSpec(kind=kind, n_factors=8, y_range=y_range, members=members)
    job = prepare(small_ratings(), spec, TrainConfig(epochs=2, lr=1e-2, wd=0.1, bs=64, seed=5)).job
    assert torch_train.applies(torch_train.build_module(job.spec, job.init))
    closed = torch_train.fit(job, device="cpu")
    monkeypatch.setattr(torch_train, "applies", lambda model: False)
    autograd = torch_train.fit(job, device="cpu")
    np.testing.assert_allclose(closed.step_losses, autograd.step_losses, rtol=1e-5)
    for name, value in autograd.params.items():
        np.testing.assert_allclose(closed.params[name], value, rtol=1e-4, atol=1e-6, err_msg=name)
    assert closed.history[-1].valid_loss == pytest.approx(autograd.history[-1].valid_loss, rel=1e-5)


def test_cross_entropy_and_mlp_models_keep_autograd():
    ce = ModelSpec(kind="biased", loss="cross_entropy", levels=(1.0, 2.0, 3.0, 4.0, 5.0))
    for spec in (ce, ModelSpec(kind="neural", layers=(8,))):
        job = prepare(small_ratings(), spec, TrainConfig(epochs=1, bs=64)).job
        assert not torch_train.applies(torch_train.build_module(job.spec, job.init))
