"""Sparse-row mode (``TrainConfig.optimizer="sparse_adam"``) on JAX: lazy Adam on the rows a batch touches.

The same arithmetic as ``recsys_torch.sparse`` (see its docstring), inside the
jitted ``lax.scan``: each step takes the batch's unique user and item codes
(``jnp.unique`` with a static size, padded with an out-of-range code), gathers
those rows, differentiates the loss with respect to the gathered rows (the
gradient of a row used several times is summed, as a ``segment_sum`` would)
and writes rows and moments back with ``.at[rows].set(..., mode="drop")`` (the
padding is dropped). Bias correction uses the global step ``t``. Dense
parameters get the same AdamW formula over the whole array.

The state is a pytree of plain dicts ``name -> array``: ``params``, ``rest``
(BatchNorm statistics, dropout RNG), ``mu``, ``nu`` and the step count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx

from recsys_core.backend import FitJob
from recsys_core.params import is_decayed, table_side
from recsys_jax.modules import RatingModel, canonical_name

SparseState = dict[str, Any]


class SparseModel:
    """An nnx model taken apart into flat dicts, and rebuilt (possibly with gathered rows) inside a trace."""

    def __init__(self, model: RatingModel) -> None:
        self.graphdef, state = nnx.split(model)
        self.template = [(path, variable) for path, variable in nnx.to_flat_state(state)]
        self.param_names = [canonical_name(p) for p, v in self.template if isinstance(v, nnx.Param)]

    def initial(self, model: RatingModel) -> SparseState:
        """The state of ``model``: params, rest, zero moments and step 0."""
        flat = {canonical_name(p): v[...] for p, v in nnx.to_flat_state(nnx.state(model))}
        params = {n: flat[n] for n in self.param_names}
        rest = {n: a for n, a in flat.items() if n not in params}
        zeros = {n: jnp.zeros_like(a) for n, a in params.items()}
        return {"params": params, "rest": rest, "mu": zeros, "nu": dict(zeros), "t": jnp.zeros((), jnp.int32)}

    def merge(self, params: dict[str, jax.Array], rest: dict[str, jax.Array]) -> RatingModel:
        """A model holding these arrays (tables may be gathered rows)."""
        values = {**params, **rest}
        state = nnx.from_flat_state([(p, v.replace(values[canonical_name(p)])) for p, v in self.template])
        return nnx.merge(self.graphdef, state)

    def rest_of(self, model: RatingModel) -> dict[str, jax.Array]:
        """The non-Param state (BatchNorm statistics, RNG counters) of ``model``."""
        return {canonical_name(p): v[...] for p, v in nnx.to_flat_state(nnx.state(model, nnx.Not(nnx.Param)))}


def make_sparse_step(job: FitJob, parts: SparseModel, batch_losses: Callable[..., jax.Array],
                     data: tuple[jax.Array, ...]) -> Callable[[SparseState, jax.Array],
                                                                                tuple[SparseState, jax.Array]]:
    """The scan body: one lazy-Adam step over the batch at row positions ``rows`` [bs]."""
    cfg = job.config
    lr_table = jnp.asarray(job.schedule.lr, jnp.float32)
    b1_table = jnp.asarray(job.schedule.beta1, jnp.float32)
    last = len(job.schedule.lr) - 1
    b2, eps = jnp.float32(cfg.beta2), jnp.float32(cfg.eps)
    sizes = {"user": job.n_users, "item": job.n_items}
    train_u, train_i, train_r = data
    decay = {n: jnp.float32(cfg.wd if is_decayed(n) else 0.0) for n in parts.param_names}

    def loss_fn(view: dict[str, jax.Array], rest: dict[str, jax.Array], u: jax.Array, i: jax.Array,
                r: jax.Array) -> tuple[jax.Array, dict[str, jax.Array]]:
        model = parts.merge(view, rest)
        loss = jnp.mean(batch_losses(model, u, i, r, True))
        return loss, parts.rest_of(model)

    def step(state: SparseState, rows: jax.Array) -> tuple[SparseState, jax.Array]:
        params, mu, nu = dict(state["params"]), dict(state["mu"]), dict(state["nu"])
        t = state["t"] + 1
        lr, b1 = lr_table[jnp.minimum(t - 1, last)], b1_table[jnp.minimum(t - 1, last)]
        u, i, r = train_u[rows], train_i[rows], train_r[rows]
        size = rows.shape[0]
        uu, inv_u = jnp.unique(u, size=size, fill_value=sizes["user"], return_inverse=True)
        ii, inv_i = jnp.unique(i, size=size, fill_value=sizes["item"], return_inverse=True)
        index = {"user": uu, "item": ii}
        view = {n: (a.at[index[table_side(n)]].get(mode="fill", fill_value=0) if table_side(n) else a)
                for n, a in params.items()}
        (loss, rest), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            view, state["rest"], inv_u.reshape(-1), inv_i.reshape(-1), r)
        tf = t.astype(jnp.float32)
        bc1 = 1 - b1**tf
        sqrt_bc2 = jnp.sqrt(1 - b2**tf)
        for n, g in grads.items():
            side = table_side(n)
            if side:
                idx = index[side]
                m = mu[n].at[idx].get(mode="fill", fill_value=0)
                v = nu[n].at[idx].get(mode="fill", fill_value=0)
            else:
                m, v = mu[n], nu[n]
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            p = view[n] * (1 - lr * decay[n]) - (lr / bc1) * m / (jnp.sqrt(v) / sqrt_bc2 + eps)
            if side:
                params[n] = params[n].at[idx].set(p, mode="drop")
                mu[n] = mu[n].at[idx].set(m, mode="drop")
                nu[n] = nu[n].at[idx].set(v, mode="drop")
            else:
                params[n], mu[n], nu[n] = p, m, v
        return {"params": params, "rest": rest, "mu": mu, "nu": nu, "t": t}, loss

    return step
