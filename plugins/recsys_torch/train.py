"""The torch training loop: the core's batches and schedule, fused AdamW, no per-step host sync."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import numpy as np
import torch
from torch.nn import functional as F

from recsys_core.backend import EpochCallback, EpochResult, FitJob, FitOutput, Triples
from recsys_core.errors import ConfigError
from recsys_core.params import is_decayed, level_targets, table_side
from recsys_torch.closed_form import ClosedFormStep, applies
from recsys_torch.device import resolve_device
from recsys_torch.modules import RatingModel, build_module, to_canonical
from recsys_torch.optim import ScheduledAdamW
from recsys_torch.sparse import LossOf, RowAdam, gathered_loss

VALID_CHUNK = 1 << 20
#: Below this many rows per step, intra-op threads cost more than they give (and
#: oversubscribe a busy machine badly), so the loop runs on one thread.
SINGLE_THREAD_BELOW = 8192


@contextlib.contextmanager
def _threads(count: int | None) -> Iterator[None]:
    """Run the block with ``count`` torch intra-op threads (None: unchanged), then restore."""
    before = torch.get_num_threads()
    if count is not None:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _codes(triples: Triples, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """int32 code tensors (half the memory of int64; embedding lookups take either), copied once."""
    return (
        torch.from_numpy(np.array(triples.users, dtype=np.int32, copy=True)).to(device),
        torch.from_numpy(np.array(triples.items, dtype=np.int32, copy=True)).to(device),
    )


def batch_loss(model: RatingModel, users: torch.Tensor, items: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean loss of a batch: MSE of the predicted rating, or cross-entropy over the level logits."""
    if model.spec.loss == "cross_entropy":
        return F.cross_entropy(model.outputs(users, items), targets)
    return F.mse_loss(model(users, items), targets)


