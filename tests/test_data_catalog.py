"""DatasetInfo and the built-in datasets."""

from __future__ import annotations

import pytest

from recsys_core.data import BUILTIN_DATASETS, DatasetInfo, synthetic
from recsys_core.errors import PluginError


def test_builtin_names():
    names = [info.name for info in BUILTIN_DATASETS]
    assert names == ["ml-100k", "ml-latest-small", "ml-1m", "ml-10m", "ml-20m", "ml-25m", "ml-32m", "synthetic", "synthetic-1m", "synthetic-5m", "synthetic-25m"]
    assert all(info.description for info in BUILTIN_DATASETS)


def test_synthetic_is_always_available_and_takes_options(tmp_path):
    info = next(i for i in BUILTIN_DATASETS if i.name == "synthetic")
    assert info.is_cached(tmp_path)
    assert len(info.load()) == 20_000
    assert len(info.load(data_dir=tmp_path, progress=False, n_users=50, n_items=40, n_ratings=300)) == 300


def test_movielens_cached_follows_the_data_dir(tmp_path):
    info = next(i for i in BUILTIN_DATASETS if i.name == "ml-1m")
    assert not info.is_cached(tmp_path)
    (tmp_path / "ml-1m.zip").write_bytes(b"")
    assert info.is_cached(tmp_path)


@pytest.mark.movielens
def test_movielens_load_forwards_options(ml100k_dir):
    info = next(i for i in BUILTIN_DATASETS if i.name == "ml-100k")
    assert info.is_cached(ml100k_dir)
    assert info.load(data_dir=ml100k_dir, progress=False, item="title").n_items == 1_665


def test_invalid_info():
    with pytest.raises(PluginError, match="loader"):
        DatasetInfo(name="x", description="", loader=42)  # type: ignore[arg-type]
    info = DatasetInfo(name="tiny", description="d", loader=lambda **kw: synthetic(20, 20, 50))
    assert info.is_cached() and len(info.load()) == 50
