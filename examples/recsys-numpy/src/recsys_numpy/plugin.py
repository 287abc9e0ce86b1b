"""The module named by the ``recsys`` entry point: hook implementations and the API version it was built for."""

from __future__ import annotations

from recsys_core.data.catalog import DatasetInfo
from recsys_core.evaluation.metric import Metric
from recsys_core.hookspecs import hookimpl

from recsys_numpy.backend import NumpyBackend
from recsys_numpy.dataset import TOY_FILMS
from recsys_numpy.metric import WITHIN_HALF_STAR

#: The recsys plugin API this plugin is written against (``recsys_core.API_VERSION``).
RECSYS_API_VERSION = 1


@hookimpl
def recsys_backends() -> list[NumpyBackend]:
    """The ``numpy`` backend."""
    return [NumpyBackend()]


@hookimpl
def recsys_datasets() -> list[DatasetInfo]:
    """The bundled ``toy-films`` dataset."""
    return [TOY_FILMS]


@hookimpl
def recsys_metrics() -> list[Metric]:
    """The ``within_half_star`` metric."""
    return [WITHIN_HALF_STAR]
