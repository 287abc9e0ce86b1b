"""The evaluation harness: evaluate one model, cross-validate a recipe, compare models x backends x seeds x splits.

Every run of :func:`compare` keeps its held-out predictions in memory, so
:func:`paired_bootstrap` can say whether a gap between two runs on the same
test ratings is larger than resampling noise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.backend import EpochResult
from recsys_core.data.ratings import Ratings
from recsys_core.errors import ConfigError, DataError
from recsys_core.evaluation.metric import DEFAULT_METRICS, Metric
from recsys_core.evaluation.ranking import Scorer, TopK, top_k
from recsys_core.registry import Registry, get_registry
from recsys_core.spec import ModelSpec, TrainConfig
from recsys_core.splits import Split

#: Timing columns copied from ``Model.metrics`` into every compare row.
TIMINGS = ("fit_seconds", "compile_seconds", "seconds_per_epoch", "ratings_per_second")
#: Columns that identify a run in the compare frame.
KEYS = ("dataset", "split", "fold", "model", "backend", "seed")


def resolve_metrics(metrics: Iterable[str | Metric] | None = None, registry: Registry | None = None) -> list[Metric]:
    """Metric objects for names (registered metrics) or Metric objects; None means the built-in set."""
    registry = registry or get_registry()
    names = DEFAULT_METRICS if metrics is None else metrics
    return [m if isinstance(m, Metric) else registry.metric(m) for m in names]


def _scorer(model: Any) -> Scorer:
    return model.predict_codes if hasattr(model, "predict_codes") else model


def score(
    model: Any, ratings: Ratings, split: Split, metrics: Sequence[Metric], *, k: int = 10, threshold: float = 4.0
) -> tuple[dict[str, float], np.ndarray, TopK | None]:
    """Metric values on ``split.valid``, the predictions there (float32 [n_valid]) and the top-k lists
    (None without ranking metrics).

    ``model`` is a :class:`~recsys_core.model.Model` (trained on these vocabularies) or a
    scorer ``f(user_codes, item_codes) -> ratings``.
    """
    scorer = _scorer(model)
    users, items = ratings.users[split.valid], ratings.items[split.valid]
    predictions = np.asarray(scorer(users, items), dtype=np.float32)
    targets = ratings.ratings[split.valid]
    values = {m.label(k): m(predictions, targets) for m in metrics if m.kind == "rating"}
    ranking = [m for m in metrics if m.kind == "ranking"]
    lists = None
    if ranking:
        lists = top_k(scorer, ratings, split, k=k, threshold=threshold)
        values |= {m.label(k): m(lists) for m in ranking}
    return values, predictions, lists


def evaluate(
    model: Any, ratings: Ratings, split: Split, metrics: Iterable[str | Metric] | None = None, *, k: int = 10,
    threshold: float = 4.0, registry: Registry | None = None,
) -> dict[str, float]:
    """Rating and ranking metrics of ``model`` on ``split.valid`` (items rated in ``split.train`` are not ranked).

    Example:
        >>> evaluate(model, ratings, split, ["rmse", "ndcg"], k=10)
        {'rmse': 0.91, 'ndcg@10': 0.07}
    """
    values, _, _ = score(model, ratings, split, resolve_metrics(metrics, registry), k=k, threshold=threshold)
    return values


@dataclass(frozen=True, kw_only=True, eq=False)
class Run:
    """One fit of a compare: its identity, metric values, timings, held-out predictions and learning curve."""

    dataset: str
    split: str
    fold: str
    model: str
    backend: str
    seed: int
    values: dict[str, float]
    timings: dict[str, float]
    predictions: np.ndarray
    targets: np.ndarray
    history: list[EpochResult] = field(default_factory=list)
    lists: TopK | None = None  # the top-k lists ranking metrics were computed from


@dataclass(frozen=True, kw_only=True, eq=False)
class Comparison:
    """What :func:`compare` returns: the tidy ``results`` frame (one row per run) and the runs themselves."""

    results: pd.DataFrame
    runs: list[Run]
    metrics: list[Metric]
    k: int

    def run(self, **where: Any) -> Run:
        """The one run matching ``where`` (e.g. ``model="biased", backend="jax", seed=1, fold="u1"``)."""
        found = [r for r in self.runs if all(getattr(r, key) == value for key, value in where.items())]
        if len(found) != 1:
            raise DataError(f"{len(found)} runs match {where}; give model, backend, seed and fold")
        return found[0]

    def history(self) -> pd.DataFrame:
        """Learning curves: one row per (run, epoch) with train_loss, valid_loss and seconds."""
        rows = [{**{key: getattr(r, key) for key in KEYS}, **vars(h)} for r in self.runs for h in r.history]
        return pd.DataFrame(rows, columns=[*KEYS, "epoch", "train_loss", "valid_loss", "seconds"])


#: Called after each run with (run index from 1, total runs, the run).
Progress = Callable[[int, int, Run], None]


def split_and_fold(split: Split) -> tuple[str, str]:
    """The split family and fold of a split name: "ml-100k:u1" -> ("ml-100k", "u1"); a holdout is fold "holdout"."""
    family, sep, fold = split.name.rpartition(":")
    return (family, fold) if sep else (split.name, "holdout")


def compare(
    ratings: Ratings,
    models: Mapping[str, tuple[ModelSpec, TrainConfig]],
    *,
    backends: Sequence[str] = ("torch",),
    seeds: Sequence[int] | None = None,
    splits: Sequence[Split] | Split | None = None,
    metrics: Iterable[str | Metric] | None = None,
    k: int = 10,
    threshold: float = 4.0,
    device: str = "cpu",
    registry: Registry | None = None,
    on_run: Progress | None = None,
    on_epoch: Callable[[str, EpochResult], None] | None = None,
) -> Comparison:
    """Fit every model on every backend for every seed and split; one tidy row per run.

    ``seeds`` replace each config's seed (None keeps it); ``splits`` default to
    the 20% random holdout with seed 42. Columns: dataset, split, fold, model,
    backend, seed, one per metric, the timings, and ``<metric>_gap`` for rating
    metrics, ``|value - value on backends[0]|`` for the same model, seed and
    fold, plus ``max_prediction_gap`` (largest |prediction difference|).

    Example:
        >>> cmp = compare(ratings, {"biased": (ModelSpec.book(), TrainConfig.book())}, backends=["torch", "jax"])
        >>> cmp.results[["model", "backend", "rmse", "rmse_gap"]]
    """
    from recsys_core.splits import random_split
    from recsys_core.training import fit

    registry = registry or get_registry()
    if not models:
        raise ConfigError("compare needs at least one model")
    if not backends:
        raise ConfigError("compare needs at least one backend")
    for name in backends:
        registry.backend(name)  # unknown or unavailable backends fail before any work
    chosen = resolve_metrics(metrics, registry)
    if splits is None:
        splits = [random_split(ratings, valid_pct=0.2, seed=42)]
    elif isinstance(splits, Split):
        splits = [splits]
    plan = [
        (split, model, backend, seed)
        for split in splits
        for model in models
        for seed in (seeds if seeds is not None else [models[model][1].seed])
        for backend in backends
    ]
    runs: list[Run] = []
    for number, (split, name, backend, seed) in enumerate(plan, start=1):
        spec, config = models[name]
        if seed != config.seed:
            import dataclasses

            config = dataclasses.replace(config, seed=int(seed))
        callback = (lambda result, _name=name: on_epoch(_name, result)) if on_epoch else None
        model = fit(ratings, spec, config, split=split, backend=backend, device=device, registry=registry,
                    on_epoch=callback)
        values, predictions, lists = score(model, ratings, split, chosen, k=k, threshold=threshold)
        run = Run(
            dataset=ratings.name, split=split_and_fold(split)[0], fold=split_and_fold(split)[1], model=name, backend=backend,
            seed=int(config.seed), values=values, timings={t: float(model.metrics[t]) for t in TIMINGS},
            predictions=predictions, targets=ratings.ratings[split.valid], history=list(model.history), lists=lists,
        )
        runs.append(run)
        if on_run:
            on_run(number, len(plan), run)
    return Comparison(results=_frame(runs, chosen, k, backends[0]), runs=runs, metrics=chosen, k=k)


def _frame(runs: list[Run], metrics: list[Metric], k: int, first_backend: str) -> pd.DataFrame:
    labels = [m.label(k) for m in metrics]
    rows = [{**{key: getattr(r, key) for key in KEYS}, **r.values, **r.timings} for r in runs]
    frame = pd.DataFrame(rows, columns=[*KEYS, *labels, *TIMINGS])
    reference = {(r.split, r.fold, r.model, r.seed): r for r in runs if r.backend == first_backend}
    for metric in metrics:
        if metric.kind == "rating":
            frame[f"{metric.name}_gap"] = [
                abs(r.values[metric.name] - reference[(r.split, r.fold, r.model, r.seed)].values[metric.name])
                for r in runs
            ]
    frame["max_prediction_gap"] = [
        float(np.max(np.abs(r.predictions.astype(np.float64) - reference[(r.split, r.fold, r.model, r.seed)].predictions)))
        for r in runs
    ]
    return frame


def summarize(results: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Mean and std of each metric and timing per (model, backend), over seeds and folds."""
    columns = [c for c in [*metrics, *TIMINGS] if c in results]
    grouped = results.groupby(["model", "backend"], sort=False)[columns]
    summary = grouped.agg(["mean", "std"])
    summary.columns = [f"{c}_{stat}" for c, stat in summary.columns]
    summary.insert(0, "runs", grouped.size())
    return summary.reset_index()


