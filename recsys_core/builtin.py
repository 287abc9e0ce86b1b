"""The core's own plugin: registers the built-in models, datasets and metrics through the same hooks as any plugin."""

from __future__ import annotations

from recsys_core.hookspecs import hookimpl

#: The core plugin API this plugin is written against (checked by the registry).
RECSYS_API_VERSION = 1


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


@hookimpl
def recsys_metrics():  # type: ignore[no-untyped-def]
    """RMSE, MAE and the top-k ranking metrics."""
    from recsys_core.evaluation.metric import BUILTIN_METRICS

    return list(BUILTIN_METRICS)
