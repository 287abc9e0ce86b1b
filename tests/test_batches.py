"""Batch order: deterministic from the seed, every row once per epoch (or with replacement)."""

import numpy as np
import pytest

from recsys_core.batches import BatchPlan
from recsys_core.errors import ConfigError


def test_permutation_sees_every_row_once_and_drops_the_partial_batch():
    plan = BatchPlan(n=1000, bs=64, seed=1)
    order = plan.epoch(0)
    assert order.shape == (15, 64)
    assert len(np.unique(order)) == 15 * 64
    assert order.min() >= 0 and order.max() < 1000


def test_order_is_reproducible_and_differs_between_epochs_and_seeds():
    plan = BatchPlan(n=640, bs=64, seed=7)
    assert np.array_equal(plan.epoch(3), BatchPlan(n=640, bs=64, seed=7).epoch(3))
    assert not np.array_equal(plan.epoch(0), plan.epoch(1))
    assert not np.array_equal(plan.epoch(0), BatchPlan(n=640, bs=64, seed=8).epoch(0))
    assert sorted(plan.epoch(0).ravel()) == list(range(640))


def test_replacement_sampling_repeats_rows():
    order = BatchPlan(n=1000, bs=100, seed=0, sampling="replacement").epoch(0)
    assert order.shape == (10, 100)
    assert len(np.unique(order)) < 1000


def test_batch_larger_than_data_is_a_clear_error():
    with pytest.raises(ConfigError, match="batch size 128 is larger than the 100 training ratings"):
        BatchPlan(n=100, bs=128, seed=0)
