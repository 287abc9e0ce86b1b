"""The backend conformance suite, shipped so third-party backends can prove themselves.

In a test file::

    from recsys_core.testing import BackendConformance

    class TestMyBackend(BackendConformance):
        backend_name = "mybackend"

Or from a shell: ``python -m recsys_core.testing mybackend``.
"""

from recsys_core.testing.conformance import (
    CROSS_BACKEND_ATOL,
    PREDICT_ATOL,
    RMSE_ATOL,
    STEP_LOSS_RTOL,
    BackendConformance,
)
from recsys_core.testing.parity import ParityReport, compare_fits
from recsys_core.testing.reference import reference_predict

__all__ = [
    "CROSS_BACKEND_ATOL",
    "PREDICT_ATOL",
    "RMSE_ATOL",
    "STEP_LOSS_RTOL",
    "BackendConformance",
    "ParityReport",
    "compare_fits",
    "reference_predict",
]
