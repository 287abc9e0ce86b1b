"""The conformance suite is not a rubber stamp: a deliberately broken backend fails it."""

import numpy as np
import pytest

from recsys_core.backend import FitOutput
from recsys_core.registry import get_registry
from recsys_core.testing import BackendConformance

pytest.importorskip("torch")


class _Offset:
    """Wraps a predictor and adds a constant to every prediction."""

    def __init__(self, inner, offset):
        self.inner, self.offset = inner, offset

    def predict(self, users, items):
        return self.inner.predict(users, items) + np.float32(self.offset)

    def params(self):
        return self.inner.params()


class OffByConstant:
    """The torch backend with predictions shifted by 0.01: close, but wrong."""

    name = "offset"
    description = "broken on purpose"
    models = ("dot", "biased")

    def __init__(self):
        self.inner = get_registry().backend("torch")

    def unavailable(self):
        return None

    def devices(self):
        return ["cpu"]

    def fit(self, job, *, device="auto", on_epoch=None):
        return self.inner.fit(job, device=device, on_epoch=on_epoch)

    def load(self, spec, params, *, device="auto"):
        return _Offset(self.inner.load(spec, params, device=device), 0.01)


class SkipsWeightDecay(OffByConstant):
    """The torch backend training without weight decay: its losses drift from the recipe."""

    def fit(self, job, *, device="auto", on_epoch=None):
        import dataclasses

        job = dataclasses.replace(job, config=dataclasses.replace(job.config, wd=0.0))
        out = self.inner.fit(job, device=device, on_epoch=on_epoch)
        return FitOutput(params=out.params, history=out.history, step_losses=out.step_losses, device=out.device)

    def load(self, spec, params, *, device="auto"):
        return self.inner.load(spec, params, device=device)


suite = BackendConformance()


@pytest.mark.parametrize(("kind", "y_range"), [("dot", None), ("biased", (0.0, 5.5))])
def test_offset_predictions_fail_the_reference_check(kind, y_range):
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        suite.test_predictions_match_the_numpy_reference(OffByConstant(), kind, y_range, "mse")


def test_skipped_weight_decay_fails_parity():
    torch_backend = get_registry().backend("torch")
    with pytest.raises(AssertionError, match="max_step_rel"):
        suite.test_step_losses_match_the_reference_backend(SkipsWeightDecay(), torch_backend, "biased", (0.5, 5.5), "mse")


def test_a_correct_backend_passes_the_same_checks():
    torch_backend = get_registry().backend("torch")
    suite.test_predictions_match_the_numpy_reference(torch_backend, "biased", (0.0, 5.5), "mse")
    suite.test_step_losses_match_the_reference_backend(torch_backend, torch_backend, "biased", (0.5, 5.5), "mse")


class IgnoresSparseAdam(OffByConstant):
    """Declares the sparse-row mode but trains every row densely."""

    optimizers = ("adamw", "sparse_adam")

    def fit(self, job, *, device="auto", on_epoch=None):
        import dataclasses

        dense = dataclasses.replace(job, config=dataclasses.replace(job.config, optimizer="adamw"))
        return self.inner.fit(dense, device=device, on_epoch=on_epoch)

    def load(self, spec, params, *, device="auto"):
        return self.inner.load(spec, params, device=device)


def test_a_declared_but_ignored_sparse_mode_fails():
    torch_backend = get_registry().backend("torch")
    with pytest.raises(AssertionError, match="declares 'sparse_adam' but updated a row no batch touched"):
        suite.test_sparse_adam_parity(IgnoresSparseAdam(), torch_backend, "biased", (0.0, 5.5), "mse")
