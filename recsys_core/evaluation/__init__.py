"""Evaluation: metrics over predictions (more in later releases: ranking, cross-validation, compare)."""

from recsys_core.evaluation.metrics import mae, rmse

__all__ = ["mae", "rmse"]
