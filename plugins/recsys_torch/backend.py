"""TorchBackend: the Backend protocol on PyTorch (torch imported lazily)."""

from __future__ import annotations

import importlib.util

from recsys_core.backend import EpochCallback, FitJob, FitOutput, Predictor
from recsys_core.params import Params
from recsys_core.spec import ModelSpec

INSTALL_HINT = "pip install 'recsys-core[torch]' (torch==2.13.0)"


class TorchBackend:
    """PyTorch eager training with fused AdamW; devices ``cpu``, ``cuda[:N]``, ``mps`` or ``auto``."""

    name = "torch"
    description = "PyTorch eager, fused AdamW, one-cycle schedule from the core"
    models: tuple[str, ...] = ("dot", "biased", "neural", "neumf")
    optimizers: tuple[str, ...] = ("adamw", "sparse_adam")
    ensembles = True

    def unavailable(self) -> str | None:
        """None when torch imports, else how to install it."""
        if importlib.util.find_spec("torch") is None:
            return f"torch is not installed; {INSTALL_HINT}"
        return None

    def devices(self) -> list[str]:
        """``cpu`` plus every visible CUDA device and MPS when present."""
        from recsys_torch.device import available_devices

        return available_devices()

    def fit(self, job: FitJob, *, device: str = "auto", on_epoch: EpochCallback | None = None) -> FitOutput:
        """Train ``job`` on ``device``; see :func:`recsys_torch.train.fit`."""
        from recsys_torch.train import fit

        return fit(job, device=device, on_epoch=on_epoch)

    def load(self, spec: ModelSpec, params: Params, *, device: str = "auto") -> Predictor:
        """A predictor holding ``params`` on ``device``."""
        from recsys_torch.predict import TorchPredictor

        return TorchPredictor(spec, params, device=device)
