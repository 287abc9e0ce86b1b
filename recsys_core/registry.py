"""Plugin discovery and lookup by name.

Plugins come from the ``recsys`` entry-point group (plus the core's built-in
plugin, registered through the same hooks). Discovery happens once, lazily,
on the first :func:`get_registry` call. A plugin that fails to import, defines
an unknown hook, raises from a hook, or registers a name that is already taken
is recorded as a one-line problem; every other plugin keeps working.
Set ``RECSYS_DISABLE_PLUGINS=name1,name2`` to switch plugins off by name.

A plugin module may declare the plugin API it was written against with a
module attribute ``RECSYS_API_VERSION = 1`` (see
:data:`recsys_core.hookspecs.API_VERSION_ATTRIBUTE`); when it differs from
:data:`recsys_core._version.API_VERSION` the plugin is reported and none of its
hooks are registered. A plugin that declares nothing is assumed compatible.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Generic, TypeVar

import pluggy

from recsys_core import builtin, hookspecs
from recsys_core._version import API_VERSION
from recsys_core.backend import Backend
from recsys_core.errors import BackendUnavailableError, UnknownNameError

ENTRY_POINT_GROUP = "recsys"
DISABLE_ENV = "RECSYS_DISABLE_PLUGINS"
CORE_PLUGIN = "core"

T = TypeVar("T")


@dataclass(kw_only=True)
class PluginStatus:
    """What ``recsys plugins`` shows for one plugin."""

    name: str
    source: str
    status: str = "ok"  # "ok", "failed" or "disabled"
    error: str | None = None
    provides: dict[str, list[str]] = field(default_factory=dict)
    api_version: int | None = None  # what the plugin declares (RECSYS_API_VERSION); None: undeclared


@dataclass(frozen=True)
class _Entry(Generic[T]):
    obj: T
    plugin: str


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class Registry:
    """Backends, models, datasets and metrics registered by plugins, looked up by name."""

    KINDS = ("backends", "models", "datasets", "metrics")

    def __init__(
        self,
        plugins: Iterable[tuple[str, object]] = (),
        *,
        entry_points: bool = True,
        disabled: Iterable[str] | None = None,
    ) -> None:
        if disabled is None:
            disabled = [n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()]
        self._disabled = set(disabled)
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginStatus] = {}
        self.problems: list[str] = []
        self._tables: dict[str, dict[str, _Entry[Any]]] = {kind: {} for kind in self.KINDS}

        self._add(CORE_PLUGIN, builtin, source="recsys-core (built-in)")
        if entry_points:
            for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
                self._add_entry_point(ep)
        for name, plugin in plugins:
            self._add(name, plugin, source="registered in Python")
        self._drop_invalid_hooks()
        for kind in self.KINDS:
            self._collect(kind)

    # -- discovery ---------------------------------------------------------
    def _fail(self, name: str, message: str) -> None:
        status = self.plugins[name]
        status.status, status.error = "failed", message
        self.problems.append(f"plugin {name!r} ({status.source}): {message}")

    def _add_entry_point(self, ep: metadata.EntryPoint) -> None:
        dist = ep.dist
        source = f"{dist.name} {dist.version}" if dist is not None else ep.value
        if ep.name in self.plugins:
            self.plugins.setdefault(f"{ep.name} ({source})", PluginStatus(name=ep.name, source=source))
            self._fail(f"{ep.name} ({source})", f"plugin name {ep.name!r} is already used by {self.plugins[ep.name].source}")
            return
        self.plugins[ep.name] = PluginStatus(name=ep.name, source=source)
        if ep.name in self._disabled:
            self.plugins[ep.name].status = "disabled"
            return
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken plugin must not hide the others
            self._fail(ep.name, f"failed to import {ep.value!r}: {_describe(exc)}")
            return
        self._register(ep.name, plugin)

    def _add(self, name: str, plugin: object, *, source: str) -> None:
        if name in self.plugins:
            raise ValueError(f"a plugin named {name!r} is already registered ({self.plugins[name].source})")
        self.plugins[name] = PluginStatus(name=name, source=source)
        if name in self._disabled and name != CORE_PLUGIN:
            self.plugins[name].status = "disabled"
            return
        self._register(name, plugin)

    def _register(self, name: str, plugin: object) -> None:
        declared = getattr(plugin, hookspecs.API_VERSION_ATTRIBUTE, None)
        if declared is not None:
            self.plugins[name].api_version = declared if isinstance(declared, int) else None
            if not isinstance(declared, int) or isinstance(declared, bool) or declared != API_VERSION:
                self._fail(name, f"built for recsys plugin API {declared!r}, but this recsys-core provides API "
                                 f"{API_VERSION}; install a version of the plugin made for it (its hooks were skipped)")
                return
        try:
            self._pm.register(plugin, name=name)
        except Exception as exc:
            self._fail(name, f"could not be registered: {_describe(exc)}")

    def _drop_invalid_hooks(self) -> None:
        while True:
            try:
                self._pm.check_pending()
                return
            except pluggy.PluginValidationError as exc:
                name = self._pm.get_name(exc.plugin) or "?"
                self._pm.unregister(exc.plugin)
                self._fail(name, f"defines an unknown hook ({exc}); known hooks start with recsys_ and are listed in recsys_core.hookspecs")

    def _collect(self, kind: str) -> None:
        table = self._tables[kind]
        hook = getattr(self._pm.hook, f"recsys_{kind}")
        for impl in hook.get_hookimpls():
            plugin = impl.plugin_name
            try:
                items = list(impl.function() or ())
            except Exception as exc:
                self._fail(plugin, f"recsys_{kind}() raised {_describe(exc)}")
                continue
            for obj in items:
                name = getattr(obj, "name", None)
                if not isinstance(name, str) or not name:
                    self._fail(plugin, f"recsys_{kind}() returned {obj!r}, which has no string .name")
                    continue
                if kind == "backends" and not isinstance(obj, Backend):
                    self._fail(plugin, f"backend {name!r} does not implement recsys_core.backend.Backend")
                    continue
                if name in table:
                    owner = table[name].plugin
                    self.problems.append(
                        f"plugin {plugin!r} registers {kind[:-1]} {name!r}, which plugin {owner!r} already "
                        f"registered; keeping {owner!r}'s"
                    )
                    continue
                table[name] = _Entry(obj, plugin)
                self.plugins[plugin].provides.setdefault(kind, []).append(name)

    # -- lookup ------------------------------------------------------------
    def _lookup(self, kind: str, name: str) -> Any:
        table = self._tables[kind]
        if name not in table:
            known = ", ".join(sorted(table)) or "none"
            raise UnknownNameError(f"unknown {kind[:-1]} {name!r}; known {kind}: {known}")
        return table[name].obj

    def names(self, kind: str) -> list[str]:
        """Sorted names registered under ``kind`` ("backends", "models", "datasets" or "metrics")."""
        return sorted(self._tables[kind])

    def owner(self, kind: str, name: str) -> str:
        """The plugin that registered ``name`` under ``kind``."""
        self._lookup(kind, name)
        return self._tables[kind][name].plugin

    def backend(self, name: str, *, require: bool = True) -> Backend:
        """The backend called ``name``; with ``require``, BackendUnavailableError if its framework is missing."""
        backend: Backend = self._lookup("backends", name)
        if require:
            reason = backend.unavailable()
            if reason:
                raise BackendUnavailableError(f"backend {name!r} is unavailable: {reason}")
        return backend

    def model(self, name: str) -> Any:
        """The :class:`recsys_core.models.ModelInfo` called ``name``."""
        return self._lookup("models", name)

    def dataset(self, name: str) -> Any:
        """The :class:`recsys_core.data.catalog.DatasetInfo` called ``name``."""
        return self._lookup("datasets", name)

    def metric(self, name: str) -> Any:
        """The :class:`recsys_core.evaluation.metric.Metric` called ``name``."""
        return self._lookup("metrics", name)

    def available_backends(self) -> list[str]:
        """Names of the backends whose framework is installed."""
        return [name for name in self.names("backends") if not self._tables["backends"][name].obj.unavailable()]


@functools.cache
def get_registry() -> Registry:
    """The process-wide registry, built on first use from the installed plugins."""
    return Registry()


def reset_registry() -> None:
    """Forget the process-wide registry so the next :func:`get_registry` rediscovers plugins."""
    get_registry.cache_clear()
