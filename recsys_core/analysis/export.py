"""Export factors and biases with their names: CSV/Parquet tables and the embedding-projector TSV pair."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from recsys_core.analysis._common import Trained, bias_of, check_side, factors_of, rating_stats, vocab_of
from recsys_core.atomic import atomic_path, atomic_write_text
from recsys_core.data.ratings import Ratings
from recsys_core.errors import DataError

FORMATS = ("csv", "parquet")


def factor_table(model: Trained, ratings: Ratings | None = None, *, side: str = "item") -> pd.DataFrame:
    """One row per known name of ``side``: ``name``, [``bias``], [``n_ratings``, ``mean_rating``], ``f0`` .. ``f{k-1}``."""
    check_side(side)
    names = vocab_of(model, side).names[1:]
    table = factors_of(model, side)[1:]
    columns: dict[str, np.ndarray] = {"name": names}
    if f"{side}_bias" in model.params:
        columns["bias"] = bias_of(model, side)[1:]
    if ratings is not None:
        counts, means = rating_stats(model, ratings, side)
        columns["n_ratings"], columns["mean_rating"] = counts[1:], means[1:]
    frame = pd.DataFrame(columns)
    factors = pd.DataFrame(table, columns=[f"f{j}" for j in range(table.shape[1])])
    return pd.concat([frame, factors], axis=1)


def export_factors(
    model: Trained, path: str | os.PathLike[str], ratings: Ratings | None = None, *, side: str = "item",
    format: str | None = None,
) -> Path:
    """Write :func:`factor_table` to ``path`` atomically; ``format`` "csv" or "parquet" (default: from the suffix)."""
    path = Path(path)
    fmt = format or path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise DataError(f"cannot tell the export format of {path}; use a .csv or .parquet name or pass format=")
    frame = factor_table(model, ratings, side=side)
    if fmt == "csv":
        return atomic_write_text(path, frame.to_csv(index=False))
    frame = frame.assign(name=frame["name"].astype(str)) if frame["name"].dtype == object else frame
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)
    return path


def _clean(values: pd.Series) -> pd.Series:
    return values.astype(str).str.replace(r"[\t\r\n]+", " ", regex=True)


def export_projector(
    model: Trained, out_dir: str | os.PathLike[str], ratings: Ratings | None = None, *, side: str = "item",
) -> tuple[Path, Path]:
    """Write ``vectors.tsv`` (one factor row per line) and ``metadata.tsv`` (a header, then name and stats) to ``out_dir``.

    The pair loads in the TensorFlow Embedding Projector (projector.tensorflow.org).
    """
    frame = factor_table(model, ratings, side=side)
    factor_cols = [c for c in frame.columns if c.startswith("f") and c[1:].isdigit()]
    meta = frame.drop(columns=factor_cols)
    meta["name"] = _clean(meta["name"])
    out = Path(out_dir)
    vectors = "\n".join("\t".join(f"{v:.6g}" for v in row) for row in frame[factor_cols].to_numpy()) + "\n"
    vec_path = atomic_write_text(out / "vectors.tsv", vectors)
    meta_path = atomic_write_text(out / "metadata.tsv", meta.to_csv(sep="\t", index=False))
    return vec_path, meta_path
