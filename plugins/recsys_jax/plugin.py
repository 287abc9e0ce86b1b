"""The recsys plugin module of the JAX backend (no jax import here)."""

from __future__ import annotations

from recsys_core.hookspecs import hookimpl

#: The core plugin API this plugin is written against (checked by the registry).
RECSYS_API_VERSION = 1
from recsys_jax.backend import JaxBackend


@hookimpl
def recsys_backends() -> list[JaxBackend]:
    """The ``jax`` backend."""
    return [JaxBackend()]
