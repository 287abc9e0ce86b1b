"""The float64 numpy oracle (re-exported from :mod:`recsys_core.reference`)."""

from recsys_core.reference import reference_levels, reference_outputs, reference_predict

__all__ = ["reference_levels", "reference_outputs", "reference_predict"]
