"""The example plugin examples/recsys-numpy: installed, conformant, and the float64 oracle of torch and jax.

Installed by ``make test`` (``pip install -e examples/recsys-numpy``); skipped
when it is absent, except under CI=true where that is a failure.

The oracle check trains the book recipe (biased, 50 factors, y_range (0, 5.5),
one-cycle lr 5e-3, wd 0.1, bs 64) for ONE epoch on ml-100k (1,250 steps) on
numpy (float64) and on each float32 backend, from identical init, batches
and schedule. Measured on a 2-core CPU (torch 2.13, jax 0.10.2):

=========  ==================  =================  ==================
backend    max step-loss rel   max abs param      valid-loss abs
=========  ==================  =================  ==================
torch      4.3e-7              4.6e-6             4.0e-8
jax        3.2e-7              7.0e-6             7.9e-8
=========  ==================  =================  ==================

The tolerances below leave about a 4x margin over those numbers.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import skip_or_fail

from recsys_core.backend import FitJob
from recsys_core.registry import get_registry
from recsys_core.spec import ModelSpec, TrainConfig
from recsys_core.testing import BackendConformance, compare_fits
from recsys_core.training import prepare

if os.environ.get("CI") == "true":
    import recsys_numpy  # noqa: F401  (CI must install the example plugin)
else:
    pytest.importorskip("recsys_numpy", reason="the example plugin is not installed: pip install -e examples/recsys-numpy")

from recsys_numpy.metric import within_half_star  # noqa: E402
from recsys_numpy.train import AdamW, loss_and_grads, losses  # noqa: E402

#: Oracle tolerances: float32 backend vs the float64 numpy reference after one ml-100k book epoch (1,250 steps).
ORACLE_STEP_RTOL = 2e-6
ORACLE_PARAM_ATOL = 3e-5
ORACLE_VALID_ATOL = 1e-6


class TestNumpyConformance(BackendConformance):
    """The shipped suite on small synthetic data (the same as ``python -m recsys_core.testing numpy``)."""

    backend_name = "numpy"
    reference_backend = "torch"


# -- the plugin as installed ---------------------------------------------------------------------------------------
def test_the_plugin_registers_its_backend_dataset_and_metric():
    registry = get_registry()
    status = registry.plugins["numpy"]
    assert status.status == "ok" and status.source.startswith("recsys-numpy ")
    assert status.api_version == 1
    assert status.provides == {"backends": ["numpy"], "datasets": ["toy-films"], "metrics": ["within_half_star"]}
    assert registry.backend("numpy").models == ("dot", "biased")


def test_toy_films_dataset_loads_without_download():
    ratings = get_registry().dataset("toy-films").load(progress=False)
    assert len(ratings) == 1_800 and ratings.n_users == 90 + 1 and ratings.n_items == 40 + 1  # + the #na# slot
    assert ratings.rating_range == (1.0, 5.0) and ratings.item_name == "film"


def test_within_half_star():
    assert within_half_star(np.array([3.2, 4.9, 1.5]), np.array([3.0, 4.0, 1.0])) == pytest.approx(2 / 3)
    assert within_half_star(np.zeros(0), np.zeros(0)) == 0.0


def test_numpy_backend_refuses_other_devices_and_models():
    from recsys_core.errors import ConfigError

    backend = get_registry().backend("numpy")
    spec = ModelSpec(kind="dot", n_factors=2)
    from recsys_core.params import init_params

    with pytest.raises(ConfigError, match="CPU only"):
        backend.load(spec, init_params(spec, 3, 3, seed=0), device="cuda")
    with pytest.raises(ConfigError, match="implements dot, biased"):
        backend.load(ModelSpec(kind="neural"), {}, device="cpu")


# -- the hand-written gradients ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "y_range", "loss"), [
    ("dot", None, "mse"), ("dot", (0.0, 5.5), "mse"), ("biased", (0.0, 5.5), "mse"), ("biased", (0.0, 5.5), "cross_entropy"),
])
def test_gradients_match_finite_differences(kind, y_range, loss):
    """Central differences on a tiny batch with repeated users and items (np.add.at must accumulate)."""
    levels = (1.0, 2.0, 3.0, 4.0, 5.0) if loss == "cross_entropy" else None
    spec = ModelSpec(kind=kind, n_factors=3, y_range=y_range, loss=loss, levels=levels)
    rng = np.random.default_rng(0)
    from recsys_core.params import init_params

    params = {n: v.astype(np.float64) * (30 if n.endswith(("factors", "_bias")) else 1)
              for n, v in init_params(spec, 5, 4, seed=1).items()}
    users, items = np.array([1, 2, 2, 4, 1]), np.array([3, 1, 3, 3, 2])
    targets = np.array([0, 4, 2, 1, 3]) if loss == "cross_entropy" else rng.uniform(1, 5, size=5)
    _, grads = loss_and_grads(spec, params, users, items, targets)
    eps = 1e-6
    for name, value in params.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            saved = value[index]
            value[index] = saved + eps
            up = losses(spec, params, users, items, targets).mean()
            value[index] = saved - eps
            down = losses(spec, params, users, items, targets).mean()
            value[index] = saved
            numeric[index] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grads[name], numeric, atol=1e-7, rtol=1e-5, err_msg=name)


def test_adamw_matches_torch_adamw_with_a_changing_beta1():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    start = rng.normal(size=(6, 3))
    grads = [rng.normal(size=(6, 3)) for _ in range(5)]
    lrs, beta1s = [1e-2, 2e-2, 3e-2, 2e-2, 1e-2], [0.95, 0.9, 0.85, 0.9, 0.95]
    ours = {"user_factors": start.copy()}
    opt = AdamW(ours, wd=0.1, beta2=0.99, eps=1e-5)
    p = torch.nn.Parameter(torch.tensor(start, dtype=torch.float64))
    ref = torch.optim.AdamW([p], lr=1e-2, betas=(0.95, 0.99), eps=1e-5, weight_decay=0.1)
    for g, lr, b1 in zip(grads, lrs, beta1s):
        opt.step({"user_factors": g}, lr, b1)
        p.grad = torch.tensor(g)
        ref.param_groups[0]["lr"], ref.param_groups[0]["betas"] = lr, (b1, 0.99)
        ref.step()
    np.testing.assert_allclose(ours["user_factors"], p.detach().numpy(), rtol=1e-13, atol=1e-15)


# -- the oracle ----------------------------------------------------------------------------------------------------
def _book_epoch_job(ml100k_dir) -> FitJob:
    ratings = get_registry().dataset("ml-100k").load(data_dir=ml100k_dir, progress=False, item="title")
    return prepare(ratings, ModelSpec.book(), TrainConfig.book(epochs=1, seed=42), valid_pct=0.2).job


@pytest.mark.movielens
def test_float32_backends_match_the_float64_oracle_on_ml100k(ml100k_dir):
    """One book-recipe epoch (1,250 steps): torch and jax within the ORACLE_* tolerances of numpy float64."""
    registry = get_registry()
    job = _book_epoch_job(ml100k_dir)
    assert job.total_steps == 1_250
    oracle = registry.backend("numpy").fit(job, device="cpu")
    checked = []
    for name in ("torch", "jax"):
        if name not in registry.available_backends():
            continue
        report = compare_fits(registry.backend(name).fit(job, device="cpu"), oracle)
        assert report.steps == 1_250
        assert report.max_step_rel <= ORACLE_STEP_RTOL, (name, report)
        assert report.max_param_abs <= ORACLE_PARAM_ATOL, (name, report)
        assert report.valid_loss_abs <= ORACLE_VALID_ATOL, (name, report)
        checked.append(name)
    if not checked:
        skip_or_fail("neither torch nor jax is installed")


# -- the CLI -------------------------------------------------------------------------------------------------------
def _recsys(*args):
    run = subprocess.run([sys.executable, "-m", "recsys_core.cli", *map(str, args)], capture_output=True, text=True,
                         env={**os.environ, "COLUMNS": "250"}, check=False)
    assert run.returncode == 0, f"recsys {' '.join(map(str, args))}:\n{run.stdout}\n{run.stderr}"
    return run


def test_cli_fit_on_the_numpy_backend_with_the_plugin_dataset(tmp_path):
    out = tmp_path / "toy.safetensors"
    run = _recsys("fit", "--dataset", "toy-films", "--backend", "numpy", "--epochs", "3", "--bs", "32",
                  "--factors", "4", "--out", out)
    assert "valid_loss" in run.stdout and out.is_file()
