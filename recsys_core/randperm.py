"""PyTorch's CPU ``randperm`` reproduced in numpy, so random splits match fastai's row for row.

fastai's ``RandomSplitter(valid_pct, seed)`` (what ``CollabDataLoaders.from_df``
uses) calls ``torch.manual_seed(seed)`` and takes the first ``int(valid_pct * n)``
entries of ``torch.randperm(n)`` as the validation rows. PyTorch's CPU generator
is a Mersenne Twister seeded like numpy's legacy ``RandomState``, and its
``randperm`` swaps ``a[i]`` with ``a[i + r_i % (n - i)]`` for ``i = 0 .. n - 2``.
Position ``i`` is final after step ``i``, so the first ``k`` entries need only
``k`` draws; :func:`torch_randperm_head` resolves the chain of swaps with sorts
and pointer jumping instead of a Python loop.
"""

from __future__ import annotations

import numpy as np


def mt19937_raw(seed: int, count: int) -> np.ndarray:
    """The first ``count`` 32-bit outputs of MT19937 seeded as ``torch.manual_seed(seed)`` seeds it (uint64)."""
    legacy = np.random.RandomState(int(seed) & 0xFFFFFFFF)  # init_genrand(seed), as torch's at::mt19937
    _, key, pos, *_ = legacy.get_state()
    bits = np.random.MT19937()
    bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
    return bits.random_raw(count)


def torch_randperm_head(n: int, k: int, seed: int) -> np.ndarray:
    """The first ``k`` entries of ``torch.randperm(n)`` right after ``torch.manual_seed(seed)`` (CPU, int64).

    Example:
        >>> torch_randperm_head(10, 3, seed=42).tolist()
        [2, 6, 1]
    """
    if not 0 <= k <= n:
        raise ValueError(f"k must lie in [0, n], got k={k}, n={n}")
    if n <= 1:
        return np.arange(k, dtype=np.int64)
    steps_needed = min(k, n - 1)  # the last position is settled by step n - 2
    steps = np.arange(steps_needed, dtype=np.int64)
    target = steps + (mt19937_raw(seed, steps_needed) % (n - steps).astype(np.uint64)).astype(np.int64)
    # Sort the steps by (target, step): a step's last earlier writer of the same target is its predecessor.
    order = np.lexsort((steps, target))
    sorted_target = target[order]
    same = np.flatnonzero(sorted_target[1:] == sorted_target[:-1]) + 1
    earlier_writer = np.full(steps_needed, -1, dtype=np.int64)
    earlier_writer[order[same]] = order[same - 1]
    # Position t's last writer before step t: the largest step s < t with target[s] == t.
    keys = sorted_target * steps_needed + order
    at = np.searchsorted(keys, steps * steps_needed + steps) - 1
    found = (at >= 0) & (sorted_target[np.maximum(at, 0)] == steps)
    parent = np.where(found, order[np.maximum(at, 0)], steps)
    # The value at position t just before step t: follow the writers back to a position never written before.
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            break
        parent = grand
    head = np.where(earlier_writer >= 0, parent[np.maximum(earlier_writer, 0)], target)
    if k == n:  # the one value no step placed
        head = np.append(head, np.setdiff1d(np.arange(n, dtype=np.int64), head, assume_unique=True))
    return head.astype(np.int64)
