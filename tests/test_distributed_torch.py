"""torch data parallelism: torchrun with 2 gloo processes equals one process on the global batch."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

SCRIPT = """
import os, sys
import numpy as np
from recsys_core.data import synthetic
from recsys_core.registry import get_registry
from recsys_core.spec import ModelSpec, TrainConfig
from recsys_core.training import prepare

mode, out = sys.argv[1], sys.argv[2]
ratings = synthetic(300, 200, 12_000, n_factors=4, seed=5)
config = TrainConfig(epochs=2, lr=1e-2, wd=0.1, bs=128, seed=1, distributed=mode)
job = prepare(ratings, ModelSpec(kind="biased", n_factors=8, y_range=(0.5, 5.5)), config).job
fitted = get_registry().backend("torch").fit(job, device="cpu")
np.savez(f"{out}/{mode}-{os.environ.get('RANK', '0')}.npz", step_losses=fitted.step_losses, **fitted.params)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GLOO_SOCKET_IFNAME": "lo"}
    return subprocess.run(args, check=False, capture_output=True, text=True, env=env, timeout=180, cwd=tmp_path)


def _torchrun(script: Path, tmp_path: Path, attempts: int = 3) -> None:
    """torchrun with 2 ranks on a free port; a port another process grabbed in between is retried with a new one."""
    for _ in range(attempts):
        done = _run([sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-addr",
                     "127.0.0.1", "--master-port", str(_free_port()), str(script), "data", str(tmp_path)], tmp_path)
        if done.returncode == 0:
            return
        if not any(word in done.stderr for word in ("Address already in use", "Connection refused", "SIGABRT",
                                                    "Connection reset", "timed out")):
            break  # a real failure, not a rendezvous race: report it
    raise AssertionError(done.stderr[-3000:])


def test_two_gloo_processes_match_one_process(tmp_path: Path) -> None:
    """2 ranks x 64 rows = one process on batches of 128: 150 step losses and all params within float32 noise."""
    script = tmp_path / "fit.py"
    script.write_text(SCRIPT)
    single = _run([sys.executable, str(script), "none", str(tmp_path)], tmp_path)
    assert single.returncode == 0, single.stderr[-3000:]
    _torchrun(script, tmp_path)
    one, rank0, rank1 = (np.load(tmp_path / name) for name in ("none-0.npz", "data-0.npz", "data-1.npz"))
    assert one["step_losses"].shape == (150,)
    np.testing.assert_allclose(rank0["step_losses"], one["step_losses"], rtol=1e-5)
    for name in one.files:
        np.testing.assert_allclose(rank0[name], one[name], atol=1e-5, rtol=0, err_msg=name)
        np.testing.assert_array_equal(rank0[name], rank1[name], err_msg=f"ranks disagree on {name}")


def test_distributed_without_torchrun_says_how(monkeypatch: pytest.MonkeyPatch) -> None:
    from recsys_core.errors import ConfigError
    from recsys_core.registry import get_registry
    from recsys_core.spec import ModelSpec, TrainConfig
    from recsys_core.testing.conformance import small_ratings
    from recsys_core.training import prepare

    monkeypatch.delenv("WORLD_SIZE", raising=False)
    job = prepare(small_ratings(), ModelSpec(kind="dot", n_factors=4), TrainConfig(epochs=1, distributed="data")).job
    with pytest.raises(ConfigError, match="torchrun"):
        get_registry().backend("torch").fit(job, device="cpu")
