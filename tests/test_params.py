"""Canonical parameters: names, shapes, seeded init, validation."""

import numpy as np
import pytest

from recsys_core.errors import ConfigError
from recsys_core.params import check_params, init_params, param_shapes
from recsys_core.spec import ModelSpec


def test_shapes_per_kind():
    assert param_shapes(ModelSpec(kind="dot", n_factors=4), 10, 20) == {
        "user_factors": (10, 4), "item_factors": (20, 4)}
    assert param_shapes(ModelSpec(kind="biased", n_factors=4), 10, 20)["item_bias"] == (20,)


def test_init_is_seeded_float32_normal():
    spec = ModelSpec(kind="biased", n_factors=50)
    a, b = init_params(spec, 500, 800, seed=3), init_params(spec, 500, 800, seed=3)
    c = init_params(spec, 500, 800, seed=4)
    for name in a:
        assert a[name].dtype == np.float32
        np.testing.assert_array_equal(a[name], b[name])
        assert not np.array_equal(a[name], c[name])
    assert a["item_factors"].std() == pytest.approx(0.01, rel=0.05)
    assert abs(a["item_factors"].mean()) < 1e-3


def test_check_params_names_the_problem():
    spec = ModelSpec(kind="biased", n_factors=2)
    params = init_params(spec, 3, 4, seed=0)
    check_params(spec, params, 3, 4)
    with pytest.raises(ConfigError, match="missing \\['user_bias'\\]"):
        check_params(spec, {k: v for k, v in params.items() if k != "user_bias"}, 3, 4)
    with pytest.raises(ConfigError, match="'item_factors' should be float32 of shape \\(4, 2\\)"):
        check_params(spec, {**params, "item_factors": params["item_factors"].astype(np.float64)}, 3, 4)
