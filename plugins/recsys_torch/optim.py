"""AdamW with decoupled weight decay, stepped with per-step lr and beta1 from the core's schedule.

It calls torch's public functional ``torch.optim.adamw.adamw`` (fused kernel
on CPU/CUDA/MPS) on state it keeps itself: the same arithmetic as
``torch.optim.AdamW(fused=True)`` without that class's per-step Python
bookkeeping, which costs about a third of a bs-64 step on CPU.
"""

from __future__ import annotations

import torch
from torch.optim.adamw import adamw


class ScheduledAdamW:
    """AdamW over ``params``; call :meth:`step` with this step's lr and beta1 after ``backward``."""

    def __init__(self, params: list[torch.nn.Parameter], *, beta2: float, eps: float, weight_decay: float) -> None:
        self.params = params
        self.beta2, self.eps, self.weight_decay = beta2, eps, weight_decay
        self.exp_avgs = [torch.zeros_like(p) for p in params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in params]
        device = params[0].device
        self.fused = device.type in ("cpu", "cuda", "mps")
        self.steps = [torch.zeros((), dtype=torch.float32, device=device if self.fused else "cpu") for _ in params]

    def zero_grad(self) -> None:
        """Drop the gradients (set to None)."""
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self, lr: float, beta1: float) -> None:
        """One AdamW update with learning rate ``lr`` and first-moment decay ``beta1``."""
        adamw(
            self.params, [p.grad for p in self.params], self.exp_avgs, self.exp_avg_sqs, [], self.steps,
            fused=self.fused or None, foreach=None if self.fused else True,
            amsgrad=False, beta1=beta1, beta2=self.beta2, lr=lr, weight_decay=self.weight_decay, eps=self.eps,
            maximize=False,
        )
