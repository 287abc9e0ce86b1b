"""Data parallelism for the torch backend (``TrainConfig.distributed="data"``), launched by torchrun.

    torchrun --nproc-per-node 2 -m recsys_core.cli fit --distributed ...

Every process builds the same job from the seed (same init, batch order and
schedule). At each step rank ``r`` of ``N`` takes the contiguous shard
``[r * bs/N, (r + 1) * bs/N)`` of the global batch, computes its mean loss and
gradients, and the gradients are all-reduced and averaged (one flat buffer per
step) before the identical AdamW step on every rank: the arithmetic of
DistributedDataParallel, so the result equals one process on the global batch
up to float32 summation order. Process group: ``gloo`` on CPU, ``nccl`` on CUDA
(one GPU per process, ``cuda:$LOCAL_RANK``), initialised from torchrun's
environment (``env://``) unless the caller already did.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

from recsys_core.errors import ConfigError


def init(dev: torch.device) -> tuple[int, int, torch.device]:
    """(rank, world size, this rank's device); initialises the process group from torchrun's environment."""
    if not dist.is_available():
        raise ConfigError("distributed training needs torch.distributed, which this torch build lacks")
    if not dist.is_initialized():
        if "WORLD_SIZE" not in os.environ:
            raise ConfigError("distributed='data' on torch runs under torchrun "
                              "(torchrun --nproc-per-node N -m recsys_core.cli fit --distributed ...)")
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
    if dev.type == "cuda":
        dev = torch.device("cuda", int(os.environ.get("LOCAL_RANK", dist.get_rank() % torch.cuda.device_count())))
        torch.cuda.set_device(dev)
    return dist.get_rank(), dist.get_world_size(), dev


def shard(bs: int, rank: int, world: int) -> slice:
    """This rank's contiguous slice of a global batch of ``bs``."""
    if bs % world:
        raise ConfigError(f"batch size {bs} does not split evenly over {world} processes; use a multiple of {world}")
    per = bs // world
    return slice(rank * per, (rank + 1) * per)


def average_gradients(params: list[torch.nn.Parameter], world: int) -> None:
    """All-reduce (sum) every gradient in one flat buffer and divide by ``world``."""
    grads = [p.grad for p in params if p.grad is not None]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat.div_(world)
    offset = 0
    for g in grads:
        g.copy_(flat[offset : offset + g.numel()].view_as(g))
        offset += g.numel()


def average(tensor: torch.Tensor, world: int) -> torch.Tensor:
    """The mean of ``tensor`` over the ranks (in place)."""
    dist.all_reduce(tensor)
    return tensor.div_(world)
