"""Metrics are plugins: the built-ins register through the hook, and a plugin's metric shows up in compare."""

import numpy as np
import pytest

from recsys_core.errors import ConfigError, UnknownNameError
from recsys_core.evaluation.metric import Metric
from recsys_core.hookspecs import hookimpl
from recsys_core.registry import Registry


class MedianPlugin:
    @hookimpl
    def recsys_metrics(self):
        return [Metric(name="median_ae", kind="rating", higher_is_better=False,
                       function=lambda p, t: float(np.median(np.abs(p - t))))]


def test_builtin_metrics_are_registered_by_the_core():
    registry = Registry(entry_points=False)
    assert {"rmse", "mae", "precision", "recall", "ndcg", "map", "hit_rate", "coverage"} <= set(registry.names("metrics"))
    assert registry.owner("metrics", "ndcg") == "core"
    assert registry.metric("rmse").higher_is_better is False
    with pytest.raises(UnknownNameError, match="unknown metric 'nope'; known metrics:"):
        registry.metric("nope")


def test_metric_validates_its_kind():
    with pytest.raises(ConfigError, match="kind 'score'"):
        Metric(name="x", kind="score", function=len, higher_is_better=True)


def test_a_plugin_metric_appears_in_compare(small_ratings):
    from recsys_core.evaluation import compare
    from recsys_core.spec import ModelSpec, TrainConfig

    pytest.importorskip("torch")
    registry = Registry([("median", MedianPlugin())])
    assert registry.owner("metrics", "median_ae") == "median"
    result = compare(small_ratings, {"dot": (ModelSpec(kind="dot", n_factors=4), TrainConfig(epochs=1, bs=64))},
                     backends=["torch"], metrics=["rmse", "median_ae", "ndcg"], k=5, registry=registry).results
    assert {"rmse", "median_ae", "ndcg@5", "rmse_gap"} <= set(result.columns)
    assert 0 < result["median_ae"].iloc[0] < result["rmse"].iloc[0] * 2