def cross_validate(
    ratings: Ratings,
    spec: ModelSpec,
    config: TrainConfig,
    splits: Sequence[Split],
    *,
    backend: str = "torch",
    metrics: Iterable[str | Metric] | None = None,
    k: int = 10,
    device: str = "cpu",
    registry: Registry | None = None,
) -> pd.DataFrame:
    """Fit ``spec`` with ``config`` on each split; one row per metric with ``mean``, ``std`` and each fold's value.

    Example:
        >>> folds = [movielens_fold(ratings, f) for f in ("u1", "u2", "u3", "u4", "u5")]
        >>> cross_validate(ratings, ModelSpec.default(), TrainConfig(), folds).loc["rmse", "mean"]
    """
    if not splits:
        raise ConfigError("cross_validate needs at least one split")
    result = compare(ratings, {spec.kind: (spec, config)}, backends=[backend], splits=splits, metrics=metrics,
                     k=k, device=device, registry=registry).results
    columns = [c for c in result.columns if c not in KEYS and not c.endswith("_gap")]
    per_fold = result.set_index("fold")[columns].T
    per_fold.columns = [str(c) for c in per_fold.columns]
    table = pd.DataFrame({"mean": per_fold.mean(axis=1), "std": per_fold.std(axis=1, ddof=1)})
    table = pd.concat([table, per_fold], axis=1)
    table.index.name = "metric"
    return table


