"""JaxBackend: the Backend protocol on JAX, flax.nnx and optax (all imported lazily)."""

from __future__ import annotations

import importlib.util

from recsys_core.backend import EpochCallback, FitJob, FitOutput, Predictor
from recsys_core.params import Params
from recsys_core.spec import ModelSpec

INSTALL_HINT = "pip install 'recsys-core[jax]'"
REQUIRED = ("jax", "flax", "optax")


class JaxBackend:
    """flax.nnx models trained by optax AdamW, one jitted ``lax.scan`` per epoch; devices cpu/gpu/tpu/auto."""

    name = "jax"
    description = "JAX + flax.nnx + optax, one compiled lax.scan per epoch"
    models: tuple[str, ...] = ("dot", "biased", "neural", "neumf")
    optimizers: tuple[str, ...] = ("adamw", "sparse_adam")
    ensembles = True

    def unavailable(self) -> str | None:
        """None when jax, flax and optax import, else how to install them."""
        missing = [name for name in REQUIRED if importlib.util.find_spec(name) is None]
        if missing:
            return f"{', '.join(missing)} not installed; {INSTALL_HINT}"
        return None

    def devices(self) -> list[str]:
        """Every device jax sees here, e.g. ``["cpu:0"]`` or ``["gpu:0", "gpu:1"]``."""
        from recsys_jax.device import available_devices

        return available_devices()

    def fit(self, job: FitJob, *, device: str = "auto", on_epoch: EpochCallback | None = None) -> FitOutput:
        """Train ``job`` on ``device``; see :func:`recsys_jax.train.fit`."""
        from recsys_jax.train import fit

        return fit(job, device=device, on_epoch=on_epoch)

    def load(self, spec: ModelSpec, params: Params, *, device: str = "auto") -> Predictor:
        """A predictor holding ``params`` on ``device``."""
        from recsys_jax.predict import JaxPredictor

        return JaxPredictor(spec, params, device=device)
