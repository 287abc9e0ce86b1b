"""load_dataset(): any registered dataset by name."""

from __future__ import annotations

from pathlib import Path

from recsys_core.data.ratings import Ratings
from recsys_core.registry import get_registry


def load_dataset(name: str, *, item: str | None = None, data_dir: Path | None = None, progress: bool = True) -> Ratings:
    """Load the dataset registered as ``name`` (``recsys datasets`` lists them).

    ``item="title"`` asks a MovieLens set for items by title instead of id.

    Example:
        >>> ratings = load_dataset("ml-100k", item="title")
    """
    options = {"item": item} if item is not None else {}
    return get_registry().dataset(name).load(data_dir=data_dir, progress=progress, **options)
