"""DatasetInfo, the description of a named dataset a plugin offers, and the built-in ones."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recsys_core.data.movielens import MOVIELENS, load_movielens, movielens_cached
from recsys_core.data.ratings import Ratings
from recsys_core.data.synthetic import synthetic
from recsys_core.errors import PluginError


@dataclass(frozen=True, kw_only=True)
class DatasetInfo:
    """A named dataset a plugin offers.

    ``loader`` is called as ``loader(data_dir=..., progress=..., **options)``;
    ``cached(data_dir)`` says whether it is available without a download
    (None: always, e.g. generated data).

    Example:
        >>> DatasetInfo(name="mine", description="my ratings", loader=lambda **_: load_file("mine.csv"))
    """

    name: str
    description: str
    loader: Callable[..., Ratings]
    cached: Callable[[Path | None], bool] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise PluginError(f"a dataset needs a non-empty string name, got {self.name!r}")
        if not callable(self.loader):
            raise PluginError(f"dataset {self.name!r} has a loader that is not callable: {self.loader!r}")
        if self.cached is not None and not callable(self.cached):
            raise PluginError(f"dataset {self.name!r} has a cached= that is neither None nor callable")

    def load(self, *, data_dir: Path | None = None, progress: bool = True, **options: Any) -> Ratings:
        """Load it; ``options`` go to the loader (e.g. ``item="title"``)."""
        return self.loader(data_dir=data_dir, progress=progress, **options)

    def is_cached(self, data_dir: Path | None = None) -> bool:
        """Whether it can be loaded without a download."""
        return True if self.cached is None else bool(self.cached(data_dir))


def _movielens(name: str) -> DatasetInfo:
    return DatasetInfo(
        name=name,
        description=MOVIELENS[name].description,
        loader=functools.partial(load_movielens, name),
        cached=functools.partial(movielens_cached, name),
    )


def _load_synthetic(*, data_dir: Path | None = None, progress: bool = True, **options: Any) -> Ratings:
    del data_dir, progress  # generated, nothing to find or download
    return synthetic(**options)


#: ml-25m's shape: users and items of the MovieLens 25M release.
ML25M_USERS, ML25M_ITEMS = 162_541, 59_047
#: Generated ml-25m-shaped sets for scale benchmarks: name -> number of ratings.
SCALE_SETS = {"synthetic-1m": 1_000_000, "synthetic-5m": 5_000_000, "synthetic-25m": 25_000_000}


def _scale(name: str, n_ratings: int) -> DatasetInfo:
    def loader(*, data_dir: Path | None = None, progress: bool = True, **options: Any) -> Ratings:
        del data_dir, progress
        kwargs: dict[str, Any] = {"n_users": ML25M_USERS, "n_items": ML25M_ITEMS, "n_ratings": n_ratings,
                                  "n_factors": 16, "seed": 0, **options}
        ratings = synthetic(**kwargs)
        return dataclasses.replace(ratings, name=name)

    return DatasetInfo(
        name=name,
        description=(f"Generated, ml-25m-shaped: {n_ratings:,} ratings by {ML25M_USERS:,} users of {ML25M_ITEMS:,} "
                     "items from a planted low-rank model (seconds to generate; options: see synthetic())"),
        loader=loader,
    )


BUILTIN_DATASETS: tuple[DatasetInfo, ...] = (
    *(_movielens(name) for name in MOVIELENS),
    DatasetInfo(
        name="synthetic",
        description=(
            "Generated: 20,000 ratings by 1,000 users of 500 items from a planted low-rank model "
            "(options: see synthetic())"
        ),
        loader=_load_synthetic,
    ),
    *(_scale(name, n) for name, n in SCALE_SETS.items()),
)
