"""The numpy copy of torch's CPU randperm, and the fastai-compatible random split built on it."""

from __future__ import annotations

import numpy as np
import pytest

from recsys_core.randperm import torch_randperm_head
from recsys_core.splits import random_split

# torch 2.13: torch.manual_seed(seed); torch.randperm(n).tolist()
TORCH_RANDPERM = {
    (10, 42): [2, 6, 1, 8, 4, 5, 0, 9, 3, 7],
    (20, 0): [4, 5, 13, 19, 7, 14, 3, 6, 9, 17, 11, 2, 16, 18, 10, 12, 15, 8, 1, 0],
}


@pytest.mark.parametrize(("n", "seed"), sorted(TORCH_RANDPERM))
def test_matches_recorded_torch_permutations(n, seed):
    expected = TORCH_RANDPERM[n, seed]
    for k in range(n + 1):
        assert torch_randperm_head(n, k, seed).tolist() == expected[:k]


def test_ml100k_sized_split_is_fastais_seed_42_split():
    split = random_split(100_000, valid_pct=0.2, seed=42)
    assert len(split.valid) == 20_000 and len(split.train) == 80_000
    # torch.manual_seed(42); torch.randperm(100_000)[:8]
    first = torch_randperm_head(100_000, 8, 42)
    assert first.tolist() == [37542, 60279, 68544, 70051, 15790, 14785, 72904, 31383]
    assert np.isin(first, split.valid).all()


@pytest.mark.parametrize("n", [1, 2, 3, 17, 1_000, 54_321])
@pytest.mark.parametrize("seed", [0, 1, 42, 2**32 + 5])
def test_matches_live_torch(n, seed):
    torch = pytest.importorskip("torch")
    torch.manual_seed(seed)
    expected = torch.randperm(n).numpy()
    for k in sorted({0, 1, n // 5, n - 1, n}):
        assert np.array_equal(torch_randperm_head(n, k, seed), expected[:k])


def test_rejects_k_outside_range():
    with pytest.raises(ValueError, match="k must lie"):
        torch_randperm_head(5, 6, 0)
