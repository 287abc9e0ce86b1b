"""TorchPredictor: canonical params loaded into a torch module for scoring."""

from __future__ import annotations

import numpy as np
import torch

from recsys_core.params import Params
from recsys_core.spec import ModelSpec
from recsys_torch.device import resolve_device
from recsys_torch.modules import build_module, to_canonical

CHUNK = 1 << 20


class TorchPredictor:
    """Scores (user, item) code pairs with a torch module on one device."""

    def __init__(self, spec: ModelSpec, params: Params, *, device: str = "auto") -> None:
        self.device = resolve_device(device)
        self.module = build_module(spec, params).to(self.device).eval()

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predicted ratings (float32) for int code arrays, scored in chunks."""
        users = np.asarray(users, dtype=np.int64)
        items = np.asarray(items, dtype=np.int64)
        out = np.empty(len(users), dtype=np.float32)
        with torch.no_grad():
            for start in range(0, len(users), CHUNK):
                u = torch.from_numpy(users[start : start + CHUNK]).to(self.device)
                i = torch.from_numpy(items[start : start + CHUNK]).to(self.device)
                out[start : start + CHUNK] = self.module(u, i).cpu().numpy()
        return out

    def params(self) -> Params:
        """Canonical numpy copies of the module's parameters."""
        return to_canonical(self.module)
