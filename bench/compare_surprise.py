"""Surprise SVD beside recsys's default and book recipes on the canonical ml-100k folds u1..u5.

Run: ``.venv/bin/python bench/compare_surprise.py [--folds u1..u5] [--backends torch,jax]``.
Needs ``pip install scikit-surprise`` for the Surprise side (it is skipped with a
hint when missing); never part of ``make test``. Prints mean RMSE and seconds per fold.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from recsys_core.data import load_movielens
from recsys_core.evaluation.metrics import rmse
from recsys_core.spec import ModelSpec, TrainConfig
from recsys_core.splits import parse_folds, make_splits
from recsys_core.training import fit


def surprise_svd(ratings, splits) -> tuple[list[float], list[float]] | None:
    """Surprise's SVD (its defaults: 100 factors, 20 epochs, lr 0.005, reg 0.02) on each fold; None if missing."""
    try:
        import pandas as pd
        from surprise import SVD, Dataset, Reader
    except ImportError:
        print("scikit-surprise is not installed: pip install scikit-surprise  (skipping the Surprise side)")
        return None
    frame = pd.DataFrame({"u": ratings.users, "i": ratings.items, "r": ratings.ratings.astype(float)})
    errors, seconds = [], []
    for split in splits:
        start = time.perf_counter()
        data = Dataset.load_from_df(frame.iloc[split.train], Reader(rating_scale=(1, 5)))
        algo = SVD(random_state=0)
        algo.fit(data.build_full_trainset())
        test = frame.iloc[split.valid]
        preds = np.array([algo.predict(u, i).est for u, i in zip(test["u"], test["i"])])
        seconds.append(time.perf_counter() - start)
        errors.append(rmse(preds, test["r"].to_numpy()))
    return errors, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", default="u1..u5")
    parser.add_argument("--backends", default="torch,jax")
    args = parser.parse_args()
    ratings = load_movielens("ml-100k", progress=False)
    splits = make_splits(ratings, ",".join(parse_folds(args.folds)))
    print(f"ml-100k folds {args.folds}: mean RMSE and seconds per fold (fit + predict)")
    recipes = {"recsys default": (ModelSpec.default(), TrainConfig()), "recsys book": (ModelSpec.book(), TrainConfig.book())}
    for backend in args.backends.split(","):
        for name, (spec, config) in recipes.items():
            errors, seconds = [], []
            for split in splits:
                start = time.perf_counter()
                model = fit(ratings, spec, config, split=split, backend=backend, device="cpu")
                seconds.append(time.perf_counter() - start)
                errors.append(model.metrics["rmse"])
            print(f"{name:<16} {backend:<6} RMSE {np.mean(errors):.4f} (folds {' '.join(f'{e:.4f}' for e in errors)})"
                  f"  {np.mean(seconds):.2f} s/fold")
    result = surprise_svd(ratings, splits)
    if result is not None:
        errors, seconds = result
        print(f"{'Surprise SVD':<16} {'numpy':<6} RMSE {np.mean(errors):.4f} (folds {' '.join(f'{e:.4f}' for e in errors)})"
              f"  {np.mean(seconds):.2f} s/fold")


if __name__ == "__main__":
    main()
