"""toy-films: a small ratings file bundled with the package (no download)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from recsys_core.data import Ratings
from recsys_core.data.catalog import DatasetInfo

FILE = "toy_films.csv"


def load_toy_films(*, data_dir: Path | None = None, progress: bool = True, **options: Any) -> Ratings:
    """The bundled ``toy-films`` ratings: 90 users, 40 made-up films, 1,800 ratings on 1..5 stars.

    ``data_dir`` and ``progress`` are ignored (the file ships with the package);
    ``options`` go to :meth:`recsys_core.data.Ratings.from_df`.
    """
    del data_dir, progress
    with resources.files("recsys_numpy").joinpath("data", FILE).open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh)
    return Ratings.from_df(df, user_name="user", item_name="film", rating_name="rating",
                           timestamp_name="timestamp", name="toy-films", **options)


TOY_FILMS = DatasetInfo(
    name="toy-films",
    description="Bundled with recsys-numpy: 1,800 ratings of 40 made-up films by 90 users (1-5 stars)",
    loader=load_toy_films,
)