def loss_sum(model: RatingModel, users: torch.Tensor, items: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Summed loss over a whole set, scored in chunks (stays on device)."""
    total = torch.zeros((), dtype=torch.float64, device=targets.device)
    for start in range(0, len(targets), VALID_CHUNK):
        stop = start + VALID_CHUNK
        total += batch_loss(model, users[start:stop], items[start:stop], targets[start:stop]).double() * (
            len(targets[start:stop]))
    return total


def _targets(job: FitJob, triples: Triples, device: torch.device) -> torch.Tensor:
    if job.spec.loss == "cross_entropy":
        return torch.from_numpy(level_targets(job.spec.levels, triples.ratings).astype(np.int64)).to(device)
    return torch.from_numpy(np.array(triples.ratings, dtype=np.float32, copy=True)).to(device)


def fit(job: FitJob, *, device: str = "auto", on_epoch: EpochCallback | None = None) -> FitOutput:
    """Train ``job`` on ``device`` (small CPU batches on one thread); see :func:`train`."""
    dev = resolve_device(device)
    if job.config.distributed != "none":
        return _train_distributed(job, dev, on_epoch)
    single = dev.type == "cpu" and job.config.bs < SINGLE_THREAD_BELOW
    with _threads(1 if single else None):
        return train(job, dev, on_epoch)


def _train_distributed(job: FitJob, dev: torch.device, on_epoch: EpochCallback | None) -> FitOutput:
    from recsys_torch import distributed

    cfg = job.config
    if cfg.distributed != "data" or cfg.optimizer != "adamw":
        raise ConfigError(f"the torch backend runs distributed='data' with optimizer='adamw' only, got "
                          f"distributed={cfg.distributed!r}, optimizer={cfg.optimizer!r} (row-sharded tables: "
                          "use the jax backend, or TorchRec on a cluster; see docs/scale.md)")
    rank, world, dev = distributed.init(dev)
    part = distributed.shard(cfg.bs, rank, world)
    single = dev.type == "cpu" and cfg.bs // world < SINGLE_THREAD_BELOW
    with _threads(1 if single else None):
        return train(job, dev, on_epoch, shard=(part, world))


def train(job: FitJob, dev: torch.device, on_epoch: EpochCallback | None = None, *,
          shard: tuple[slice, int] | None = None) -> FitOutput:
    """Train ``job`` with fused AdamW (or sparse-row Adam, see :mod:`recsys_torch.sparse`) on ``device``.

    Returns canonical state and per-step losses. ``shard=(columns, world)``: this process's columns of every
    global batch, gradients averaged over ``world`` processes before each step (see :mod:`recsys_torch.distributed`).

    Each step sets the lr and beta1 the core's schedule computed, runs forward,
    MSE loss, backward and the optimizer step; the loss is written into a
    device tensor, read back once per epoch with the validation loss.
    """
    cfg = job.config
    model = build_module(job.spec, job.init).to(dev)
    named = list(model.named_parameters())
    sparse = cfg.optimizer == "sparse_adam"
    tables = {n: p for n, p in named if sparse and table_side(n) is not None}
    dense = [(n, p) for n, p in named if n not in tables]
    optimizer = ScheduledAdamW(
        [([p for n, p in dense if is_decayed(n)], cfg.wd), ([p for n, p in dense if not is_decayed(n)], 0.0)],
        beta2=cfg.beta2, eps=cfg.eps,
    ) if dense else None
    rows_opt = RowAdam(tables, {n: cfg.wd if is_decayed(n) else 0.0 for n in tables}, beta2=cfg.beta2,
                       eps=cfg.eps) if tables else None
    closed = ClosedFormStep(model, optimizer) if optimizer and not tables and shard is None and applies(model) else None
    wrapper = LossOf(model, batch_loss)
    params = [p for _, p in named]
    if shard is not None:
        from recsys_torch.distributed import average, average_gradients
    train_u, train_i = _codes(job.train, dev)
    train_r = _targets(job, job.train, dev)
    valid_u, valid_i = _codes(job.valid, dev)
    valid_r = _targets(job, job.valid, dev)
    lrs = job.schedule.lr.tolist()
    beta1s = job.schedule.beta1.tolist()
    steps = job.batches.steps_per_epoch
    members = job.spec.members
    step_losses = np.empty(job.total_steps, dtype=np.float32)
    history: list[EpochResult] = []
    step = 0
    for epoch in range(cfg.epochs):
        start = time.perf_counter()
        model.train()
        order = torch.from_numpy(job.batches.epoch(epoch)).to(dev)
        if shard is not None:
            order = order[:, shard[0]]
        users, items, ratings = train_u[order], train_i[order], train_r[order]
        losses = torch.empty(steps, dtype=torch.float32, device=dev)
        if closed is not None:
            users, items, ratings = closed.rows(users), closed.rows(items), ratings.reshape(steps, -1)
        for s in range(steps):
            if closed is not None:
                loss = closed(users[s], items[s], ratings[s], lrs[step], beta1s[step])
            elif rows_opt is None:
                loss = batch_loss(model, users[s], items[s], ratings[s])
                optimizer.zero_grad()
                (loss * members if members > 1 else loss).backward()  # each member's own mean loss
                if shard is not None:
                    average_gradients(params, shard[1])
                optimizer.step(lrs[step], beta1s[step])
            else:
                loss, leaves = gathered_loss(wrapper, tables, users[s], items[s], ratings[s])
                if optimizer is not None:
                    optimizer.zero_grad()
                loss.backward()
                if optimizer is not None:
                    optimizer.step(lrs[step], beta1s[step])
                rows_opt.step(step + 1, lrs[step], beta1s[step],
                              {n: (idx, rows.detach(), rows.grad) for n, (idx, rows) in leaves.items()})
            losses[s] = loss.detach()
            step += 1
        model.eval()
        with torch.no_grad():
            valid_loss = (loss_sum(model, valid_u, valid_i, valid_r) / max(len(valid_r), 1)).item()
        if shard is not None:
            average(losses, shard[1])  # equal shards: the mean of the shard means is the global batch's mean
        epoch_losses = losses.cpu().numpy()
        step_losses[step - steps : step] = epoch_losses
        result = EpochResult(
            epoch=epoch, train_loss=float(epoch_losses.mean()), valid_loss=float(valid_loss),
            seconds=time.perf_counter() - start,
        )
        history.append(result)
        if on_epoch is not None:
            on_epoch(result)
    return FitOutput(params=to_canonical(model), history=history, step_losses=step_losses, device=str(dev))
