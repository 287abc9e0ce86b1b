"""The comparison report: a folder with results.csv, report.md and PNG plots.

matplotlib is imported lazily, with the Agg backend, only when plots are drawn.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.atomic import atomic_path, atomic_write_text
from recsys_core.evaluation.harness import TIMINGS, Comparison, Run, paired_bootstrap, paired_bootstrap_users, summarize
from recsys_core.evaluation.ranking import TopK


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return path


def _md(frame: pd.DataFrame, digits: int = 4) -> str:
    """A DataFrame as a GitHub Markdown table (no optional dependency)."""
    def cell(v: Any) -> str:
        if isinstance(v, (float, np.floating)):
            return "" if np.isnan(v) else (f"{v:.{digits}f}" if abs(v) < 1e4 else f"{v:,.0f}")
        return str(v)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def _chosen(comparison: Comparison, model: str) -> list[Run]:
    """The runs of ``model`` on the first backend and seed, ordered by (split, fold)."""
    runs = [r for r in comparison.runs if r.model == model]
    backend, seed = runs[0].backend, runs[0].seed
    return sorted((r for r in runs if r.backend == backend and r.seed == seed), key=lambda r: (r.split, r.fold))


def _pooled(comparison: Comparison, model: str) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str]]]:
    """Predictions of ``model`` on the first backend and seed, concatenated over every (split, fold)."""
    chosen = _chosen(comparison, model)
    return (np.concatenate([r.predictions for r in chosen]), np.concatenate([r.targets for r in chosen]),
            [(r.split, r.fold) for r in chosen])


def _pooled_lists(comparison: Comparison, model: str) -> tuple[TopK | None, list[tuple[str, str]]]:
    """Top-k lists of ``model`` on the first backend and seed, stacked over every (split, fold)."""
    chosen = _chosen(comparison, model)
    if any(r.lists is None for r in chosen):
        return None, []
    return TopK.concat([r.lists for r in chosen]), [(r.split, r.fold) for r in chosen]


def winners(comparison: Comparison, *, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Per metric: the best model (mean over backends, seeds and folds), the runner-up, and a paired-bootstrap
    95% CI of their difference: over the same test ratings (rating metrics) or the same test users (ranking)."""
    results, rows = comparison.results, []
    for metric in comparison.metrics:
        label = metric.label(comparison.k)
        means = results.groupby("model", sort=False)[label].mean().sort_values(ascending=not metric.higher_is_better)
        row: dict[str, Any] = {"metric": label, "winner": means.index[0], "value": means.iloc[0],
                               "runner_up": "", "runner_up_value": np.nan, "diff": np.nan, "ci_low": np.nan,
                               "ci_high": np.nan, "significant": ""}
        if len(means) > 1:
            row |= {"runner_up": means.index[1], "runner_up_value": means.iloc[1],
                    "diff": means.iloc[0] - means.iloc[1]}
            if metric.kind == "rating":
                pred_a, targets, key_a = _pooled(comparison, means.index[0])
                pred_b, targets_b, key_b = _pooled(comparison, means.index[1])
                if key_a == key_b and np.array_equal(targets, targets_b):
                    diff, lo, hi = paired_bootstrap(pred_a, pred_b, targets, metric, n=n_boot, seed=seed)
                    row |= {"diff": diff, "ci_low": lo, "ci_high": hi,
                            "significant": "yes" if lo > 0 or hi < 0 else "no"}
            else:
                lists_a, key_a = _pooled_lists(comparison, means.index[0])
                lists_b, key_b = _pooled_lists(comparison, means.index[1])
                if lists_a is not None and lists_b is not None and key_a == key_b \
                        and np.array_equal(lists_a.users, lists_b.users):
                    diff, lo, hi = paired_bootstrap_users(lists_a, lists_b, metric, n=n_boot, seed=seed)
                    row |= {"diff": diff, "ci_low": lo, "ci_high": hi,
                            "significant": "yes" if lo > 0 or hi < 0 else "no"}
        rows.append(row)
    return pd.DataFrame(rows)


