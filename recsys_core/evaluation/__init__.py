"""Evaluation: metrics (rating and top-k ranking, pluggable), evaluate(), cross_validate(), compare(), reports.

Names are imported on first use, so importing the metrics from the training
code stays cheap and free of import cycles.
"""

from __future__ import annotations

import importlib
from typing import Any

from recsys_core.evaluation.metrics import mae, rmse

_EXPORTS = {
    "Metric": "recsys_core.evaluation.metric",
    "BUILTIN_METRICS": "recsys_core.evaluation.metric",
    "TopK": "recsys_core.evaluation.ranking",
    "top_k": "recsys_core.evaluation.ranking",
    "evaluate": "recsys_core.evaluation.harness",
    "cross_validate": "recsys_core.evaluation.harness",
    "compare": "recsys_core.evaluation.harness",
    "Comparison": "recsys_core.evaluation.harness",
    "paired_bootstrap": "recsys_core.evaluation.harness",
    "paired_bootstrap_users": "recsys_core.evaluation.harness",
    "summarize": "recsys_core.evaluation.harness",
    "write_report": "recsys_core.evaluation.report",
}

__all__ = ["mae", "rmse", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'recsys_core.evaluation' has no attribute {name!r}")
