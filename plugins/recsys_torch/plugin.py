"""The recsys plugin module of the PyTorch backend (no torch import here)."""

from __future__ import annotations

from recsys_core.hookspecs import hookimpl

#: The core plugin API this plugin is written against (checked by the registry).
RECSYS_API_VERSION = 1
from recsys_torch.backend import TorchBackend


@hookimpl
def recsys_backends() -> list[TorchBackend]:
    """The ``torch`` backend."""
    return [TorchBackend()]
