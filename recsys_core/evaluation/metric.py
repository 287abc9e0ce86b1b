"""Metric: a named evaluation function, registered by plugins through the ``recsys_metrics`` hook.

A ``"rating"`` metric scores predicted ratings against the held-out ratings:
``function(predictions, targets) -> float``. A ``"ranking"`` metric scores
top-k lists: ``function(topk: TopK) -> float`` (see
:mod:`recsys_core.evaluation.ranking`); its result is reported as ``name@k``.

Example:
    >>> from recsys_core.hookspecs import hookimpl
    >>> @hookimpl
    ... def recsys_metrics():
    ...     return [Metric(name="max_error", kind="rating", higher_is_better=False,
    ...                    function=lambda p, t: float(np.max(np.abs(p - t))))]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


from recsys_core.errors import ConfigError
from recsys_core.evaluation import ranking
from recsys_core.evaluation.metrics import mae, rmse

METRIC_KINDS = ("rating", "ranking")


@dataclass(frozen=True, kw_only=True)
class Metric:
    """A metric: ``name``, ``kind`` ("rating" or "ranking"), ``function`` and whether higher is better."""

    name: str
    kind: str
    function: Callable[..., float]
    higher_is_better: bool
    description: str = ""

    def __post_init__(self) -> None:
        if self.kind not in METRIC_KINDS:
            raise ConfigError(f"metric {self.name!r} has kind {self.kind!r}; expected one of {', '.join(METRIC_KINDS)}")
        if not callable(self.function):
            raise ConfigError(f"metric {self.name!r} needs a callable function")

    def label(self, k: int) -> str:
        """The column name: ``name`` for rating metrics, ``name@k`` for ranking metrics."""
        return f"{self.name}@{k}" if self.kind == "ranking" else self.name

    def __call__(self, *args: Any) -> float:
        return float(self.function(*args))


BUILTIN_METRICS: tuple[Metric, ...] = (
    Metric(name="rmse", kind="rating", function=rmse, higher_is_better=False, description="root mean squared error"),
    Metric(name="mae", kind="rating", function=mae, higher_is_better=False, description="mean absolute error"),
    Metric(name="precision", kind="ranking", function=ranking.precision_at_k, higher_is_better=True,
           description="relevant share of the top k"),
    Metric(name="recall", kind="ranking", function=ranking.recall_at_k, higher_is_better=True,
           description="share of the relevant test items found in the top k"),
    Metric(name="ndcg", kind="ranking", function=ranking.ndcg_at_k, higher_is_better=True,
           description="normalised discounted cumulative gain, binary relevance"),
    Metric(name="map", kind="ranking", function=ranking.map_at_k, higher_is_better=True,
           description="mean average precision"),
    Metric(name="hit_rate", kind="ranking", function=ranking.hit_rate_at_k, higher_is_better=True,
           description="share of users with a relevant item in the top k"),
    Metric(name="coverage", kind="ranking", function=ranking.coverage_at_k, higher_is_better=True,
           description="share of the catalog recommended to anyone"),
)

#: What compare() and evaluate() compute unless told otherwise.
DEFAULT_METRICS: tuple[str, ...] = tuple(m.name for m in BUILTIN_METRICS)

__all__ = ["BUILTIN_METRICS", "DEFAULT_METRICS", "METRIC_KINDS", "Metric"]
