"""Source text of fake plugin modules the registry tests install (imported by conftest and tests)."""

FAKE_BACKEND_PLUGIN = """
from recsys_core.hookspecs import hookimpl
{header}

class FakeBackend:
    name = "{name}"
    description = "test backend"
    models = ("dot",)
    def unavailable(self): return {unavailable!r}
    def devices(self): return ["cpu"]
    def fit(self, job, *, device="auto", on_epoch=None): raise NotImplementedError
    def load(self, spec, params, *, device="auto"): raise NotImplementedError

@hookimpl
def recsys_backends():
    return [FakeBackend()]
"""
