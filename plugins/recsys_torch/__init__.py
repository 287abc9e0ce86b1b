"""PyTorch backend for recsys.

Registered through the ``recsys`` entry point as ``recsys_torch.plugin``.
Importing this package does not import torch; the backend imports it on first
use, so a missing torch is reported by ``recsys plugins`` instead of crashing.
"""

from recsys_torch.backend import TorchBackend

__all__ = ["TorchBackend"]
