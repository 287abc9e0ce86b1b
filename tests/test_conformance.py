"""The shipped conformance suite, run for every backend this project provides."""

from recsys_core.testing import BackendConformance


class TestTorchConformance(BackendConformance):
    backend_name = "torch"
    reference_backend = "jax"


class TestJaxConformance(BackendConformance):
    backend_name = "jax"
    reference_backend = "torch"
