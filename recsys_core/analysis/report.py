"""The analysis report: Markdown tables (biases, PCA extremes, similar items) and PNG plots in one folder."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.analysis._common import Trained, most_rated
from recsys_core.analysis.biases import bias_ranking
from recsys_core.analysis.pca import factor_pca, pca_extremes
from recsys_core.analysis.plots import plot_biases, plot_pca
from recsys_core.analysis.similarity import most_similar
from recsys_core.atomic import atomic_write_text
from recsys_core.data.ratings import Ratings


def _table(frame: pd.DataFrame) -> str:
    """A GitHub Markdown table (no tabulate dependency)."""
    def cell(v: Any) -> str:
        if isinstance(v, (float, np.floating)):
            return "" if np.isnan(v) else f"{v:.3f}"
        return str(v).replace("|", "\\|")

    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def write_report(
    model: Trained,
    out_dir: str | os.PathLike[str],
    ratings: Ratings | None = None,
    *,
    n: int = 15,
    top_rated: int = 1000,
    similar_to: Sequence[Any] | None = None,
    n_similar: int = 10,
) -> Path:
    """Write ``report.md`` and its PNG plots to ``out_dir``; returns the report's path.

    Without ``ratings`` the tables lack mean rating and count and use every item.
    ``similar_to`` defaults to the three most-rated items (or the three first items without ratings).

    Example:
        >>> write_report(model, "analysis", ratings)
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spec = model.spec
    n_items = len(model.item_vocab) - 1
    limit = min(top_rated, n_items) if ratings is not None else None
    scope = f"the {limit} most-rated items" if limit else f"all {n_items} items"
    lines = [
        "# Model analysis",
        "",
        f"Model: {spec.kind}, {spec.n_factors} factors, y_range {spec.y_range}; "
        f"{len(model.user_vocab) - 1} users, {n_items} items; dataset {model.info.get('dataset', 'unknown')}.",
        f"Tables cover {scope}.",
        "",
        "## Item biases",
        "",
    ]
    if spec.has_bias:
        ranking = bias_ranking(model, ratings, n=n, top_rated=limit)
        plot_biases(ranking, out / "item_biases.png")
        lines += ["### Lowest", "", _table(ranking.lowest), "", "### Highest", "", _table(ranking.highest), "",
                  "![item biases](item_biases.png)", ""]
    else:
        lines += [f"Model kind {spec.kind!r} has no biases.", ""]
    k = min(3, spec.n_factors)
    result = factor_pca(model, ratings, k=k, top_rated=limit)
    lines += ["## Principal components of the item factors", "",
              "Explained variance: " + ", ".join(result.axis_label(c) for c in range(k)) + ".", ""]
    extremes = pca_extremes(result, n=10)
    for c in range(1, k + 1):
        part = extremes[extremes["component"] == c]
        low = part[part["end"] == "low"].reset_index(drop=True)
        high = part[part["end"] == "high"].reset_index(drop=True)
        both = pd.DataFrame({"low end": low["name"], "low score": low["score"],
                             "high end": high["name"], "high score": high["score"]})
        lines += [f"### PC{c}", "", _table(both), ""]
    if k >= 2:
        plot_pca(result, out / "pca_items_pc1_pc2.png", x=0, y=1)
        lines += ["![PC1 vs PC2](pca_items_pc1_pc2.png)", ""]
    if k >= 3:
        plot_pca(result, out / "pca_items_pc1_pc3.png", x=0, y=2)
        lines += ["![PC1 vs PC3](pca_items_pc1_pc3.png)", ""]
    if similar_to is None:
        codes = most_rated(model, ratings, "item", 3) if ratings is not None else np.arange(1, min(4, n_items + 1))
        similar_to = model.item_vocab.decode(codes).tolist()
    lines += ["## Similar items (cosine in factor space)", ""]
    for name in similar_to:
        frame = most_similar(model, name, n=n_similar, ratings=ratings, top_rated=limit)
        lines += [f"### {name}", "", _table(frame), ""]
    return atomic_write_text(out / "report.md", "\n".join(lines))
