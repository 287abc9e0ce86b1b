"""The JAX backend's chunked validation loss equals the plain sum (the chunked path bounds memory at scale)."""

import numpy as np
import pytest

jax = pytest.importorskip("jax")

from recsys_core.params import init_params  # noqa: E402
from recsys_core.spec import ModelSpec  # noqa: E402
from recsys_jax import train  # noqa: E402
from recsys_jax.modules import build_module  # noqa: E402


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_chunked_loss_sum_matches_the_plain_sum(monkeypatch, loss):
    spec = ModelSpec(kind="biased", n_factors=4, loss=loss, levels=(1.0, 2.0, 3.0, 4.0, 5.0) if loss != "mse" else None)
    model = build_module(spec, init_params(spec, 30, 40, seed=0))
    rng = np.random.default_rng(0)
    users, items = rng.integers(1, 30, 1_003).astype(np.int32), rng.integers(1, 40, 1_003).astype(np.int32)
    targets = rng.integers(0, 5, 1_003).astype(np.int32) if loss != "mse" else rng.uniform(1, 5, 1_003).astype(np.float32)
    plain = float(train.loss_sum(model, users, items, targets))
    monkeypatch.setattr(train, "VALID_CHUNK", 64)  # 16 chunks, the last one ragged
    chunked = float(jax.jit(lambda u, i, t: train.loss_sum(model, u, i, t))(users, items, targets))
    assert chunked == pytest.approx(plain, rel=1e-5)
