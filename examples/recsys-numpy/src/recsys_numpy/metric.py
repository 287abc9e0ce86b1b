"""within_half_star: the share of predictions within half a star of the truth."""

from __future__ import annotations

import numpy as np

from recsys_core.evaluation.metric import Metric


def within_half_star(predictions: np.ndarray, targets: np.ndarray) -> float:
    """Share of predictions with ``|prediction - target| <= 0.5`` (0 for no ratings).

    Example:
        >>> within_half_star(np.array([3.2, 4.9]), np.array([3.0, 4.0]))
        0.5
    """
    predictions = np.asarray(predictions, np.float64)
    targets = np.asarray(targets, np.float64)
    if targets.size == 0:
        return 0.0
    return float(np.mean(np.abs(predictions - targets) <= 0.5))


WITHIN_HALF_STAR = Metric(
    name="within_half_star", kind="rating", function=within_half_star, higher_is_better=True,
    description="share of predictions within half a star of the rating",
)
