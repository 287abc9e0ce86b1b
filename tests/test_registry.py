"""Plugin discovery: lookups, and each way a plugin can be broken without hiding the others."""


import pytest

from recsys_core.errors import BackendUnavailableError, UnknownNameError
from recsys_core.hookspecs import hookimpl
from recsys_core.registry import Registry


def test_unknown_name_lists_known_ones(plugin_dir, backend_source):
    plugin_dir("fakeone", backend_source("alpha"))
    registry = Registry()
    assert registry.backend("alpha").name == "alpha"
    with pytest.raises(UnknownNameError, match="unknown backend 'beta'; known backends: alpha") as info:
        registry.backend("beta")
    assert isinstance(info.value, KeyError)
    assert "ml-100k" in registry.names("datasets") and "biased" in registry.names("models")


def test_plugin_that_fails_to_import_is_reported_and_others_load(plugin_dir, backend_source):
    plugin_dir("broken", "import not_a_module_anywhere\n")
    plugin_dir("fine", backend_source("alpha"))
    registry = Registry()
    assert registry.plugins["broken"].status == "failed"
    assert "No module named 'not_a_module_anywhere'" in registry.plugins["broken"].error
    assert any("broken" in p and "failed to import" in p for p in registry.problems)
    assert registry.backend("alpha").name == "alpha"


def test_a_name_registered_twice_keeps_the_first(plugin_dir, backend_source):
    plugin_dir("first", backend_source("same"))
    plugin_dir("second", backend_source("same"))
    registry = Registry()
    assert registry.owner("backends", "same") == "first"
    assert registry.problems == [
        "plugin 'second' registers backend 'same', which plugin 'first' already registered; keeping 'first''s"
    ]


def test_unknown_hook_and_raising_hook_are_reported(plugin_dir):
    plugin_dir("typo", """
from recsys_core.hookspecs import hookimpl
@hookimpl
def recsys_backend():
    return []
""")
    plugin_dir("raises", """
from recsys_core.hookspecs import hookimpl
@hookimpl
def recsys_datasets():
    raise RuntimeError("boom")
""")
    registry = Registry()
    assert "unknown hook" in registry.plugins["typo"].error
    assert registry.plugins["raises"].error == "recsys_datasets() raised RuntimeError: boom"
    assert "ml-100k" in registry.names("datasets")


def test_unavailable_backend_is_listed_but_refused(plugin_dir, backend_source):
    plugin_dir("missing", backend_source("ghost", unavailable="ghostlib is not installed; pip install ghostlib"))
    registry = Registry()
    assert "ghost" in registry.names("backends")
    assert "ghost" not in registry.available_backends()
    with pytest.raises(BackendUnavailableError, match="backend 'ghost' is unavailable: ghostlib is not installed"):
        registry.backend("ghost")


def test_disabled_plugins_are_skipped(plugin_dir, backend_source, monkeypatch):
    plugin_dir("alphaplug", backend_source("alpha"))
    monkeypatch.setenv("RECSYS_DISABLE_PLUGINS", "alphaplug")
    registry = Registry()
    assert registry.plugins["alphaplug"].status == "disabled"
    assert "alpha" not in registry.names("backends")


class _Inline:
    @hookimpl
    def recsys_models(self):
        return [object()]


def test_objects_without_a_name_are_rejected():
    registry = Registry([("inline", _Inline())], entry_points=False)
    assert "has no string .name" in registry.plugins["inline"].error


def test_installed_torch_backend_is_found_through_its_entry_point():
    pytest.importorskip("torch")
    registry = Registry()
    assert registry.owner("backends", "torch") == "torch"
    assert "recsys-core" in registry.plugins["torch"].source
