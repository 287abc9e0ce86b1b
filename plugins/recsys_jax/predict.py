"""JaxPredictor: canonical params loaded into an nnx module for scoring."""

from __future__ import annotations

import jax
import numpy as np
from flax import nnx

from recsys_core.params import Params
from recsys_core.spec import ModelSpec
from recsys_jax.device import resolve_device
from recsys_jax.modules import build_module, to_canonical

CHUNK = 1 << 20


class JaxPredictor:
    """Scores (user, item) code pairs with a jitted nnx module on one device."""

    def __init__(self, spec: ModelSpec, params: Params, *, device: str = "auto") -> None:
        self.device = resolve_device(device)
        with jax.default_device(self.device):
            self.module = build_module(spec, params)
        graphdef, state = nnx.split(self.module)
        self._state = jax.device_put(state, self.device)
        self._score = jax.jit(lambda state, u, i: nnx.merge(graphdef, state)(u, i))

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predicted ratings (float32) for int code arrays, scored in fixed-size chunks."""
        users = np.asarray(users, dtype=np.int32)
        items = np.asarray(items, dtype=np.int32)
        out = np.empty(len(users), dtype=np.float32)
        for start in range(0, len(users), CHUNK):
            u = jax.device_put(users[start : start + CHUNK], self.device)
            i = jax.device_put(items[start : start + CHUNK], self.device)
            out[start : start + CHUNK] = np.asarray(self._score(self._state, u, i))
        return out

    def params(self) -> Params:
        """Canonical numpy copies of the module's parameters."""
        return to_canonical(self.module)
