"""Hook specifications: what a recsys plugin may implement.

A plugin is a module (or object) exposed through the ``recsys`` entry-point
group, e.g. in its ``pyproject.toml``::

    [project.entry-points.recsys]
    mybackend = "my_package.plugin"

Its hooks are plain functions decorated with :data:`hookimpl`, each returning
a list of named objects. Every hook is called once per process, lazily, the
first time the registry is needed; a hook may raise and only its own plugin
is reported broken.

A plugin module should declare the plugin API it was written against::

    RECSYS_API_VERSION = 1

(compared with :data:`recsys_core.API_VERSION`; on a mismatch the registry
reports the plugin and skips its hooks).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from recsys_core.backend import Backend
    from recsys_core.data.catalog import DatasetInfo
    from recsys_core.evaluation.metric import Metric
    from recsys_core.models import ModelInfo

PROJECT = "recsys"
hookspec = pluggy.HookspecMarker(PROJECT)
#: Decorate a plugin's hook functions with this.
hookimpl = pluggy.HookimplMarker(PROJECT)
#: The module attribute a plugin sets to the plugin API version it needs (an int).
API_VERSION_ATTRIBUTE = "RECSYS_API_VERSION"


@hookspec
def recsys_backends() -> Iterable[Backend]:
    """Return the backends this plugin provides (objects satisfying :class:`recsys_core.backend.Backend`).

    Construct them cheaply: do not import the framework here.
    """


@hookspec
def recsys_models() -> Iterable[ModelInfo]:
    """Return descriptions of the model kinds this plugin defines."""


@hookspec
def recsys_datasets() -> Iterable[DatasetInfo]:
    """Return the datasets this plugin offers (:class:`recsys_core.data.catalog.DatasetInfo`)."""


@hookspec
def recsys_metrics() -> Iterable[Metric]:
    """Return the evaluation metrics this plugin provides (:class:`recsys_core.evaluation.metric.Metric`)."""
