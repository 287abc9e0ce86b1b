"""Measuring agreement between two backends' fits of the same job."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recsys_core.backend import FitOutput


@dataclass(frozen=True, kw_only=True)
class ParityReport:
    """How far two fits of one job drifted apart."""

    steps: int
    max_step_rel: float  # max over steps of |a - b| / |b| of the training loss
    max_param_abs: float  # max abs difference of any final parameter
    valid_loss_abs: float  # |difference| of the final validation loss


def compare_fits(a: FitOutput, b: FitOutput) -> ParityReport:
    """Compare two fits of the same :class:`~recsys_core.backend.FitJob` step by step."""
    la, lb = np.asarray(a.step_losses, np.float64), np.asarray(b.step_losses, np.float64)
    if la.shape != lb.shape:
        raise AssertionError(f"the fits ran different numbers of steps: {la.shape[0]} vs {lb.shape[0]}")
    rel = np.abs(la - lb) / np.maximum(np.abs(lb), 1e-12)
    params = max(float(np.max(np.abs(a.params[name].astype(np.float64) - b.params[name]))) for name in b.params)
    return ParityReport(
        steps=int(la.shape[0]),
        max_step_rel=float(rel.max()) if rel.size else 0.0,
        max_param_abs=params,
        valid_loss_abs=abs(a.history[-1].valid_loss - b.history[-1].valid_loss),
    )
