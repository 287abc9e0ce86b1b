"""Device names for the JAX backend."""

from __future__ import annotations

import jax

from recsys_core.errors import ConfigError

_ALIASES = {"cuda": "gpu", "rocm": "gpu"}


def available_devices() -> list[str]:
    """``platform:id`` of every device jax sees, e.g. ``cpu:0``, ``gpu:0``."""
    return [f"{d.platform}:{d.id}" for d in jax.devices()] + (
        [] if jax.default_backend() == "cpu" else [f"cpu:{d.id}" for d in jax.devices("cpu")]
    )


def resolve_device(device: str) -> jax.Device:
    """Map ``auto``, ``cpu``, ``gpu``/``cuda``, ``tpu`` or ``platform:N`` to a jax.Device that exists here."""
    if device == "auto":
        return jax.devices()[0]
    platform, _, index = device.partition(":")
    platform = _ALIASES.get(platform, platform)
    try:
        devices = jax.devices(platform)
    except RuntimeError:
        raise ConfigError(
            f"device {device!r} is not available to jax here; devices: {', '.join(available_devices())}"
        ) from None
    position = int(index) if index.isdigit() else 0
    if position >= len(devices):
        raise ConfigError(f"device {device!r} does not exist; devices: {', '.join(available_devices())}")
    return devices[position]
