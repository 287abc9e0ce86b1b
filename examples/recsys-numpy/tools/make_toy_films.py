"""Regenerate src/recsys_numpy/data/toy_films.csv (deterministic): a planted two-genre taste model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ADJ = ["Silent", "Crimson", "Last", "Hidden", "Electric", "Broken", "Golden", "Midnight", "Paper", "Iron"]
NOUN = ["Harbor", "Garden", "Signal", "Orchard"]


def main() -> None:
    rng = np.random.default_rng(2024)
    films = [f"The {a} {n}" for n in NOUN for a in ADJ]  # 40 titles
    n_users, n_items, per_user = 90, len(films), 20
    user_taste = rng.normal(size=(n_users, 2))
    item_taste = rng.normal(size=(n_items, 2))
    item_bias = rng.normal(0, 0.5, n_items)
    rows = []
    for u in range(n_users):
        seen = rng.choice(n_items, size=per_user, replace=False)
        score = 3.4 + item_bias[seen] + 0.6 * item_taste[seen] @ user_taste[u] + rng.normal(0, 0.5, per_user)
        stars = np.clip(np.rint(score), 1, 5).astype(int)
        for i, r in zip(seen, stars):
            rows.append((f"viewer{u + 1:02d}", films[i], int(r), 1_700_000_000 + 3_600 * len(rows)))
    df = pd.DataFrame(rows, columns=["user", "film", "rating", "timestamp"])
    out = Path(__file__).resolve().parents[1] / "src" / "recsys_numpy" / "data" / "toy_films.csv"
    df.to_csv(out, index=False)
    print(f"wrote {len(df)} ratings to {out}")


if __name__ == "__main__":
    main()