def paired_bootstrap(
    pred_a: np.ndarray,
    pred_b: np.ndarray,
    targets: np.ndarray,
    metric: Callable[[np.ndarray, np.ndarray], float] | Metric | str = "rmse",
    *,
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    registry: Registry | None = None,
) -> tuple[float, float, float]:
    """``metric(a) - metric(b)`` on the same targets, with a percentile bootstrap CI over resampled ratings.

    Both runs are scored on the same resampled rows each time (a paired test);
    if the interval ``(lo, hi)`` excludes 0 the gap is larger than sampling noise.

    Example:
        >>> diff, lo, hi = paired_bootstrap(pred_dot, pred_biased, targets, "rmse", n=1000, seed=0)
    """
    if isinstance(metric, str):
        metric = (registry or get_registry()).metric(metric)
    if isinstance(metric, Metric) and metric.kind != "rating":
        raise ConfigError(f"paired_bootstrap needs a rating metric, and {metric.name!r} is a {metric.kind} metric")
    a, b, t = (np.asarray(x, dtype=np.float64) for x in (pred_a, pred_b, targets))
    if not (a.shape == b.shape == t.shape) or a.ndim != 1 or not len(t):
        raise DataError(f"pred_a, pred_b and targets must be 1-d and equally long, got {a.shape}, {b.shape}, {t.shape}")
    every = np.arange(len(t))
    return _paired_percentile(lambda rows: float(metric(a[rows], t[rows])) - float(metric(b[rows], t[rows])),
                              every, n=n, seed=seed, level=level)


def _paired_percentile(gap: Callable[[np.ndarray], float], every: np.ndarray, *, n: int, seed: int,
                       level: float) -> tuple[float, float, float]:
    """``gap(every)`` and the percentile interval of ``gap`` over ``n`` resamples (with replacement) of ``every``.

    One resample per iteration; ``gap`` is vectorised over the rows it gets.
    """
    if not 0 < level < 1:
        raise ConfigError(f"level must lie in (0, 1), got {level!r}")
    rng = np.random.default_rng(seed)
    diffs = np.array([gap(rng.integers(0, len(every), len(every))) for _ in range(n)])
    lo, hi = np.nanquantile(diffs, [(1 - level) / 2, (1 + level) / 2])
    return gap(every), float(lo), float(hi)


def paired_bootstrap_users(
    lists_a: TopK,
    lists_b: TopK,
    metric: Metric | str = "ndcg",
    *,
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    registry: Registry | None = None,
) -> tuple[float, float, float]:
    """``metric(a) - metric(b)`` for a ranking metric, with a percentile bootstrap CI over resampled users.

    ``lists_a`` and ``lists_b`` rank for the same users in the same order (two
    models on one split); both are scored on the same resampled users each time.

    Example:
        >>> diff, lo, hi = paired_bootstrap_users(run_a.lists, run_b.lists, "ndcg", n=1000, seed=0)
    """
    if isinstance(metric, str):
        metric = (registry or get_registry()).metric(metric)
    if metric.kind != "ranking":
        raise ConfigError(f"paired_bootstrap_users needs a ranking metric, and {metric.name!r} is a {metric.kind} metric")
    if not np.array_equal(lists_a.users, lists_b.users) or lists_a.k != lists_b.k:
        raise DataError("the two top-k lists must rank for the same users in the same order, at the same k")
    return _paired_percentile(lambda rows: float(metric(lists_a.take(rows))) - float(metric(lists_b.take(rows))),
                              np.arange(len(lists_a.users)), n=n, seed=seed, level=level)
