"""Shared fixtures: the MovieLens 100k archive (skipped when absent, fatal under CI), a seeded rng, small ratings."""

from __future__ import annotations

import os
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from fakes import FAKE_BACKEND_PLUGIN

from recsys_core import registry as registry_module
from recsys_core.data import Ratings, synthetic

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
# Point the dataset cache at the shared MovieLens copy beside the checkout, unless the caller chose one.
if "RECSYS_DATA_DIR" not in os.environ and (SHARED_DATA / "ml-100k.zip").is_file():
    os.environ["RECSYS_DATA_DIR"] = str(SHARED_DATA)


def skip_or_fail(reason: str) -> None:
    """Skip for a missing prerequisite (data set, backend), but fail under CI=true, where everything is installed."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def ml100k_dir() -> Path:
    """The folder holding ml-100k.zip: $RECSYS_DATA_DIR, else <root>/shared/data next to the repo."""
    env = os.environ.get("RECSYS_DATA_DIR")
    folder = Path(env) if env else SHARED_DATA
    if not (folder / "ml-100k.zip").is_file() and not (folder / "ml-100k" / "u.data").is_file():
        skip_or_fail(f"MovieLens 100k not found in {folder} (set RECSYS_DATA_DIR to the folder holding ml-100k.zip)")
    return folder


@pytest.fixture
def rng() -> np.random.Generator:
    """A numpy Generator with a fixed seed."""
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def small_ratings() -> Ratings:
    """About 2,000 synthetic ratings (200 users, 100 items)."""
    return synthetic(200, 100, 2_000, seed=7)


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    """Write plugin modules into a folder on sys.path and fake their ``recsys`` entry points."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("RECSYS_DISABLE_PLUGINS", raising=False)
    entry_points: list[metadata.EntryPoint] = []

    def fake(group=None, **_):
        return [ep for ep in entry_points if ep.group == group]

    monkeypatch.setattr(registry_module.metadata, "entry_points", fake)

    def add(name: str, source: str) -> None:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        sys.modules.pop(name, None)  # a module of that name imported by an earlier test
        monkeypatch.setitem(sys.modules, name, None)
        del sys.modules[name]  # monkeypatch removes it again after the test
        entry_points.append(metadata.EntryPoint(name=name, value=name, group="recsys"))

    return add


@pytest.fixture
def backend_source():
    """Source of a plugin module registering a fake backend: ``backend_source(name, unavailable=None, header="")``."""

    def source(name: str, *, unavailable: str | None = None, header: str = "") -> str:
        return FAKE_BACKEND_PLUGIN.format(name=name, unavailable=unavailable, header=header)

    return source
