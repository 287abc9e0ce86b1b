"""Plugin hygiene: API version declarations, and one clear line per broken plugin while the rest keep working.

Entry points are faked as in tests/test_registry.py; the command-line tests
install real (throw-away) distributions on PYTHONPATH, so ``recsys plugins``
sees their names and versions exactly as it would for a pip-installed plugin.
"""

import os
import subprocess
import sys
import textwrap

import pytest
from fakes import FAKE_BACKEND_PLUGIN

from recsys_core import API_VERSION
from recsys_core.hookspecs import API_VERSION_ATTRIBUTE
from recsys_core.registry import Registry


def backend_plugin(name: str, *, api: object = None) -> str:
    """Source of a plugin module registering backend ``name``, declaring plugin API ``api`` (None: nothing)."""
    header = "" if api is None else f"{API_VERSION_ATTRIBUTE} = {api!r}"
    return FAKE_BACKEND_PLUGIN.format(name=name, unavailable=None, header=header)


def _one_line_problems(registry: Registry, plugin: str) -> list[str]:
    found = [p for p in registry.problems if f"plugin {plugin!r}" in p]
    assert all("\n" not in p for p in found), found
    return found


def test_api_version_is_an_int_exported_by_the_core():
    assert isinstance(API_VERSION, int) and API_VERSION >= 1
    assert API_VERSION_ATTRIBUTE == "RECSYS_API_VERSION"


def test_a_plugin_declaring_the_current_api_loads(plugin_dir):
    plugin_dir("current", backend_plugin("alpha", api=API_VERSION))
    registry = Registry()
    assert registry.plugins["current"].status == "ok"
    assert registry.plugins["current"].api_version == API_VERSION
    assert registry.backend("alpha").name == "alpha"
    assert registry.problems == []


def test_a_plugin_declaring_nothing_is_assumed_compatible(plugin_dir):
    plugin_dir("legacy", backend_plugin("alpha"))
    registry = Registry()
    assert registry.plugins["legacy"].status == "ok" and registry.plugins["legacy"].api_version is None
    assert "alpha" in registry.names("backends")


@pytest.mark.parametrize("api", [API_VERSION + 1, 0, "1"])
def test_an_incompatible_api_is_one_line_and_skips_only_that_plugin(plugin_dir, api):
    plugin_dir("future", backend_plugin("beta", api=api))
    plugin_dir("fine", backend_plugin("alpha", api=API_VERSION))
    registry = Registry()
    status = registry.plugins["future"]
    assert status.status == "failed"
    assert status.error == (
        f"built for recsys plugin API {api!r}, but this recsys-core provides API {API_VERSION}; "
        "install a version of the plugin made for it (its hooks were skipped)"
    )
    assert status.provides == {}
    assert "beta" not in registry.names("backends")  # none of its registrations
    assert _one_line_problems(registry, "future") == [f"plugin 'future' (future): {status.error}"]
    assert registry.backend("alpha").name == "alpha"  # the others are unaffected
    assert "biased" in registry.names("models") and "ml-100k" in registry.names("datasets")


def test_an_incompatible_plugin_object_registered_in_python_is_skipped():
    class Old:
        RECSYS_API_VERSION = API_VERSION + 1

    registry = Registry([("old", Old())], entry_points=False)
    assert registry.plugins["old"].status == "failed"
    assert len(_one_line_problems(registry, "old")) == 1


def test_import_failure_taken_name_and_bad_api_together(plugin_dir):
    """Three broken plugins at once: three one-line problems, and the good plugin still works."""
    plugin_dir("broken", "raise ImportError('needs libfoo >= 2')\n")
    plugin_dir("good", backend_plugin("alpha", api=API_VERSION))
    plugin_dir("squatter", backend_plugin("alpha", api=API_VERSION))
    plugin_dir("future", backend_plugin("gamma", api=API_VERSION + 1))
    registry = Registry()
    assert _one_line_problems(registry, "broken") == [
        "plugin 'broken' (broken): failed to import 'broken': ImportError: needs libfoo >= 2"
    ]
    assert _one_line_problems(registry, "squatter") == [
        "plugin 'squatter' registers backend 'alpha', which plugin 'good' already registered; keeping 'good''s"
    ]
    assert len(_one_line_problems(registry, "future")) == 1
    assert len(registry.problems) == 3
    assert registry.owner("backends", "alpha") == "good"
    assert registry.plugins["good"].provides == {"backends": ["alpha"]}
    assert "gamma" not in registry.names("backends")


