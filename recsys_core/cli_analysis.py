"""``recsys analyze``, ``recsys recommend`` and ``recsys similar``: the analysis layer on the command line.

Add them to an app with :func:`register` (``recsys_core.cli`` does this for ``recsys``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

_out = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)

_Checkpoint = Annotated[Path, typer.Argument(help="A .safetensors checkpoint written by recsys fit.")]
_Dataset = Annotated[str | None, typer.Option(help="Dataset for seen items, counts and means (default: as trained).")]
_ItemName = Annotated[str | None, typer.Option("--item-name", help="id or title (default: as trained).")]
_DataDir = Annotated[Path | None, typer.Option(help="Dataset cache directory (default: $RECSYS_DATA_DIR or the user cache).")]
_NoData = Annotated[bool, typer.Option("--no-data", help="Use the checkpoint alone: no counts, means or seen-item exclusion.")]


def _load(checkpoint: Path) -> Any:
    from recsys_core.checkpoint import load_checkpoint

    return load_checkpoint(checkpoint)


def _ratings(model: Any, dataset: str | None, item_name: str | None, data_dir: Path | None, no_data: bool) -> Any:
    """The ratings the checkpoint was trained on (from its recorded context, or the options), or None."""
    if no_data:
        return None
    from recsys_core.data import load_file
    from recsys_core.registry import get_registry

    ctx = model.info.get("context") or {}
    file = ctx.get("file")
    if dataset is None and file:
        user_col, item_col, rating_col = ctx.get("columns", ["user", "item", "rating"])
        return load_file(Path(file), user_name=user_col, item_name=item_col, rating_name=rating_col)
    name = dataset or ctx.get("dataset") or model.info.get("dataset") or "ml-100k"
    # Not trained by `recsys fit`: string item names mean MovieLens items by title.
    item = item_name or ctx.get("item_name") or ("title" if model.item_vocab.dtype == object else "id")
    options = {"item": item} if item != "id" else {}
    ratings = get_registry().dataset(name).load(data_dir=data_dir, progress=False, **options)
    _check_overlap(model, ratings, name)
    return ratings


def _check_overlap(model: Any, ratings: Any, name: str) -> None:
    from recsys_core.analysis._common import code_map
    from recsys_core.errors import DataError

    if not (code_map(ratings.item_vocab, model.item_vocab) > 0).any():
        raise DataError(
            f"dataset {name!r} shares no item names with the checkpoint; pass --item-name (id or title), "
            "--dataset, or --no-data"
        )


def _print(frame: Any) -> None:
    _out.print(frame.to_string(index=False, float_format=lambda v: f"{v:.4f}"))


def analyze(
    checkpoint: _Checkpoint,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for report.md and the PNG plots.")],
    dataset: _Dataset = None,
    item_name: _ItemName = None,
    data_dir: _DataDir = None,
    no_data: _NoData = False,
    n: Annotated[int, typer.Option("-n", help="Rows per bias table.")] = 15,
    top_rated: Annotated[int, typer.Option(help="Restrict tables and plots to the N most-rated items.")] = 1000,
    similar: Annotated[list[str] | None, typer.Option("--similar", help="Item to list neighbours of (repeatable; default: the 3 most rated).")] = None,
) -> None:
    """Write an analysis report (bias ranking, PCA extremes and maps, similar items) to --out."""
    from recsys_core.analysis import write_report

    model = _load(checkpoint)
    ratings = _ratings(model, dataset, item_name, data_dir, no_data)
    path = write_report(model, out_dir, ratings, n=n, top_rated=top_rated, similar_to=similar or None)
    _out.print(f"wrote {path} and {len(list(Path(out_dir).glob('*.png')))} plots")


def recommend(
    checkpoint: _Checkpoint,
    user: Annotated[str | None, typer.Option(help="A known user's name.")] = None,
    rate: Annotated[list[str] | None, typer.Option("--rate", help="New user's rating as 'ITEM=RATING' (repeatable); folded in without retraining.")] = None,
    new_user: Annotated[bool, typer.Option("--new-user", help="Recommend for the average taste (no ratings).")] = False,
    n: Annotated[int, typer.Option("-n", help="How many items.")] = 10,
    dataset: _Dataset = None,
    item_name: _ItemName = None,
    data_dir: _DataDir = None,
    no_data: _NoData = False,
) -> None:
    """Top-N items for a known user (items they rated excluded), a new user's --rate pairs, or --new-user."""
    from recsys_core.analysis import recommend as top_for_user
    from recsys_core.analysis import recommend_new_user
    from recsys_core.analysis._common import lookup
    from recsys_core.errors import DataError

    chosen = sum([user is not None, bool(rate), new_user])
    if chosen != 1:
        raise DataError("give exactly one of --user NAME, --rate ITEM=RATING (repeatable) or --new-user")
    model = _load(checkpoint)
    if user is not None:
        lookup(model, "user", user)  # an unknown user fails before any data is loaded
        frame = top_for_user(model, user, n=n, exclude=_ratings(model, dataset, item_name, data_dir, no_data))
    elif new_user:
        frame = recommend_new_user(model, None, n=n)
    else:
        pairs = []
        for text in rate or []:
            name, sep, value = text.rpartition("=")
            if not sep or not name:
                raise DataError(f"--rate {text!r} is not ITEM=RATING")
            try:
                pairs.append((name, float(value)))
            except ValueError:
                raise DataError(f"--rate {text!r} has a rating that is not a number") from None
        frame = recommend_new_user(model, pairs, n=n)
    _print(frame)


def similar(
    checkpoint: _Checkpoint,
    item: Annotated[str | None, typer.Option(help="Item name to find neighbours of.")] = None,
    user: Annotated[str | None, typer.Option(help="User name to find neighbours of (instead of --item).")] = None,
    n: Annotated[int, typer.Option("-n", help="How many neighbours.")] = 10,
    min_ratings: Annotated[int, typer.Option(help="Only neighbours rated at least this often (loads the dataset).")] = 0,
    dataset: _Dataset = None,
    item_name: _ItemName = None,
    data_dir: _DataDir = None,
) -> None:
    """The items (or users) closest in factor space (cosine similarity)."""
    from recsys_core.analysis import most_similar
    from recsys_core.errors import DataError

    if (item is None) == (user is None):
        raise DataError("give exactly one of --item NAME or --user NAME")
    model = _load(checkpoint)
    ratings = _ratings(model, dataset, item_name, data_dir, False) if min_ratings else None
    side, name = ("item", item) if item is not None else ("user", user)
    _print(most_similar(model, name, side=side, n=n, ratings=ratings, min_ratings=min_ratings))


def register(app: typer.Typer) -> None:
    """Add the ``analyze``, ``recommend`` and ``similar`` commands to ``app``."""
    app.command()(analyze)
    app.command()(recommend)
    app.command()(similar)
