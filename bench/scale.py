"""Scale benchmark: one epoch of biased MF (50 factors) on ml-25m-shaped synthetic data, dense vs sparse mode.

    .venv/bin/python bench/scale.py [--sizes 1m 5m 25m] [--backends torch jax] [--out bench/results]

Every (size, backend, mode) runs in its own process, so its peak RSS
(``resource.getrusage``, data generation included) is its own. Dense AdamW
touches every row of both tables every step, so at 5M and 25M it is timed over
``--dense-steps`` steps on the full-size tables and extrapolated to the epoch
(labelled ``extrapolated``). Writes ``scale.md``, ``scale.csv`` and a log-log
``scale.png`` (ratings vs seconds per epoch).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

SIZES = {"1m": "synthetic-1m", "5m": "synthetic-5m", "25m": "synthetic-25m"}


def child(size: str, backend: str, mode: str, bs: int, dense_steps: int) -> dict:
    """One measurement, in this process."""
    import dataclasses
    import resource
    import time

    import numpy as np

    from recsys_core.backend import Triples
    from recsys_core.batches import BatchPlan
    from recsys_core.registry import get_registry
    from recsys_core.schedule import make_schedule
    from recsys_core.spec import ModelSpec, TrainConfig
    from recsys_core.training import prepare

    start = time.perf_counter()
    ratings = get_registry().dataset(SIZES[size]).load()
    gen_seconds = time.perf_counter() - start
    config = TrainConfig(epochs=1, lr=1e-2, wd=0.01, bs=bs, seed=0,
                         optimizer="sparse_adam" if mode == "sparse" else "adamw")
    job = prepare(ratings, ModelSpec(kind="biased", n_factors=50, y_range=(0.5, 5.5)), config).job
    del ratings
    full_steps = job.batches.steps_per_epoch
    extrapolated = mode == "dense" and full_steps > dense_steps
    if extrapolated:  # the same full-size tables, a prefix of the batches
        n = dense_steps * bs
        train = Triples(users=job.train.users[:n], items=job.train.items[:n], ratings=job.train.ratings[:n])
        batches = BatchPlan(n=n, bs=bs, seed=config.seed)
        job = dataclasses.replace(job, train=train, batches=batches, schedule=make_schedule(config, dense_steps))
    engine = get_registry().backend(backend)
    engine.devices()
    start = time.perf_counter()
    out = engine.fit(job, device="cpu")
    wall = time.perf_counter() - start
    train_seconds = out.history[0].seconds
    seconds = train_seconds * (full_steps / job.batches.steps_per_epoch if extrapolated else 1.0)
    n_train = full_steps * bs
    return {
        "ratings": size, "backend": backend, "mode": mode, "bs": bs, "steps": full_steps,
        "timed_steps": job.batches.steps_per_epoch, "extrapolated": extrapolated,
        "epoch_seconds": round(seconds, 2), "ratings_per_s": round(n_train / seconds),
        "compile_seconds": round(out.compile_seconds, 2), "fit_wall_seconds": round(wall, 2),
        "generate_seconds": round(gen_seconds, 2),
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
        "final_train_loss": round(float(np.mean(out.step_losses[-100:])), 4),
        "valid_mse": round(out.history[0].valid_loss, 4),
    }


def markdown(rows: list[dict]) -> str:
    """A GitHub table of the rows."""
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = {"1m": 1e6, "5m": 5e6, "25m": 25e6}
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for backend in sorted({r["backend"] for r in rows}):
        for mode, style in (("dense", "--"), ("sparse", "-")):
            pts = sorted((counts[r["ratings"]], r["epoch_seconds"]) for r in rows
                         if r["backend"] == backend and r["mode"] == mode)
            if pts:
                ax.plot(*zip(*pts), style, marker="o", label=f"{backend} {mode}")
    ax.axhline(60, color="grey", lw=0.8)
    ax.set(xscale="log", yscale="log", xlabel="ratings", ylabel="seconds per epoch (dense at 5M+: extrapolated)",
           title="biased MF, 50 factors, one epoch, 2 CPU cores")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=list(SIZES))
    parser.add_argument("--backends", nargs="+", default=["torch", "jax"])
    parser.add_argument("--modes", nargs="+", default=["sparse", "dense"])
    parser.add_argument("--bs", type=int, default=1024)
    parser.add_argument("--dense-steps", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child, bs=args.bs, dense_steps=args.dense_steps)))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in args.sizes:
        for backend in args.backends:
            for mode in args.modes:
                cmd = [sys.executable, __file__, "--child", size, backend, mode, "--bs", str(args.bs),
                       "--dense-steps", str(args.dense_steps)]
                done = subprocess.run(cmd, check=False, capture_output=True, text=True)
                if done.returncode:
                    print(f"{size} {backend} {mode} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
                    continue
                row = json.loads(done.stdout.strip().splitlines()[-1])
                print(row, flush=True)
                rows.append(row)
    import pandas as pd

    pd.DataFrame(rows).to_csv(args.out / "scale.csv", index=False)
    (args.out / "scale.md").write_text(markdown(rows))
    plot(rows, args.out / "scale.png")
    print(markdown(rows))


if __name__ == "__main__":
    main()
