"""The JAX training loop: one jitted ``lax.scan`` per epoch over the core's batches.

The optimizer is ``optax.inject_hyperparams(optax.adamw)`` whose learning
rate and b1 are functions of the step count that read the core's per-step
schedule arrays, so the schedule is exactly the one every backend gets.
Per-step losses stay on device and come back once per epoch with the
validation loss.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from recsys_core.backend import EpochCallback, EpochResult, FitJob, FitOutput, Triples
from recsys_core.params import is_decayed, level_targets
from recsys_jax.device import resolve_device
from recsys_jax.modules import build_module, to_canonical

VALID_CHUNK = 1 << 20


def _schedule_fn(values: np.ndarray) -> Callable[[jax.Array], jax.Array]:
    table = jnp.asarray(values, dtype=jnp.float32)
    last = len(values) - 1
    return lambda count: table[jnp.minimum(count, last)]


def _decay_mask(params: Any) -> Any:
    """True for the parameters weight decay applies to (the core's rule: no Linear bias, BatchNorm or level)."""

    def name(path: tuple[Any, ...]) -> str:
        keys = [getattr(k, "key", getattr(k, "idx", None)) for k in path]
        return ".".join(str(k) for k in keys if k is not None)

    return jax.tree_util.tree_map_with_path(lambda path, _: is_decayed(name(path)), params)


def make_optimizer(job: FitJob) -> optax.GradientTransformation:
    """AdamW with decoupled weight decay (masked as the core says), lr and b1 read per step from the core's schedule."""
    cfg = job.config
    return optax.inject_hyperparams(optax.adamw, static_args=("mask",))(
        learning_rate=_schedule_fn(job.schedule.lr),
        b1=_schedule_fn(job.schedule.beta1),
        b2=cfg.beta2,
        eps=cfg.eps,
        weight_decay=cfg.wd,
        mask=_decay_mask,
    )


def _put(job: FitJob, triples: Triples, device: jax.Device) -> tuple[jax.Array, jax.Array, jax.Array]:
    targets = (level_targets(job.spec.levels, triples.ratings) if job.spec.loss == "cross_entropy"
               else np.asarray(triples.ratings, dtype=np.float32))
    return (
        jax.device_put(np.asarray(triples.users, dtype=np.int32), device),
        jax.device_put(np.asarray(triples.items, dtype=np.int32), device),
        jax.device_put(targets, device),
    )


def batch_losses(model: Any, users: jax.Array, items: jax.Array, targets: jax.Array, train: bool) -> jax.Array:
    """Per-pair loss: squared error of the predicted rating, or cross-entropy over the level logits."""
    if model.loss == "cross_entropy":
        return optax.softmax_cross_entropy_with_integer_labels(model.outputs(users, items, train), targets)
    diff = model(users, items, train) - targets
    return diff * diff


def loss_sum(model: Any, users: jax.Array, items: jax.Array, targets: jax.Array) -> jax.Array:
    """Summed loss over a whole set in inference mode (stays on device).

    Sets larger than VALID_CHUNK run as a ``fori_loop`` over fixed-size chunks (the tail masked), so only one
    chunk's gathered factors are alive at a time; an unrolled Python loop would let XLA keep them all.
    """
    n = users.shape[0]
    if n <= VALID_CHUNK:
        return jnp.sum(batch_losses(model, users, items, targets, False))
    chunks = -(-n // VALID_CHUNK)
    pad = chunks * VALID_CHUNK - n
    users, items, targets = (jnp.pad(a, (0, pad)) for a in (users, items, targets))
    keep = jnp.arange(chunks * VALID_CHUNK) < n

    def chunk(k: jax.Array, total: jax.Array) -> jax.Array:
        part = [jax.lax.dynamic_slice_in_dim(a, k * VALID_CHUNK, VALID_CHUNK) for a in (users, items, targets, keep)]
        losses = batch_losses(model, part[0], part[1], part[2], False)
        return total + jnp.sum(jnp.where(part[3], losses, 0.0))

    return jax.lax.fori_loop(0, chunks, chunk, jnp.zeros((), jnp.float32))


def fit(job: FitJob, *, device: str = "auto", on_epoch: EpochCallback | None = None) -> FitOutput:
    """Train ``job`` on ``device``: per epoch, one compiled scan of forward, loss, grad and optimizer update.

    ``job.config.optimizer="sparse_adam"`` runs lazy row-wise Adam (:mod:`recsys_jax.sparse`);
    ``job.config.distributed`` other than ``"none"`` runs data parallel over every device jax sees
    (:mod:`recsys_jax.sharding`; ``device`` is then ignored).
    """
    cfg = job.config
    mesh = None
    if cfg.distributed != "none":
        from recsys_jax.sharding import check_batch, make_mesh

        mesh = make_mesh()
        check_batch(cfg.bs, mesh)
        dev = mesh.devices.flat[0]
    else:
        dev = resolve_device(device)
    with jax.default_device(dev):
        model = build_module(job.spec, job.init, seed=cfg.seed)
        data = (*_put(job, job.train, dev), *_put(job, job.valid, dev))
        make_step, state, current = (_dense_step if cfg.optimizer == "adamw" else _sparse_step)(job, model)
        constrain: Callable[[jax.Array], jax.Array] = lambda rows: rows
        place_order: Callable[[np.ndarray], jax.Array] = lambda a: jax.device_put(a, dev)
        if mesh is None:
            state = jax.device_put(state, dev)
        else:
            from recsys_jax.sharding import (
                AXIS,
                batch_sharding,
                replicated,
                state_shardings,
            )

            data = tuple(jax.device_put(a, replicated(mesh)) for a in data)
            state = jax.device_put(state, state_shardings(state, mesh, (job.n_users, job.n_items),
                                                          rows=cfg.distributed == "data+rows"))
            place_order = lambda a: jax.device_put(a, batch_sharding(mesh))
            row_sharding = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec(AXIS))
            constrain = lambda rows: jax.lax.with_sharding_constraint(rows, row_sharding)

        @jax.jit
        def run_epoch(state: Any, order: jax.Array, data: tuple[jax.Array, ...]) -> tuple[Any, jax.Array, jax.Array]:
            # the data are arguments, not closed-over constants: XLA would copy constants into the executable
            step = make_step(data[:3])
            valid_u, valid_i, valid_r = data[3:]
            state, losses = jax.lax.scan(lambda st, rows: step(st, constrain(rows)), state, order)
            valid_loss = loss_sum(current(state), valid_u, valid_i, valid_r) / max(valid_r.shape[0], 1)
            return state, losses, valid_loss

        step_losses = np.empty(job.total_steps, dtype=np.float32)
        history: list[EpochResult] = []
        steps = job.batches.steps_per_epoch
        compile_seconds = 0.0
        key = _cache_key(job, dev, mesh)
        for epoch in range(cfg.epochs):
            start = time.perf_counter()
            order = place_order(job.batches.epoch(epoch).astype(np.int32))
            if epoch == 0:
                compiled = _COMPILED.pop(key, None) or run_epoch.lower(state, order, data).compile()
                _COMPILED[key] = compiled
                while len(_COMPILED) > COMPILED_KEPT:
                    _COMPILED.pop(next(iter(_COMPILED)))
                compile_seconds = time.perf_counter() - start
                start = time.perf_counter()
            state, losses, valid_loss = compiled(state, order, data)
            epoch_losses = np.asarray(jax.device_get(losses))
            step_losses[epoch * steps : (epoch + 1) * steps] = epoch_losses
            result = EpochResult(
                epoch=epoch, train_loss=float(epoch_losses.mean()), valid_loss=float(valid_loss),
                seconds=time.perf_counter() - start,
            )
            history.append(result)
            if on_epoch is not None:
                on_epoch(result)
        where = f"{dev.platform}:{dev.id}" if mesh is None else f"{dev.platform} x{mesh.devices.size} ({cfg.distributed})"
        return FitOutput(
            params=to_canonical(current(state)), history=history, step_losses=step_losses, device=where,
            compile_seconds=compile_seconds,
        )


#: Compiled epochs kept for reuse: fits that differ only in seed, data values and initial weights (the folds of a
#: cross-validation, the seeds of a comparison) share one executable instead of compiling again.
COMPILED_KEPT = 8
_COMPILED: dict[tuple[Any, ...], Any] = {}


def _cache_key(job: FitJob, dev: Any, mesh: Any) -> tuple[Any, ...]:
    """Everything a compiled epoch depends on besides its arguments: the model, the recipe but its seed (the
    schedule and decay mask are baked in), the array shapes and the placement."""
    config = {k: v for k, v in job.config.to_json().items() if k != "seed"}
    shapes = (job.n_users, job.n_items, len(job.train), len(job.valid), job.batches.steps_per_epoch)
    where = str(dev) if mesh is None else (tuple(str(d) for d in mesh.devices.flat), mesh.axis_names)
    return (repr(job.spec), repr(sorted(config.items())), shapes, where)


StepFn = Callable[[Any, jax.Array], tuple[Any, jax.Array]]
#: Builds the scan body from the (traced) training arrays (users, items, targets).
MakeStep = Callable[[tuple[jax.Array, ...]], StepFn]


def _dense_step(job: FitJob, model: Any) -> tuple[MakeStep, Any, Callable[[Any], Any]]:
    """AdamW over every parameter: (scan body builder, initial state, state -> model)."""
    optimizer = nnx.Optimizer(model, make_optimizer(job), wrt=nnx.Param)
    graphdef, state = nnx.split((model, optimizer))

    members = job.spec.members

    def loss_fn(m: Any, u: jax.Array, i: jax.Array, r: jax.Array) -> tuple[jax.Array, jax.Array]:
        loss = jnp.mean(batch_losses(m, u, i, r, True))
        return (loss * members if members > 1 else loss), loss  # each member's own mean loss

    def make_step(train: tuple[jax.Array, ...]) -> StepFn:
        train_u, train_i, train_r = train

        def step(state: Any, rows: jax.Array) -> tuple[Any, jax.Array]:
            m, opt = nnx.merge(graphdef, state)
            (_, loss), grads = nnx.value_and_grad(loss_fn, has_aux=True)(m, train_u[rows], train_i[rows],
                                                                          train_r[rows])
            opt.update(m, grads)
            return nnx.state((m, opt)), loss

        return step

    return make_step, state, lambda state: nnx.merge(graphdef, state)[0]


def _sparse_step(job: FitJob, model: Any) -> tuple[MakeStep, Any, Callable[[Any], Any]]:
    """Lazy row-wise Adam (see :mod:`recsys_jax.sparse`): (scan body builder, initial state, state -> model)."""
    from recsys_jax.sparse import SparseModel, make_sparse_step

    parts = SparseModel(model)
    state = parts.initial(model)
    return (lambda train: make_sparse_step(job, parts, batch_losses, train), state,
            lambda state: parts.merge(state["params"], state["rest"]))
