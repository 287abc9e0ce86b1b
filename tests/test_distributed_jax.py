"""jax data parallelism over 2 host devices (NamedSharding): the same steps as one device, within float32 noise.

Runs in a subprocess because XLA_FLAGS must be set before jax initialises.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("jax")

SCRIPT = """
import json, os
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
import jax
from jax.sharding import PartitionSpec
from recsys_core.data import synthetic
from recsys_core.registry import get_registry
from recsys_core.spec import ModelSpec, TrainConfig
from recsys_core.testing.parity import compare_fits
from recsys_core.training import prepare
from recsys_jax.sharding import make_mesh, state_shardings

ratings = synthetic(299, 199, 12_000, n_factors=4, seed=5)  # 300 x 200 tables (with #na#): even row shards
engine = get_registry().backend("jax")
result = {"devices": len(jax.devices())}
for optimizer in ("adamw", "sparse_adam"):
    fits = {}
    for mode in ("none", "data", "data+rows"):
        config = TrainConfig(epochs=2, lr=1e-2, wd=0.1, bs=128, seed=1, distributed=mode, optimizer=optimizer)
        job = prepare(ratings, ModelSpec(kind="biased", n_factors=8, y_range=(0.5, 5.5)), config).job
        fits[mode] = engine.fit(job, device="cpu")
    for mode in ("data", "data+rows"):
        report = compare_fits(fits[mode], fits["none"])
        result[f"{optimizer}/{mode}"] = [report.steps, report.max_step_rel, report.max_param_abs, fits[mode].device]
specs = state_shardings({"user_factors": jax.numpy.zeros((300, 8)), "w": jax.numpy.zeros((3, 8))}, make_mesh(),
                        (300, 200), rows=True)
result["row_spec"] = str(specs["user_factors"].spec)
result["dense_spec"] = str(specs["w"].spec)
print(json.dumps(result))
"""


def test_two_host_devices_match_one_device() -> None:
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], check=False, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["devices"] == 2
    assert "'data'" in result["row_spec"]  # tables split by rows over the mesh axis
    assert "data" not in result["dense_spec"]  # everything else replicated
    for key in ("adamw/data", "adamw/data+rows", "sparse_adam/data", "sparse_adam/data+rows"):
        steps, step_rel, param_abs, device = result[key]
        assert steps == 150 and "x2" in device, (key, device)
        assert step_rel <= 1e-5 and param_abs <= 1e-5, (key, step_rel, param_abs)
