"""AdamW with decoupled weight decay, stepped with per-step lr and beta1 from the core's schedule.

It calls torch's public functional ``torch.optim.adamw.adamw`` (fused kernel
on CPU/CUDA/MPS) on state it keeps itself: the same arithmetic as
``torch.optim.AdamW(fused=True)`` without that class's per-step Python
bookkeeping, which costs about a third of a bs-64 step on CPU. Parameters come
in groups with their own weight decay (fastai decays no Linear bias or
BatchNorm parameter).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch.optim.adamw import adamw


class _Group:
    def __init__(self, params: list[torch.nn.Parameter], weight_decay: float, fused: bool) -> None:
        self.params, self.weight_decay = params, weight_decay
        self.exp_avgs = [torch.zeros_like(p) for p in params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in params]
        device = params[0].device
        self.steps = [torch.zeros((), dtype=torch.float32, device=device if fused else "cpu") for _ in params]


class ScheduledAdamW:
    """AdamW over groups of ``(params, weight_decay)``; call :meth:`step` with this step's lr and beta1."""

    def __init__(self, groups: Sequence[tuple[list[torch.nn.Parameter], float]], *, beta2: float, eps: float) -> None:
        groups = [(list(params), wd) for params, wd in groups if params]
        self.fused = groups[0][0][0].device.type in ("cpu", "cuda", "mps")
        self.groups = [_Group(params, wd, self.fused) for params, wd in groups]
        self.beta2, self.eps = beta2, eps

    def zero_grad(self) -> None:
        """Drop the gradients (set to None)."""
        for group in self.groups:
            for p in group.params:
                p.grad = None

    @torch.no_grad()
    def step(self, lr: float, beta1: float) -> None:
        """One AdamW update with learning rate ``lr`` and first-moment decay ``beta1``."""
        for g in self.groups:
            adamw(
                g.params, [p.grad for p in g.params], g.exp_avgs, g.exp_avg_sqs, [], g.steps,
                fused=self.fused or None, foreach=None if self.fused else True,
                amsgrad=False, beta1=beta1, beta2=self.beta2, lr=lr, weight_decay=g.weight_decay, eps=self.eps,
                maximize=False,
            )
