"""Per-step hyper-parameter schedules, computed once in numpy.

Every backend receives the same arrays, so learning rate and momentum agree to
the last bit across frameworks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recsys_core.spec import TrainConfig


@dataclass(frozen=True, eq=False)
class StepSchedule:
    """Learning rate and Adam beta1 for every optimizer step (float64 arrays, shape [steps])."""

    lr: np.ndarray
    beta1: np.ndarray

    def __len__(self) -> int:
        return len(self.lr)


def _cos(start: float, end: float, pos: np.ndarray) -> np.ndarray:
    """fastai's SchedCos: cosine annealing from ``start`` to ``end`` as pos goes 0 -> 1."""
    return start + (1 + np.cos(np.pi * (1 - pos))) * (end - start) / 2


def _combined_cos(pct: float, start: float, middle: float, end: float, pos: np.ndarray) -> np.ndarray:
    """fastai's combined_cos: cosine start -> middle for ``pct`` of training, then middle -> end."""
    first = pos < pct
    out = np.empty_like(pos)
    out[first] = _cos(start, middle, pos[first] / pct)
    out[~first] = _cos(middle, end, (pos[~first] - pct) / (1 - pct))
    return out


def one_cycle(total_steps: int, lr_max: float, *, pct_start: float = 0.25, div: float = 25.0,
              div_final: float = 1e5, moms: tuple[float, float, float] = (0.95, 0.85, 0.95)) -> StepSchedule:
    """fastai's ``fit_one_cycle`` schedule, one value per step.

    Step ``i`` is at position ``i / total_steps`` (fastai's ParamScheduler). The
    lr warms from ``lr_max/div`` to ``lr_max`` over ``pct_start`` of training and
    anneals to ``lr_max/div_final``; beta1 follows ``moms`` inversely.

    Example:
        >>> s = one_cycle(100, 1e-2)
        >>> float(s.lr.max()) <= 1e-2
        True
    """
    pos = np.arange(total_steps, dtype=np.float64) / total_steps
    lr = _combined_cos(pct_start, lr_max / div, lr_max, lr_max / div_final, pos)
    beta1 = _combined_cos(pct_start, moms[0], moms[1], moms[2], pos)
    return StepSchedule(lr=lr, beta1=beta1)


def constant(total_steps: int, lr: float, beta1: float = 0.9) -> StepSchedule:
    """A constant learning rate and beta1."""
    return StepSchedule(lr=np.full(total_steps, lr, dtype=np.float64), beta1=np.full(total_steps, beta1, dtype=np.float64))


def make_schedule(config: TrainConfig, steps_per_epoch: int) -> StepSchedule:
    """The schedule ``config`` asks for over ``config.epochs * steps_per_epoch`` steps."""
    total = config.epochs * steps_per_epoch
    if config.schedule == "constant":
        return constant(total, config.lr, beta1=config.moms[0])
    return one_cycle(total, config.lr, pct_start=config.pct_start, div=config.div,
                     div_final=config.div_final, moms=config.moms)
