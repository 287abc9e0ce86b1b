"""Time the two ml-100k fits of the Foundation issue on every installed backend.

1. the fastai book's recipe: biased, 50 factors, y_range (0, 5.5), 5 epochs,
   one-cycle lr 5e-3, wd 0.1, bs 64, items by title, 20% split (seed 42);
2. the toolkit's defaults (``recsys fit --dataset ml-100k``).

Prints fit seconds, seconds per epoch (validation included), ratings per
second and RMSE, plus the ratio to fastai's 3.4 s per epoch measured on the
2-core reference machine. Run: ``make bench`` or
``RECSYS_DATA_DIR=../shared/data .venv/bin/python bench/fit_speed.py [--backends torch]``.
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
    """Run both recipes on each backend and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(rs.get_registry().available_backends()))
    args = parser.parse_args()
    data_dir = _data_dir()
    by_title = rs.load_dataset("ml-100k", item="title", data_dir=data_dir, progress=False)
    by_id = rs.load_dataset("ml-100k", data_dir=data_dir, progress=False)
    recipes = {
        "book": (by_title, rs.ModelSpec.book(), rs.TrainConfig.book()),
        "defaults": (by_id, rs.ModelSpec(), rs.TrainConfig()),
    }
    header = f"{'recipe':<10}{'backend':<9}{'epochs':>7}{'bs':>6}{'fit s':>8}{'s/epoch':>9}{'ratings/s':>12}{'vs fastai':>11}{'RMSE':>8}"
    print(header)
    print("-" * len(header))
    for backend in args.backends.split(","):
        for name, (ratings, spec, config) in recipes.items():
            model = rs.fit(ratings, spec, config, valid_pct=0.2, backend=backend, device="cpu")
            m = model.metrics
            print(
                f"{name:<10}{backend:<9}{config.epochs:>7}{config.bs:>6}{m['fit_seconds']:>8.2f}"
                f"{m['seconds_per_epoch']:>9.3f}{m['ratings_per_second']:>12,.0f}"
                f"{FASTAI_SECONDS_PER_EPOCH / m['seconds_per_epoch']:>10.1f}x{m['rmse']:>8.4f}"
            )


if __name__ == "__main__":
    main()
