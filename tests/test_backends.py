"""Every installed backend: training learns, is deterministic, predicts in range, round-trips params."""

import numpy as np
import pytest

from recsys_core.data import synthetic
from recsys_core.params import init_params
from recsys_core.registry import get_registry
from recsys_core.spec import ModelSpec, TrainConfig
from recsys_core.training import prepare

BACKENDS = get_registry().available_backends()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return get_registry().backend(request.param)


@pytest.fixture(scope="module")
def ratings():
    return synthetic(n_users=300, n_items=200, n_ratings=12_000, seed=5)


def _job(ratings, kind="biased", y_range=(0.5, 5.5), epochs=3, **config):
    spec = ModelSpec(kind=kind, n_factors=8, y_range=y_range)
    return prepare(ratings, spec, TrainConfig(epochs=epochs, lr=1e-2, bs=64, seed=1, **config)).job


def test_training_reduces_validation_loss(backend, ratings):
    out = backend.fit(_job(ratings), device="cpu")
    assert len(out.history) == 3
    assert out.step_losses.shape == (3 * (9_600 // 64),) and np.isfinite(out.step_losses).all()
    assert out.history[-1].valid_loss < out.history[0].valid_loss
    baseline = np.var(ratings.ratings)  # predicting the mean
    assert out.history[-1].valid_loss < 0.8 * baseline


def test_same_job_gives_identical_params(backend, ratings):
    job = _job(ratings, epochs=1)
    a, b = backend.fit(job, device="cpu"), backend.fit(job, device="cpu")
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    np.testing.assert_array_equal(a.step_losses, b.step_losses)


@pytest.mark.parametrize("kind", ["dot", "biased"])
def test_predictions_shape_dtype_and_range(backend, kind):
    spec = ModelSpec(kind=kind, n_factors=4, y_range=(1.0, 5.0))
    params = init_params(spec, 10, 12, seed=0)
    params["user_factors"] *= 300  # push outputs towards the bounds
    predictor = backend.load(spec, params, device="cpu")
    users, items = np.repeat(np.arange(10, dtype=np.int32), 12), np.tile(np.arange(12, dtype=np.int32), 10)
    preds = predictor.predict(users, items)
    assert preds.shape == (120,) and preds.dtype == np.float32
    assert preds.min() >= 1.0 and preds.max() <= 5.0


def test_dot_without_y_range_is_the_plain_dot_product(backend):
    spec = ModelSpec(kind="dot", n_factors=3, y_range=None)
    params = init_params(spec, 4, 5, seed=2)
    preds = backend.load(spec, params, device="cpu").predict(np.array([1, 3], np.int32), np.array([4, 0], np.int32))
    expected = (params["user_factors"][[1, 3]] * params["item_factors"][[4, 0]]).sum(1)
    np.testing.assert_allclose(preds, expected, rtol=1e-6)


def test_canonical_params_round_trip_exactly(backend):
    spec = ModelSpec(kind="biased", n_factors=6)
    params = init_params(spec, 7, 9, seed=4)
    back = backend.load(spec, params, device="cpu").params()
    assert set(back) == set(params)
    for name in params:
        assert back[name].dtype == np.float32
        np.testing.assert_array_equal(back[name], params[name])


def test_replacement_sampling_trains_too(backend, ratings):
    out = backend.fit(_job(ratings, epochs=1, sampling="replacement"), device="cpu")
    assert np.isfinite(out.history[0].valid_loss)
