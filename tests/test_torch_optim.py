"""The torch backend's ScheduledAdamW is torch.optim.AdamW(fused=True), bit for bit."""

import pytest

torch = pytest.importorskip("torch")

from recsys_torch.optim import ScheduledAdamW  # noqa: E402


def test_matches_torch_adamw_with_changing_lr_and_beta1():
    torch.manual_seed(0)
    init = [torch.randn(30, 5), torch.randn(30)]
    ours = [torch.nn.Parameter(t.clone()) for t in init]
    theirs = [torch.nn.Parameter(t.clone()) for t in init]
    opt = ScheduledAdamW([(ours, 0.1)], beta2=0.99, eps=1e-5)
    ref = torch.optim.AdamW(theirs, lr=1e-3, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.1, fused=True)
    for step in range(25):
        lr, beta1 = 1e-3 * (1 + step), 0.95 - 0.004 * step
        grads = [torch.randn_like(t) for t in init]
        for p, g in zip(ours, grads):
            p.grad = g.clone()
        for p, g in zip(theirs, grads):
            p.grad = g.clone()
        opt.step(lr, beta1)
        ref.param_groups[0]["lr"], ref.param_groups[0]["betas"] = lr, (beta1, 0.99)
        ref.step()
    for a, b in zip(ours, theirs):
        assert torch.equal(a, b)
