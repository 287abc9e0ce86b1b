"""Rating-prediction metrics, computed in float64 numpy."""

from __future__ import annotations

import numpy as np


def rmse(predictions: np.ndarray, targets: np.ndarray) -> float:
    """Root mean squared error.

    Example:
        >>> rmse(np.array([1.0, 3.0]), np.array([2.0, 3.0]))
        0.7071067811865476
    """
    diff = np.asarray(predictions, dtype=np.float64) - np.asarray(targets, dtype=np.float64)
    return float(np.sqrt(np.mean(diff * diff)))


def mae(predictions: np.ndarray, targets: np.ndarray) -> float:
    """Mean absolute error.

    Example:
        >>> mae(np.array([1.0, 3.0]), np.array([2.0, 3.0]))
        0.5
    """
    diff = np.asarray(predictions, dtype=np.float64) - np.asarray(targets, dtype=np.float64)
    return float(np.mean(np.abs(diff)))
