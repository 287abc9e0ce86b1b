"""The core's own plugin: registers the built-in models and datasets through the same hooks as any plugin."""

from __future__ import annotations

from recsys_core.hookspecs import hookimpl


@hookimpl
def recsys_models():  # type: ignore[no-untyped-def]
    """The built-in model kinds."""
    from recsys_core.models import BUILTIN_MODELS

    return list(BUILTIN_MODELS)


@hookimpl
def recsys_datasets():  # type: ignore[no-untyped-def]
    """MovieLens and the synthetic generator."""
    from recsys_core.data.catalog import BUILTIN_DATASETS

    return list(BUILTIN_DATASETS)
