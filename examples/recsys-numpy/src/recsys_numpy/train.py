"""The float64 training loop: forward, hand-written gradients and AdamW, one vectorised step per batch.

The arithmetic is the one every backend runs (docs/parity.md):

* prediction ``s = u . v (+ b_u + b_i)``; with ``y_range = (lo, hi)`` the
  rating is ``lo + (hi - lo) * sigmoid(s)``; under cross-entropy the logits
  are ``s * level_weight + level_bias``;
* loss: mean squared error, or mean cross-entropy over the rating levels;
* AdamW exactly as ``torch.optim.AdamW`` with this step's lr and beta1 from
  ``job.schedule``: ``p *= 1 - lr * wd``; ``m = b1 m + (1 - b1) g``;
  ``v = b2 v + (1 - b2) g^2``; ``p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``,
  with weight decay on the parameters :func:`recsys_core.params.is_decayed` names.

An ensemble (``members > 1``) is trained as what it is: each member a single
model on its own columns of the tables (:func:`recsys_core.params.member_view`,
updated in place), with its own optimizer state and batch column; the step
loss is the members' mean and the prediction their mean.

Embedding gradients are dense (every row is updated by AdamW every step, as
torch's dense ``nn.Embedding`` and optax do); they are accumulated with
``np.add.at`` / ``np.bincount``, so repeated users or items in a batch add up.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from recsys_core.backend import EpochCallback, EpochResult, FitJob, FitOutput
from recsys_core.params import Params, is_decayed, level_targets, member_view
from recsys_core.reference import reference_predict
from recsys_core.spec import ModelSpec

VALID_CHUNK = 1 << 18


class AdamW:
    """Decoupled-weight-decay Adam in float64 over a dict of arrays, stepped with a per-step lr and beta1."""

    def __init__(self, params: dict[str, np.ndarray], *, wd: float, beta2: float, eps: float) -> None:
        self.params = params
        self.wd = {name: (wd if is_decayed(name) else 0.0) for name in params}
        self.m = {name: np.zeros_like(p) for name, p in params.items()}
        self.v = {name: np.zeros_like(p) for name, p in params.items()}
        self.beta2, self.eps, self.t = beta2, eps, 0

    def step(self, grads: dict[str, np.ndarray], lr: float, beta1: float) -> None:
        """One update of every parameter in place with gradients ``grads``."""
        self.t += 1
        b2 = self.beta2
        bias1 = 1.0 - beta1**self.t
        bias2_sqrt = np.sqrt(1.0 - b2**self.t)
        for name, p in self.params.items():
            g, m, v = grads[name], self.m[name], self.v[name]
            if self.wd[name]:
                p *= 1.0 - lr * self.wd[name]
            m *= beta1
            m += (1.0 - beta1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            denom = np.sqrt(v)
            denom /= bias2_sqrt
            denom += self.eps
            p -= (lr / bias1) * (m / denom)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _scores(spec: ModelSpec, p: dict[str, np.ndarray], users: np.ndarray, items: np.ndarray) -> np.ndarray:
    score = np.einsum("ij,ij->i", p["user_factors"][users], p["item_factors"][items])
    if spec.has_bias:
        score += p["user_bias"][users] + p["item_bias"][items]
    return score


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def losses(spec: ModelSpec, p: dict[str, np.ndarray], users: np.ndarray, items: np.ndarray,
           targets: np.ndarray) -> np.ndarray:
    """Per-row loss (float64): squared error, or cross-entropy when ``targets`` are level indices."""
    score = _scores(spec, p, users, items)
    if spec.loss == "cross_entropy":
        logp = _log_softmax(score[:, None] * p["level_weight"] + p["level_bias"])
        return -logp[np.arange(len(targets)), targets]
    pred = score
    if spec.y_range is not None:
        lo, hi = spec.y_range
        pred = lo + (hi - lo) * _sigmoid(score)
    return (pred - targets) ** 2


def loss_and_grads(spec: ModelSpec, p: dict[str, np.ndarray], users: np.ndarray, items: np.ndarray,
                   targets: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """Mean loss of one batch and its gradient with respect to every parameter (dense, float64)."""
    n = len(users)
    u, v = p["user_factors"][users], p["item_factors"][items]
    score = np.einsum("ij,ij->i", u, v)
    if spec.has_bias:
        score += p["user_bias"][users] + p["item_bias"][items]
    grads: dict[str, np.ndarray] = {}
    if spec.loss == "cross_entropy":
        w, b = p["level_weight"], p["level_bias"]
        logp = _log_softmax(score[:, None] * w + b)
        loss = float(-logp[np.arange(n), targets].mean())
        dz = np.exp(logp)
        dz[np.arange(n), targets] -= 1.0
        dz /= n  # d loss / d logits [n, L]
        grads["level_weight"] = dz.T @ score
        grads["level_bias"] = dz.sum(axis=0)
        d_score = dz @ w
    else:
        if spec.y_range is not None:
            lo, hi = spec.y_range
            sig = _sigmoid(score)
            pred = lo + (hi - lo) * sig
            d_pred_d_score = (hi - lo) * sig * (1.0 - sig)
        else:
            pred, d_pred_d_score = score, 1.0
        err = pred - targets
        loss = float(np.mean(err * err))
        d_score = (2.0 / n) * err * d_pred_d_score
    g_users = np.zeros_like(p["user_factors"])
    g_items = np.zeros_like(p["item_factors"])
    np.add.at(g_users, users, d_score[:, None] * v)
    np.add.at(g_items, items, d_score[:, None] * u)
    grads["user_factors"], grads["item_factors"] = g_users, g_items
    if spec.has_bias:
        grads["user_bias"] = np.bincount(users, weights=d_score, minlength=len(p["user_bias"]))
        grads["item_bias"] = np.bincount(items, weights=d_score, minlength=len(p["item_bias"]))
    return loss, grads


def mean_loss(spec: ModelSpec, p: dict[str, np.ndarray], users: np.ndarray, items: np.ndarray,
              targets: np.ndarray) -> float:
    """Mean loss over a whole set, scored in chunks (nan for an empty set); an ensemble's mean prediction's."""
    if len(users) == 0:
        return float("nan")
    if spec.members > 1:
        return float(np.mean((reference_predict(spec, p, users, items) - targets) ** 2))
    total = 0.0
    for start in range(0, len(users), VALID_CHUNK):
        stop = start + VALID_CHUNK
        total += float(losses(spec, p, users[start:stop], items[start:stop], targets[start:stop]).sum())
    return total / len(users)


def _targets(spec: ModelSpec, ratings: np.ndarray) -> np.ndarray:
    if spec.loss == "cross_entropy":
        return level_targets(spec.levels, ratings).astype(np.int64)
    return np.asarray(ratings, dtype=np.float64)


def fit(job: FitJob, *, on_epoch: EpochCallback | None = None) -> FitOutput:
    """Train ``job`` in float64 from ``job.init``; returns float32 canonical params and float32 step losses."""
    spec, cfg = job.spec, job.config
    state: Params = {name: np.array(value, dtype=np.float64) for name, value in job.init.items()}
    single = dataclasses.replace(spec, members=1)
    views = [member_view(spec, state, m) for m in range(spec.members)]  # in-place views of ``state``
    optimizers = [AdamW(view, wd=cfg.wd, beta2=cfg.beta2, eps=cfg.eps) for view in views]
    train_u = np.asarray(job.train.users, dtype=np.int64)
    train_i = np.asarray(job.train.items, dtype=np.int64)
    train_t = _targets(spec, job.train.ratings)
    valid_u = np.asarray(job.valid.users, dtype=np.int64)
    valid_i = np.asarray(job.valid.items, dtype=np.int64)
    valid_t = _targets(spec, job.valid.ratings)
    lrs, beta1s = job.schedule.lr.tolist(), job.schedule.beta1.tolist()
    steps = job.batches.steps_per_epoch
    step_losses = np.empty(job.total_steps, dtype=np.float64)
    history: list[EpochResult] = []
    step = 0
    for epoch in range(cfg.epochs):
        start = time.perf_counter()
        order = job.batches.epoch(epoch)
        for rows in order:
            rows = rows.reshape(len(rows), -1)  # one column per member
            member_losses = []
            for m, (view, optimizer) in enumerate(zip(views, optimizers, strict=True)):
                cols = rows[:, m]
                loss, grads = loss_and_grads(single, view, train_u[cols], train_i[cols], train_t[cols])
                optimizer.step(grads, lrs[step], beta1s[step])
                member_losses.append(loss)
            step_losses[step] = np.mean(member_losses)
            step += 1
        valid_loss = mean_loss(spec, state, valid_u, valid_i, valid_t)
        result = EpochResult(epoch=epoch, train_loss=float(step_losses[step - steps : step].mean()),
                             valid_loss=valid_loss, seconds=time.perf_counter() - start)
        history.append(result)
        if on_epoch is not None:
            on_epoch(result)
    params = {name: value.astype(np.float32) for name, value in state.items()}
    return FitOutput(params=params, history=history, step_losses=step_losses.astype(np.float32), device="cpu")
