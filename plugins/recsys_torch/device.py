"""Device names for the torch backend."""

from __future__ import annotations

import torch

from recsys_core.errors import ConfigError


def available_devices() -> list[str]:
    """``cpu``, ``cuda:0``.. and ``mps`` where present."""
    found = ["cpu"]
    if torch.cuda.is_available():
        found += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        found.append("mps")
    return found


def resolve_device(device: str) -> torch.device:
    """Map ``auto``/``cpu``/``cuda``/``cuda:N``/``mps``/``gpu`` to a torch.device that exists here."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "mps" if "mps" in available_devices() else "cpu"
    if device == "gpu":
        device = "cuda"
    try:
        resolved = torch.device(device)
    except RuntimeError:
        raise ConfigError(f"device {device!r} is not a torch device; use cpu, cuda, cuda:N, mps or auto") from None
    names = available_devices()
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {device!r} requested but CUDA is not available; devices here: {', '.join(names)}")
    if resolved.type == "cuda" and resolved.index is not None and resolved.index >= torch.cuda.device_count():
        raise ConfigError(f"device {device!r} does not exist; devices here: {', '.join(names)}")
    if resolved.type == "mps" and "mps" not in names:
        raise ConfigError(f"device 'mps' requested but MPS is not available; devices here: {', '.join(names)}")
    return resolved