def test_a_plugin_taking_a_core_name_keeps_the_core_one(plugin_dir):
    plugin_dir("shadow", """
from recsys_core.hookspecs import hookimpl
from recsys_core.evaluation.metric import Metric
RECSYS_API_VERSION = 1

@hookimpl
def recsys_metrics():
    return [Metric(name="rmse", kind="rating", function=lambda p, t: 0.0, higher_is_better=False),
            Metric(name="zero", kind="rating", function=lambda p, t: 0.0, higher_is_better=False)]
""")
    registry = Registry()
    assert registry.owner("metrics", "rmse") == "core"
    assert registry.owner("metrics", "zero") == "shadow"  # its other registrations stand
    assert _one_line_problems(registry, "shadow") == [
        "plugin 'shadow' registers metric 'rmse', which plugin 'core' already registered; keeping 'core''s"
    ]


def test_disable_env_still_works_with_several_names(plugin_dir, monkeypatch):
    plugin_dir("one", backend_plugin("alpha", api=API_VERSION))
    plugin_dir("two", backend_plugin("beta"))
    plugin_dir("three", backend_plugin("gamma", api=API_VERSION + 1))
    monkeypatch.setenv("RECSYS_DISABLE_PLUGINS", " one , three,core")
    registry = Registry()
    assert registry.plugins["one"].status == "disabled" and registry.plugins["three"].status == "disabled"
    assert registry.plugins["core"].status == "ok"  # the core cannot be disabled
    assert registry.names("backends") == ["beta"]
    assert registry.problems == []  # a disabled plugin is not even imported


# -- the command line, with real distributions on PYTHONPATH -------------------------------------------------------
def _install_fake_dist(root, dist: str, version: str, module: str, source: str) -> None:
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[recsys]\n{module} = {module}\n")


def _recsys_plugins(root, *args, env=None):
    path = os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "recsys_core.cli", "plugins", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": path, "COLUMNS": "250", **(env or {})}, check=False)


@pytest.fixture(scope="module")
def fake_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    _install_fake_dist(root, "recsys-good", "1.2.3", "goodplug", backend_plugin("alpha", api=API_VERSION))
    _install_fake_dist(root, "recsys-future", "9.0", "futureplug", backend_plugin("beta", api=API_VERSION + 1))
    _install_fake_dist(root, "recsys-broken", "0.1", "brokenplug", "import not_a_module_anywhere\n")
    return root


def test_cli_plugins_reports_each_problem_on_one_line_and_lists_the_rest(fake_site):
    run = _recsys_plugins(fake_site)
    assert run.returncode == 0, run.stderr
    problems = [line for line in run.stderr.splitlines() if line.startswith("problem:")]
    assert len(problems) == 2, run.stderr
    assert any("'brokenplug' (recsys-broken 0.1): failed to import" in p and "not_a_module_anywhere" in p
               for p in problems)
    assert any("'futureplug' (recsys-future 9.0): built for recsys plugin API" in p for p in problems)
    assert "alpha" in run.stdout and "torch" in run.stdout


def test_cli_plugins_verbose_shows_distribution_version_and_registrations(fake_site):
    run = _recsys_plugins(fake_site, "--verbose")
    assert run.returncode == 0, run.stderr
    good = next(line for line in run.stdout.splitlines() if line.strip().startswith("goodplug"))
    assert "recsys-good 1.2.3" in good and "backends: alpha" in good


def test_cli_plugins_respects_the_disable_env(fake_site):
    run = _recsys_plugins(fake_site, env={"RECSYS_DISABLE_PLUGINS": "brokenplug,futureplug"})
    assert run.returncode == 0 and "problem:" not in run.stderr, run.stderr
    assert "disabled" in run.stdout
