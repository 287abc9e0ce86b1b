"""The Backend protocol a plugin implements, and the data the core hands it.

The core decides *what* to compute (initial params, batch order, per-step lr
and beta1); a backend decides only *how*, on its framework and device. It
receives a :class:`FitJob`, runs the steps and returns canonical params.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from recsys_core.batches import BatchPlan
from recsys_core.params import Params
from recsys_core.schedule import StepSchedule
from recsys_core.spec import ModelSpec, TrainConfig


@dataclass(frozen=True, kw_only=True, eq=False)
class Triples:
    """Parallel (user code, item code, rating) arrays: int32, int32, float32."""

    users: np.ndarray
    items: np.ndarray
    ratings: np.ndarray

    def __len__(self) -> int:
        return len(self.ratings)


@dataclass(frozen=True, kw_only=True, eq=False)
class FitJob:
    """Everything a backend needs to train, computed by the core from the seed."""

    spec: ModelSpec
    config: TrainConfig
    n_users: int
    n_items: int
    init: Params
    train: Triples
    valid: Triples
    batches: BatchPlan
    schedule: StepSchedule

    @property
    def total_steps(self) -> int:
        """Optimizer steps over the whole fit."""
        return self.config.epochs * self.batches.steps_per_epoch


@dataclass(frozen=True, kw_only=True)
class EpochResult:
    """One row of the training table."""

    epoch: int
    train_loss: float
    valid_loss: float
    seconds: float


@dataclass(frozen=True, kw_only=True, eq=False)
class FitOutput:
    """What a backend returns from :meth:`Backend.fit`."""

    params: Params
    history: Sequence[EpochResult]
    step_losses: np.ndarray  # float32 [total_steps]: the training loss of every step
    device: str
    compile_seconds: float = 0.0  # time spent compiling before the first epoch (not in history)


EpochCallback = Callable[[EpochResult], None]


@runtime_checkable
class Predictor(Protocol):
    """A model loaded on a device, ready to score (user, item) code pairs."""

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predicted ratings (float32, shape [n]) for int32 code arrays of shape [n]."""
        ...

    def params(self) -> Params:
        """The model's canonical parameters (numpy copies)."""
        ...


@runtime_checkable
class Backend(Protocol):
    """A training and inference engine, registered by a plugin under a unique ``name``.

    A backend must import its framework lazily (inside its methods), so that a
    missing framework is reported by :meth:`unavailable` instead of breaking
    plugin discovery. It may also declare ``optimizers`` (the
    ``TrainConfig.optimizer`` values it implements); without it, only
    ``("adamw",)`` is assumed and ``fit`` refuses the others before any work.
    Likewise ``ensembles = True`` declares that it trains ``ModelSpec.members > 1``
    (each member on its own column of ``job.batches.epoch(e)``, ``[steps, bs, members]``,
    its loss summed over members); without it ``fit`` refuses ensembles.
    """

    name: str
    description: str
    models: tuple[str, ...]

    def unavailable(self) -> str | None:
        """None when usable, else one sentence saying why and how to fix it."""
        ...

    def devices(self) -> list[str]:
        """Device names this backend can use here, e.g. ``["cpu", "cuda:0"]``."""
        ...

    def fit(self, job: FitJob, *, device: str = "auto", on_epoch: EpochCallback | None = None) -> FitOutput:
        """Train from ``job.init`` over ``job.batches`` with ``job.schedule``; report each epoch."""
        ...

    def load(self, spec: ModelSpec, params: Params, *, device: str = "auto") -> Predictor:
        """A predictor for canonical ``params`` on ``device``."""
        ...
