"""NumpyBackend: the Backend protocol in float64 numpy, for ``dot`` and ``biased`` models."""

from __future__ import annotations

import numpy as np

from recsys_core.backend import EpochCallback, FitJob, FitOutput
from recsys_core.errors import ConfigError
from recsys_core.params import Params
from recsys_core.reference import reference_predict
from recsys_core.spec import ModelSpec

MODELS: tuple[str, ...] = ("dot", "biased")


def check_device(device: str) -> str:
    """``"cpu"`` for ``"auto"`` or ``"cpu"``; ConfigError for anything else."""
    if device not in ("auto", "cpu"):
        raise ConfigError(f"the numpy backend runs on the CPU only; got device {device!r} (use cpu or auto)")
    return "cpu"


def check_kind(spec: ModelSpec) -> None:
    """ConfigError unless ``spec.kind`` is one this backend implements."""
    if spec.kind not in MODELS:
        raise ConfigError(f"the numpy backend implements {', '.join(MODELS)}, not {spec.kind!r}")


class NumpyPredictor:
    """Scores (user, item) code pairs with the core's float64 reference forward; returns float32."""

    def __init__(self, spec: ModelSpec, params: Params) -> None:
        check_kind(spec)
        self.spec = spec
        self._params = {name: np.array(value, dtype=np.float32, copy=True) for name, value in params.items()}

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predicted ratings (float32, shape [n]) for int code arrays of shape [n]."""
        users = np.asarray(users, dtype=np.int64)
        items = np.asarray(items, dtype=np.int64)
        with np.errstate(over="ignore"):  # exp(-logit) overflows to inf for huge logits: sigmoid is then 0, exactly
            return reference_predict(self.spec, self._params, users, items).astype(np.float32)

    def params(self) -> Params:
        """Copies of the canonical float32 parameters."""
        return {name: value.copy() for name, value in self._params.items()}


class NumpyBackend:
    """Float64 numpy with hand-written gradients and AdamW: slow (one step at a time) but exact; CPU only."""

    name = "numpy"
    description = "float64 numpy reference: dot/biased, hand-written gradients, the core's AdamW one-cycle recipe"
    models: tuple[str, ...] = MODELS
    optimizers: tuple[str, ...] = ("adamw",)
    ensembles = True

    def unavailable(self) -> str | None:
        """Always available: numpy is a dependency of the core."""
        return None

    def devices(self) -> list[str]:
        """Only ``cpu``."""
        return ["cpu"]

    def fit(self, job: FitJob, *, device: str = "auto", on_epoch: EpochCallback | None = None) -> FitOutput:
        """Train ``job`` in float64; see :func:`recsys_numpy.train.fit`."""
        from recsys_numpy.train import fit

        check_device(device)
        check_kind(job.spec)
        if job.config.optimizer not in self.optimizers:
            raise ConfigError(f"the numpy backend implements optimizer {', '.join(self.optimizers)}, "
                              f"not {job.config.optimizer!r}")
        return fit(job, on_epoch=on_epoch)

    def load(self, spec: ModelSpec, params: Params, *, device: str = "auto") -> NumpyPredictor:
        """A predictor holding float32 copies of ``params``."""
        check_device(device)
        return NumpyPredictor(spec, params)
