"""The learning-rate range test (fastai's ``lr_find``) on top of any backend.

The core builds one :class:`~recsys_core.backend.FitJob` whose schedule grows
the lr exponentially from ``start_lr`` to ``end_lr`` over ``num_it`` steps
(``lr_i = start * (end / start) ** (i / num_it)``, beta1 fixed), runs it on the
backend, smooths the per-step losses like fastai's Recorder (EMA 0.98,
debiased) and cuts the curve where the smoothed loss first exceeds 4x its
minimum. Suggestions: the lr of steepest descent, and the lr of the minimum / 10.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recsys_core.backend import FitJob
from recsys_core.batches import BatchPlan
from recsys_core.data.ratings import Ratings
from recsys_core.errors import ConfigError
from recsys_core.registry import Registry, get_registry
from recsys_core.schedule import StepSchedule
from recsys_core.spec import ModelSpec, TrainConfig
from recsys_core.splits import Split

_STREAM = 0x1F1D


@dataclass(frozen=True, kw_only=True, eq=False)
class LRFind:
    """The range test's curve (``lrs``, smoothed ``losses``, ``raw_losses``) and the two suggested rates."""

    lrs: np.ndarray
    losses: np.ndarray
    raw_losses: np.ndarray
    steep: float
    minimum: float  # the lr at the minimum loss, divided by 10
    backend: str

    @property
    def suggestion(self) -> float:
        """The rate to use: the minimum's lr / 10 (the more cautious of fastai's two classic picks)."""
        return self.minimum


def exponential_schedule(num_it: int, start_lr: float = 1e-7, end_lr: float = 10.0, beta1: float = 0.9) -> StepSchedule:
    """fastai's SchedExp lr for each of ``num_it`` steps and a constant beta1.

    Example:
        >>> exponential_schedule(100).lr[[0, 50]]
        array([1.e-07, 1.e-03])
    """
    if not (0 < start_lr < end_lr) or num_it < 2:
        raise ConfigError(f"lr_find needs 0 < start_lr < end_lr and num_it >= 2, got {start_lr}, {end_lr}, {num_it}")
    pos = np.arange(num_it, dtype=np.float64) / num_it
    return StepSchedule(lr=start_lr * (end_lr / start_lr) ** pos, beta1=np.full(num_it, beta1, dtype=np.float64))


def smooth(losses: np.ndarray, beta: float = 0.98) -> np.ndarray:
    """fastai's debiased exponential moving average of the losses."""
    out = np.empty(len(losses))
    avg = 0.0
    for i, loss in enumerate(np.asarray(losses, dtype=np.float64)):  # a recurrence over <= num_it steps
        avg = beta * avg + (1 - beta) * loss
        out[i] = avg / (1 - beta ** (i + 1))
    return out


def suggest(lrs: np.ndarray, losses: np.ndarray) -> tuple[float, float]:
    """(steepest-descent lr, minimum-loss lr / 10) on the curve without its first 10% and last 5 points."""
    n = len(lrs)
    lo, hi = n // 10, max(n - 5, n // 10 + 2)
    lrs, losses = lrs[lo:hi], losses[lo:hi]
    minimum = float(lrs[np.nanargmin(losses)] / 10)
    grads = np.diff(losses) / np.diff(np.log(lrs))
    steep = float(lrs[np.nanargmin(grads)]) if len(grads) else minimum
    return steep, minimum


def lr_find(
    ratings: Ratings,
    spec: ModelSpec,
    config: TrainConfig,
    *,
    split: Split | None = None,
    backend: str = "torch",
    device: str = "cpu",
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_it: int = 100,
    stop_div: bool = True,
    registry: Registry | None = None,
) -> LRFind:
    """Run the LR range test for ``spec`` with ``config``'s batch size, wd and seed on ``backend``.

    Example:
        >>> found = lr_find(load_movielens("ml-100k"), ModelSpec.book(), TrainConfig.book(), backend="jax")
        >>> found.steep, found.minimum
    """
    from recsys_core.params import init_params
    from recsys_core.training import prepare

    registry = registry or get_registry()
    engine = registry.backend(backend)
    base = prepare(ratings, spec, config, split).job
    need = num_it * config.bs
    rng = np.random.default_rng([config.seed, _STREAM])
    n = len(base.train)
    rows = rng.permutation(n)[:need] if n >= need else rng.integers(0, n, need)
    train = dataclasses.replace(base.train, users=base.train.users[rows], items=base.train.items[rows],
                                ratings=base.train.ratings[rows])
    job = FitJob(
        spec=spec, config=dataclasses.replace(config, epochs=1), n_users=base.n_users, n_items=base.n_items,
        init=init_params(spec, base.n_users, base.n_items, config.seed), train=train, valid=base.valid,
        batches=BatchPlan(n=need, bs=config.bs, seed=config.seed),
        schedule=exponential_schedule(num_it, start_lr, end_lr, beta1=config.moms[0] if config.moms else 0.9),
    )
    output = engine.fit(job, device=device)
    raw = np.asarray(output.step_losses, dtype=np.float64)[:num_it]
    smoothed = smooth(np.where(np.isfinite(raw), raw, np.inf))
    keep = len(smoothed)
    if stop_div:
        best = np.minimum.accumulate(smoothed)
        over = np.flatnonzero((smoothed > 4 * best) | ~np.isfinite(smoothed))
        keep = int(over[0]) + 1 if len(over) else keep
    lrs = job.schedule.lr[:keep]
    steep, minimum = suggest(lrs, np.where(np.isfinite(smoothed[:keep]), smoothed[:keep], np.nan))
    return LRFind(lrs=lrs, losses=smoothed[:keep], raw_losses=raw[:keep], steep=steep, minimum=minimum,
                  backend=backend)


def plot_lr_find(found: LRFind, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Save the loss-vs-lr curve (log x axis) with both suggestions marked, as a PNG (atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from recsys_core.atomic import atomic_path

    fig, ax = plt.subplots(figsize=(6, 4))
    finite = np.isfinite(found.losses)
    ax.plot(found.lrs[finite], found.losses[finite], label="smoothed training loss")
    for lr, name, style in ((found.steep, "steepest descent", "o"), (found.minimum, "minimum / 10", "s")):
        y = np.interp(np.log(lr), np.log(found.lrs[finite]), found.losses[finite])
        ax.plot([lr], [y], style, ms=8, label=f"{name}: {lr:.2e}")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("training loss (MSE, stars²)")
    ax.set_title(title or f"LR range test ({found.backend})")
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return Path(path)
