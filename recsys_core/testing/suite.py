"""The conformance suite for the backend named in ``$RECSYS_CONFORMANCE_BACKEND`` (used by ``python -m recsys_core.testing``)."""

import os

from recsys_core.testing.conformance import BackendConformance


class TestConformance(BackendConformance):
    """Conformance of the backend named on the command line."""

    backend_name = os.environ.get("RECSYS_CONFORMANCE_BACKEND", "")
    reference_backend = os.environ.get("RECSYS_CONFORMANCE_REFERENCE", "torch")
