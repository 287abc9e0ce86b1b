"""Data parallelism (and row-sharded tables) over ``jax.devices()`` with ``NamedSharding``.

``TrainConfig.distributed="data"``: a 1-d mesh over every device with axis
``"data"``; each global batch (a row of the core's batch order) is split over
that axis, the parameters and optimizer state are replicated, and XLA's SPMD
partitioner inserts the gradient all-reduce, so the steps are those of one
device on the global batch (up to float32 summation order).
``"data+rows"``: additionally every array whose leading dimension is a table's
row count (embedding tables and their Adam moments) is split by rows over the
same axis, so each device holds 1/N of each table; lookups become collective
gathers. Tables whose row count is not a multiple of the device count stay
replicated.

Multi-host: call ``jax.distributed.initialize()`` in every process first;
``jax.devices()`` then lists every host's devices and the same code runs.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

AXIS = "data"


def make_mesh(devices: list[jax.Device] | None = None) -> Mesh:
    """A 1-d mesh with axis ``"data"`` over ``devices`` (default: all of them)."""
    return Mesh(np.array(devices or jax.devices()), (AXIS,))


def batch_sharding(mesh: Mesh) -> NamedSharding:
    """For a batch order [steps, bs]: each step's batch split over the mesh axis."""
    return NamedSharding(mesh, PartitionSpec(None, AXIS))


def replicated(mesh: Mesh) -> NamedSharding:
    """Every device holds the whole array."""
    return NamedSharding(mesh, PartitionSpec())


def state_shardings(state: Any, mesh: Mesh, table_rows: tuple[int, ...], *, rows: bool) -> Any:
    """Shardings for a state pytree: replicated, or split by rows where the leading dim is a table's row count."""
    count = mesh.devices.size

    def pick(leaf: Any) -> NamedSharding:
        shape = getattr(leaf, "shape", ())
        if rows and len(shape) >= 1 and shape[0] in table_rows and shape[0] % count == 0:
            return NamedSharding(mesh, PartitionSpec(AXIS, *([None] * (len(shape) - 1))))
        return replicated(mesh)

    return jax.tree.map(pick, state)


def check_batch(bs: int, mesh: Mesh) -> None:
    """The global batch must split evenly over the devices."""
    from recsys_core.errors import ConfigError

    if bs % mesh.devices.size:
        raise ConfigError(f"batch size {bs} does not split evenly over {mesh.devices.size} devices; "
                          f"use a multiple of {mesh.devices.size}")
