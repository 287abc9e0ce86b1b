"""Time the ml-100k fits on every installed backend, in one run.

1. ``book``: the fastai book's recipe — biased, 50 factors, y_range (0, 5.5),
   5 epochs, one-cycle lr 5e-3, wd 0.1, bs 64, items by title, 20% split (seed 42);
2. ``defaults``: the toolkit's defaults (``recsys fit --dataset ml-100k``).

Prints, per backend and recipe: fit seconds, compile seconds (reported apart),
seconds per epoch (validation included, compile excluded), ratings per second,
the speed-up over fastai's 3.4 s per epoch measured on the 2-core reference
machine, and RMSE; then the ratio between backends. Never part of the tests.

Run: ``make bench`` or ``.venv/bin/python bench/fit_speed.py [--backends torch,jax] [--device cpu]``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import recsys_core as rs

FASTAI_SECONDS_PER_EPOCH = 3.4


def _data_dir() -> Path | None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    if "RECSYS_DATA_DIR" not in os.environ and (shared / "ml-100k.zip").is_file():
        return shared
    return None


def main() -> None:
    """Run both recipes on each backend and print one table plus the backend ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(rs.get_registry().available_backends()))
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    data_dir = _data_dir()
    by_title = rs.load_dataset("ml-100k", item="title", data_dir=data_dir, progress=False)
    by_id = rs.load_dataset("ml-100k", data_dir=data_dir, progress=False)
    recipes = {
        "book": (by_title, rs.ModelSpec.book(), rs.TrainConfig.book()),
        "defaults": (by_id, rs.ModelSpec.default(), rs.TrainConfig()),
    }
    header = (f"{'recipe':<10}{'backend':<8}{'device':<8}{'epochs':>7}{'bs':>5}{'fit s':>8}{'compile s':>10}"
              f"{'s/epoch':>9}{'ratings/s':>12}{'vs fastai':>10}{'RMSE':>8}")
    print(header)
    print("-" * len(header))
    per_epoch: dict[tuple[str, str], float] = {}
    rmse: dict[tuple[str, str], float] = {}
    for backend in args.backends.split(","):
        for name, (ratings, spec, config) in recipes.items():
            model = rs.fit(ratings, spec, config, valid_pct=0.2, backend=backend, device=args.device)
            m = model.metrics
            per_epoch[name, backend], rmse[name, backend] = m["seconds_per_epoch"], m["rmse"]
            print(
                f"{name:<10}{backend:<8}{model.info['device']:<8}{config.epochs:>7}{config.bs:>5}{m['fit_seconds']:>8.2f}"
                f"{m['compile_seconds']:>10.2f}{m['seconds_per_epoch']:>9.3f}{m['ratings_per_second']:>12,.0f}"
                f"{FASTAI_SECONDS_PER_EPOCH / m['seconds_per_epoch']:>9.1f}x{m['rmse']:>8.4f}",
                flush=True,
            )
    backends = args.backends.split(",")
    for name in recipes:
        for other in backends[1:]:
            first = backends[0]
            a, b = per_epoch[name, first], per_epoch[name, other]
            print(f"{name}: s/epoch {first} {a:.3f}, {other} {b:.3f}: {other} takes {b / a:.2f}x {first}'s time; "
                  f"RMSE difference {abs(rmse[name, first] - rmse[name, other]):.2e}")


if __name__ == "__main__":
    main()
