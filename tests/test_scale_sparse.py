"""Sparse-row optimizer mode: untouched rows stay put, the mode agrees across backends, configs validate."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import skip_or_fail

from recsys_core.errors import ConfigError
from recsys_core.registry import get_registry
from recsys_core.spec import TrainConfig
from recsys_core.testing.conformance import small_job
from recsys_core.testing.parity import compare_fits


def _sparse(kind: str) -> object:
    job = small_job(kind=kind)
    return dataclasses.replace(job, config=dataclasses.replace(job.config, optimizer="sparse_adam"))


def test_optimizer_field_validates() -> None:
    assert TrainConfig().optimizer == "adamw"
    assert TrainConfig.from_json(TrainConfig(optimizer="sparse_adam").to_json()).optimizer == "sparse_adam"
    with pytest.raises(ConfigError, match="optimizer 'sgd' is unknown"):
        TrainConfig(optimizer="sgd")
    with pytest.raises(ConfigError, match="distributed"):
        TrainConfig(distributed="everywhere")


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_sparse_mode_leaves_untouched_rows_and_learns(backend: str) -> None:
    engine = get_registry().backend(backend)
    if engine.unavailable():
        skip_or_fail(engine.unavailable())
    job = _sparse("biased")
    out = engine.fit(job, device="cpu")
    for side, codes in (("user", job.train.users), ("item", job.train.items)):
        untouched = np.setdiff1d(np.arange(job.init[f"{side}_factors"].shape[0]), codes)
        assert 0 in untouched
        for name in (f"{side}_factors", f"{side}_bias"):
            np.testing.assert_array_equal(out.params[name][untouched], job.init[name][untouched])
    assert out.history[-1].valid_loss < 0.9 * float(np.var(job.valid.ratings))


@pytest.mark.parametrize("kind", ["neural", "neumf"])
def test_sparse_mode_mlp_models_agree_across_backends(kind: str) -> None:
    """MLP layers keep dense AdamW; the first 20 steps agree like the dense mode's."""
    registry = get_registry()
    if {"torch", "jax"} - set(registry.available_backends()):
        skip_or_fail("needs both the torch and the jax backend")
    job = _sparse(kind)
    a, b = (registry.backend(name).fit(job, device="cpu") for name in ("jax", "torch"))
    head = compare_fits(*(dataclasses.replace(o, step_losses=o.step_losses[:20]) for o in (a, b)))
    assert head.max_step_rel <= 1e-5, head
