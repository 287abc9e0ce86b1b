"""Plots (PNG, matplotlib "Agg" imported on use): labelled PCA scatter, bias bars."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from recsys_core.analysis.biases import BiasRanking
from recsys_core.analysis.pca import PCAResult
from recsys_core.atomic import atomic_path
from recsys_core.errors import DataError


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _shorten(name: Any, width: int = 32) -> str:
    text = str(name)
    return text if len(text) <= width else text[: width - 1] + "…"


def plot_pca(
    result: PCAResult,
    path: str | os.PathLike[str],
    *,
    x: int = 0,
    y: int = 1,
    max_points: int | None = 300,
    max_labels: int = 50,
    title: str | None = None,
) -> Path:
    """Scatter of components ``x`` and ``y`` (0-based) of ``result``; the most extreme points labelled.

    Only the first ``max_points`` rows are drawn (rows are most-rated first when
    ``result`` came from ``top_rated``). At most ``max_labels`` labels, chosen
    from the farthest from the centre; a label overlapping one already placed is dropped.
    """
    k = result.scores.shape[1]
    if not (0 <= x < k and 0 <= y < k) or x == y:
        raise DataError(f"components x={x} and y={y} must be two different indices in 0..{k - 1}")
    plt = _pyplot()
    rows = slice(None) if max_points is None else slice(0, max_points)
    xs, ys = result.scores[rows, x], result.scores[rows, y]
    names = result.names[rows]
    fig, ax = plt.subplots(figsize=(12, 12), dpi=100)
    try:
        ax.scatter(xs, ys, s=12, alpha=0.5, color="tab:blue", linewidths=0)
        ax.set_xlabel(result.axis_label(x))
        ax.set_ylabel(result.axis_label(y))
        ax.axhline(0, color="0.85", lw=0.8, zorder=0)
        ax.axvline(0, color="0.85", lw=0.8, zorder=0)
        ax.set_title(title or f"PCA of {result.side} {result.label}: PC{x + 1} vs PC{y + 1} ({len(xs)} {result.side}s)")
        fig.tight_layout()
        renderer = fig.canvas.get_renderer()
        spread = np.hypot((xs - xs.mean()) / (xs.std() or 1), (ys - ys.mean()) / (ys.std() or 1))
        placed: list[Any] = []
        for i in np.argsort(-spread, kind="stable"):
            if len(placed) >= max_labels:
                break
            text = ax.annotate(_shorten(names[i]), (xs[i], ys[i]), xytext=(3, 3), textcoords="offset points",
                               fontsize=8, color="0.15")
            box = text.get_window_extent(renderer)
            if any(box.overlaps(other) for other in placed) or not ax.bbox.contains(box.x0, box.y0) \
                    or not ax.bbox.contains(box.x1, box.y1):
                text.remove()
                continue
            placed.append(box)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png")
    finally:
        plt.close(fig)
    return Path(path)


def plot_biases(ranking: BiasRanking, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Horizontal bars of the lowest and highest biases of ``ranking``."""
    plt = _pyplot()
    frames = (("lowest", ranking.lowest, "tab:red"), ("highest", ranking.highest, "tab:green"))
    height = max(4.0, 0.3 * max(len(ranking.lowest), len(ranking.highest)) + 1.5)
    fig, axes = plt.subplots(1, 2, figsize=(14, height), dpi=100)
    try:
        for ax, (label, frame, color) in zip(axes, frames):
            labels = [_shorten(n, 40) for n in frame["name"]][::-1]
            ax.barh(range(len(frame)), frame["bias"].to_numpy()[::-1], color=color)
            ax.set_yticks(range(len(frame)), labels, fontsize=8)
            ax.set_xlabel(f"{ranking.side} bias")
            ax.set_title(f"{label} {ranking.side} biases")
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png")
    finally:
        plt.close(fig)
    return Path(path)
