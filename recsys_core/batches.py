"""Deterministic batch order: which training rows each step sees, from the seed.

Each epoch's order is drawn from its own RNG stream ``(seed, epoch)``, so any
epoch can be computed without the ones before it and every backend gets the
same rows in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recsys_core.errors import ConfigError

_STREAM = 0xBA7C


@dataclass(frozen=True, kw_only=True)
class BatchPlan:
    """The batch order of a fit over ``n`` training rows.

    ``sampling="permutation"`` shuffles every row once per epoch and drops the
    last partial batch (like fastai's training DataLoader); ``"replacement"``
    draws rows with replacement, as fastai >= 2.8 does. An ensemble of
    ``members > 1`` gets one independent order per member (member 0's is the
    single model's).
    """

    n: int
    bs: int
    seed: int
    sampling: str = "permutation"
    members: int = 1

    def __post_init__(self) -> None:
        if self.n < self.bs:
            raise ConfigError(f"batch size {self.bs} is larger than the {self.n} training ratings; use a smaller --bs")

    @property
    def steps_per_epoch(self) -> int:
        """Full batches per epoch (the last partial batch is dropped)."""
        return self.n // self.bs

    def epoch(self, epoch: int) -> np.ndarray:
        """Row positions (into the training rows) for ``epoch``, int64, shape [steps_per_epoch, bs]
        (``[steps_per_epoch, bs, members]`` for an ensemble)."""
        if self.members == 1:
            return self._order([self.seed, _STREAM, epoch])
        return np.stack([self._order([self.seed, _STREAM, epoch] + ([m] if m else [])) for m in range(self.members)],
                        axis=-1)

    def _order(self, stream: list[int]) -> np.ndarray:
        rng = np.random.default_rng(stream)
        count = self.steps_per_epoch * self.bs
        if self.sampling == "replacement":
            rows = rng.integers(0, self.n, size=count, dtype=np.int64)
        else:
            rows = rng.permutation(self.n)[:count]
        return rows.reshape(self.steps_per_epoch, self.bs)
