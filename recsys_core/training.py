"""fit(): the core's training recipe, executed by any registered backend."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from recsys_core._version import __version__
from recsys_core.backend import EpochCallback, FitJob, Triples
from recsys_core.batches import BatchPlan
from recsys_core.checkpoint import Checkpoint
from recsys_core.data.ratings import Ratings
from recsys_core.errors import ConfigError
from recsys_core.evaluation.metrics import mae, rmse
from recsys_core.model import Model
from recsys_core.params import init_params
from recsys_core.reference import reference_levels
from recsys_core.registry import Registry, get_registry
from recsys_core.schedule import make_schedule
from recsys_core.spec import ModelSpec, TrainConfig
from recsys_core.splits import Split, random_split


def _triples(ratings: Ratings, index: np.ndarray) -> Triples:
    return Triples(
        users=np.ascontiguousarray(ratings.users[index], dtype=np.int32),
        items=np.ascontiguousarray(ratings.items[index], dtype=np.int32),
        ratings=np.ascontiguousarray(ratings.ratings[index], dtype=np.float32),
    )


MAX_LEVELS = 20


def with_levels(spec: ModelSpec, ratings: Ratings) -> ModelSpec:
    """``spec`` with its rating levels filled in from the data when it is a cross-entropy model without them."""
    if spec.loss != "cross_entropy" or spec.levels is not None:
        return spec
    levels = np.unique(ratings.ratings)
    if len(levels) > MAX_LEVELS:
        raise ConfigError(f"cross-entropy needs ratings on a few fixed levels; these ratings take {len(levels)} values "
                          f"(more than {MAX_LEVELS}); use loss='mse'")
    return dataclasses.replace(spec, levels=tuple(float(v) for v in levels))


@dataclass(frozen=True, kw_only=True, eq=False)
class Prepared:
    """A fit job and the data it came from, before any backend runs."""

    job: FitJob
    ratings: Ratings
    split: Split


def prepare(
    ratings: Ratings, spec: ModelSpec, config: TrainConfig, split: Split | None = None, *, valid_pct: float = 0.2
) -> Prepared:
    """Everything the backends must agree on, computed in numpy from ``config.seed``.

    The split (random holdout of ``valid_pct`` unless given), the initial params,
    the batch order and the per-step schedule.
    """
    spec = with_levels(spec, ratings)
    if spec.members > 1 and (config.optimizer != "adamw" or config.distributed != "none"):
        raise ConfigError(f"an ensemble (members={spec.members}) trains with optimizer 'adamw' on one device, "
                          f"not optimizer {config.optimizer!r} with distributed {config.distributed!r}")
    if split is None:
        split = random_split(ratings, valid_pct=valid_pct, seed=config.seed)
    train = _triples(ratings, split.train)
    batches = BatchPlan(n=len(train), bs=config.bs, seed=config.seed, sampling=config.sampling, members=spec.members)
    job = FitJob(
        spec=spec,
        config=config,
        n_users=ratings.n_users,
        n_items=ratings.n_items,
        init=init_params(spec, ratings.n_users, ratings.n_items, config.seed),
        train=train,
        valid=_triples(ratings, split.valid),
        batches=batches,
        schedule=make_schedule(config, batches.steps_per_epoch),
    )
    return Prepared(job=job, ratings=ratings, split=split)


def fit(
    data: Ratings | str,
    spec: ModelSpec | None = None,
    config: TrainConfig | None = None,
    *,
    split: Split | None = None,
    valid_pct: float = 0.2,
    backend: str = "torch",
    device: str = "auto",
    on_epoch: EpochCallback | None = None,
    registry: Registry | None = None,
    context: Mapping[str, Any] | None = None,
) -> Model:
    """Train ``spec`` on ``data`` with ``config`` on ``backend``; returns a :class:`Model` with validation metrics.

    ``data`` is a :class:`Ratings` or a registered dataset name (``"ml-100k"``).
    ``context`` is recorded in the checkpoint (the CLI stores how to rebuild the split).

    Example:
        >>> from recsys_core import fit, ModelSpec, TrainConfig
        >>> model = fit("ml-100k", ModelSpec(kind="biased"), TrainConfig.book(), backend="torch")
        >>> model.metrics["rmse"]
    """
    registry = registry or get_registry()
    spec = spec or ModelSpec.default()
    config = config or TrainConfig()
    engine = registry.backend(backend)
    if spec.kind not in engine.models:
        raise ConfigError(f"backend {backend!r} does not implement model {spec.kind!r}; it has {', '.join(engine.models)}")
    optimizers = getattr(engine, "optimizers", ("adamw",))
    if config.optimizer not in optimizers:
        raise ConfigError(f"backend {backend!r} does not implement optimizer {config.optimizer!r}; it has "
                          f"{', '.join(optimizers)}")
    if spec.members > 1 and not getattr(engine, "ensembles", False):
        raise ConfigError(f"backend {backend!r} does not train ensembles (members={spec.members}); use members=1 "
                          "or a backend that declares ensembles, such as torch or jax")
    ratings = registry.dataset(data).load() if isinstance(data, str) else data
    prepared = prepare(ratings, spec, config, split, valid_pct=valid_pct)
    job = prepared.job
    spec = job.spec

    engine.devices()  # imports the framework now, so its import time is not counted as training
    start = time.perf_counter()
    output = engine.fit(job, device=device, on_epoch=on_epoch)
    fit_seconds = time.perf_counter() - start

    predictions = engine.load(spec, output.params, device=device).predict(job.valid.users, job.valid.items)
    epoch_seconds = [h.seconds for h in output.history]
    metrics = {
        "rmse": rmse(predictions, job.valid.ratings),
        "mae": mae(predictions, job.valid.ratings),
        "valid_loss": output.history[-1].valid_loss if output.history else float("nan"),
        "train_loss": output.history[-1].train_loss if output.history else float("nan"),
        "fit_seconds": fit_seconds,
        "compile_seconds": output.compile_seconds,
        "seconds_per_epoch": float(np.mean(epoch_seconds)) if epoch_seconds else float("nan"),
        "ratings_per_second": len(job.train) * config.epochs / max(fit_seconds - output.compile_seconds, 1e-9),
    }
    if spec.loss == "cross_entropy":
        likely = reference_levels(spec, output.params, job.valid.users, job.valid.items)
        metrics["accuracy"] = float(np.mean(np.abs(likely - job.valid.ratings) < 1e-6))
    info = {
        "backend": backend,
        "device": output.device,
        "dataset": ratings.name,
        "split": prepared.split.to_json(),
        "n_train": len(job.train),
        "n_valid": len(job.valid),
        "user_name": ratings.user_name,
        "item_name": ratings.item_name,
        "rating_name": ratings.rating_name,
        "train_mean": float(np.mean(job.train.ratings, dtype=np.float64)),
        "rating_range": list(map(float, ratings.rating_range)),
        "history": [vars(h) for h in output.history],
        "recsys_version": __version__,
        "context": dict(context or {}),
    }
    checkpoint = Checkpoint(
        spec=spec, config=config, params=output.params, user_vocab=ratings.user_vocab,
        item_vocab=ratings.item_vocab, metrics=metrics, info=info,
    )
    return Model(checkpoint, backend=backend, device=device, history=output.history, step_losses=output.step_losses,
                 ratings=ratings)