def parity(comparison: Comparison) -> pd.DataFrame:
    """Largest gap to the first backend per (model, backend) over seeds and folds."""
    gaps = [c for c in comparison.results.columns if c.endswith("_gap")]
    return comparison.results.groupby(["model", "backend"], sort=False)[gaps].max().reset_index()


def plot_metrics(comparison: Comparison, path: Path) -> Path:
    """Bar chart: each metric per model and backend, error bars = std over seeds and folds."""
    plt = _pyplot()
    labels = [m.label(comparison.k) for m in comparison.metrics]
    results = comparison.results
    models, backends = list(dict.fromkeys(results["model"])), list(dict.fromkeys(results["backend"]))
    cols = min(4, len(labels))
    rows = -(-len(labels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
    width = 0.8 / len(backends)
    x = np.arange(len(models))
    for ax, label, metric in zip(axes.flat, labels, comparison.metrics, strict=False):
        stats = results.groupby(["model", "backend"])[label].agg(["mean", "std"])
        for j, backend in enumerate(backends):
            mean = [stats["mean"].get((m, backend), np.nan) for m in models]
            std = np.nan_to_num([stats["std"].get((m, backend), np.nan) for m in models])
            ax.bar(x + (j - (len(backends) - 1) / 2) * width, mean, width, yerr=std, capsize=3, label=backend)
        arrow = "higher is better" if metric.higher_is_better else "lower is better"
        ax.set_title(f"{label} ({arrow})", fontsize=10)
        ax.set_xticks(x, models, rotation=20, ha="right", fontsize=8)
        ax.set_ylabel(label + (" (stars)" if metric.name in ("rmse", "mae") else " (fraction)"))
        finite = stats["mean"].to_numpy(dtype=float)
        finite = finite[np.isfinite(finite)]
        if metric.kind == "rating" and len(finite):
            ax.set_ylim(max(0.0, finite.min() * 0.9), finite.max() * 1.05)
    for ax in list(axes.flat)[len(labels):]:
        ax.axis("off")
    axes.flat[0].legend(title="backend", fontsize=8)
    fig.suptitle(f"Metrics per model and backend (mean ± std over {results['seed'].nunique()} seed(s) x "
                 f"{results[['split', 'fold']].drop_duplicates().shape[0]} fold(s))")
    fig.tight_layout()
    return _save(fig, path)


def plot_learning_curves(comparison: Comparison, path: Path) -> Path:
    """Train and valid loss (MSE) per epoch, one panel per model, one colour per backend (mean over runs)."""
    plt = _pyplot()
    history = comparison.history()
    models = list(dict.fromkeys(history["model"]))
    fig, axes = plt.subplots(1, len(models), figsize=(4.2 * len(models), 3.6), squeeze=False)
    for ax, model in zip(axes.flat, models, strict=False):
        part = history[history["model"] == model]
        for j, (backend, curves) in enumerate(part.groupby("backend", sort=False)):
            mean = curves.groupby("epoch")[["train_loss", "valid_loss"]].mean()
            color = f"C{j}"
            ax.plot(mean.index + 1, mean["train_loss"], "-o", color=color, ms=3, label=f"{backend} train")
            ax.plot(mean.index + 1, mean["valid_loss"], "--s", color=color, ms=3, label=f"{backend} valid")
        ax.set_title(model)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss (MSE, stars²)")
        ax.legend(fontsize=8)
    fig.suptitle("Learning curves (mean over seeds and folds)")
    fig.tight_layout()
    return _save(fig, path)


def plot_epoch_time(comparison: Comparison, path: Path) -> Path:
    """Seconds per epoch per model and backend (error bars: std over runs)."""
    plt = _pyplot()
    results = comparison.results
    models, backends = list(dict.fromkeys(results["model"])), list(dict.fromkeys(results["backend"]))
    stats = results.groupby(["model", "backend"])["seconds_per_epoch"].agg(["mean", "std"])
    fig, ax = plt.subplots(figsize=(max(5.0, 1.3 * len(models) + 2), 3.6))
    width, x = 0.8 / len(backends), np.arange(len(models))
    for j, backend in enumerate(backends):
        mean = [stats["mean"].get((m, backend), np.nan) for m in models]
        std = np.nan_to_num([stats["std"].get((m, backend), np.nan) for m in models])
        ax.bar(x + (j - (len(backends) - 1) / 2) * width, mean, width, yerr=std, capsize=3, label=backend)
    ax.set_xticks(x, models, rotation=20, ha="right")
    ax.set_ylabel("seconds per epoch (s)")
    ax.set_title("Training time per epoch (compile time excluded)")
    ax.legend(title="backend")
    fig.tight_layout()
    return _save(fig, path)


def write_report(comparison: Comparison, out: str | os.PathLike[str], *, title: str = "recsys comparison",
                 n_boot: int = 1000, plots: bool = True) -> Path:
    """Write ``results.csv``, ``history.csv``, ``report.md`` and (with ``plots``) PNG plots into the folder ``out``.

    Example:
        >>> write_report(compare(ratings, models, backends=["torch", "jax"]), "recsys-report")
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    results = comparison.results
    with atomic_path(folder / "results.csv") as tmp:
        results.to_csv(tmp, index=False)
    with atomic_path(folder / "history.csv") as tmp:
        comparison.history().to_csv(tmp, index=False)
    labels = [m.label(comparison.k) for m in comparison.metrics]
    summary = summarize(results, labels)
    shown = ["model", "backend", "runs"] + [f"{c}_{s}" for c in [*labels, "seconds_per_epoch", "fit_seconds"]
                                             for s in ("mean", "std")]
    best = winners(comparison, n_boot=n_boot)
    images = []
    if plots:
        images = [plot_metrics(comparison, folder / "metrics.png"),
                  plot_learning_curves(comparison, folder / "learning_curves.png"),
                  plot_epoch_time(comparison, folder / "epoch_time.png")]
    first = results["backend"].iloc[0]
    splits = ", ".join(f"{s}:{f}" if f != "holdout" else s for s, f in results[["split", "fold"]].drop_duplicates().itertuples(index=False))
    lines = [
        f"# {title}", "",
        f"Dataset **{results['dataset'].iloc[0]}**; splits {splits}; seeds "
        f"{', '.join(map(str, sorted(results['seed'].unique())))}; backends {', '.join(dict.fromkeys(results['backend']))}; "
        f"ranking metrics at k={comparison.k} over unseen items (train items excluded). {len(results)} runs.", "",
        "## Results (mean and std over seeds and folds)", "", _md(summary[[c for c in shown if c in summary]]), "",
        "## Winner per metric", "",
        "The difference is winner minus runner-up, with a 95% paired-bootstrap interval over the test ratings "
        f"(rating metrics) or the test users (ranking metrics; {n_boot} resamples, first backend and seed, "
        "folds pooled). "
        "`significant` = the interval excludes 0.", "",
        _md(best), "",
        f"## Backend parity (largest |difference| to {first} for the same model, seed and fold)", "",
        _md(parity(comparison), digits=8), "",
        "## Speed", "",
        _md(summary[["model", "backend", *[f"{t}_mean" for t in TIMINGS]]], digits=3), "",
    ]
    if images:
        lines += ["## Plots", ""] + [f"![{p.stem}]({p.name})" for p in images] + [""]
    atomic_write_text(folder / "report.md", "\n".join(lines))
    return folder


__all__ = ["Run", "parity", "plot_epoch_time", "plot_learning_curves", "plot_metrics", "winners", "write_report"]
