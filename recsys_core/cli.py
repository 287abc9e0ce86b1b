"""The ``recsys`` command line: fit, evaluate, predict, datasets, plugins."""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from recsys_core.errors import RecsysError
from recsys_core.spec import ModelSpec, TrainConfig

app = typer.Typer(
    name="recsys",
    help="Collaborative filtering on PyTorch, JAX and any plugin backend.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

# The toolkit's defaults live on the dataclasses (see README "Defaults"); the CLI shows and uses them.
SPEC = ModelSpec()
CONFIG = TrainConfig()


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code=2)


def _load_ratings(dataset: str, item: str | None, data_dir: Path | None, file: Path | None, columns: list[str]) -> Any:
    from recsys_core.data import load_file
    from recsys_core.registry import get_registry

    if file is not None:
        user_col, item_col, rating_col = columns
        return load_file(file, user_name=user_col, item_name=item_col, rating_name=rating_col)
    info = get_registry().dataset(dataset)
    options = {"item": item} if item and item != "id" else {}
    return info.load(data_dir=data_dir, **options)


def _mmss(seconds: float) -> str:
    return f"{int(seconds // 60):02d}:{seconds % 60:05.2f}"


class _EpochTable:
    """Prints fastai's epoch table row by row, under a progress bar."""

    def __init__(self, epochs: int, quiet: bool) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.quiet = quiet
        self.progress = Progress(
            TextColumn("training"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err, transient=True, disable=quiet,
        )
        self.task = self.progress.add_task("fit", total=epochs)

    def __enter__(self) -> _EpochTable:
        self.progress.__enter__()
        if not self.quiet:
            out.print(f"{'epoch':<7}{'train_loss':<12}{'valid_loss':<12}time")
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)  # type: ignore[arg-type]

    def __call__(self, result: Any) -> None:
        if not self.quiet:
            out.print(f"{result.epoch:<7}{result.train_loss:<12.6f}{result.valid_loss:<12.6f}{_mmss(result.seconds)}")
        self.progress.advance(self.task)


Dataset = Annotated[str, typer.Option(help="Registered dataset name (recsys datasets lists them).")]
ItemName = Annotated[str, typer.Option("--item-name", help="MovieLens items by 'id' or by 'title' (merges duplicate titles, as the book).")]
DataDir = Annotated[Path | None, typer.Option(help="Dataset cache directory (default: $RECSYS_DATA_DIR or the user cache).")]
DataFile = Annotated[Path | None, typer.Option("--file", help="Train on a CSV/TSV/Parquet file instead of a named dataset.")]
Columns = Annotated[tuple[str, str, str], typer.Option("--columns", help="User, item and rating column names of --file.")]
SplitOpt = Annotated[str | None, typer.Option("--split", help="'random' (default) or a canonical ml-100k fold: u1..u5, ua, ub.")]
ValidPct = Annotated[float, typer.Option(help="Validation share of a random split.")]
Seed = Annotated[int, typer.Option(help="Seed of split, initial weights and batch order.")]
Backend = Annotated[str, typer.Option(help="Backend name (recsys plugins lists them).")]
Device = Annotated[str, typer.Option(help="cpu, cuda, cuda:N, mps, gpu, tpu or auto.")]
JsonOut = Annotated[bool, typer.Option("--json", help="End with one JSON line of results.")]


@app.command()
def fit(
    dataset: Dataset = "ml-100k",
    item_name: ItemName = "id",
    file: DataFile = None,
    columns: Columns = ("user", "item", "rating"),
    data_dir: DataDir = None,
    split: SplitOpt = None,
    valid_pct: ValidPct = 0.2,
    seed: Seed = 42,
    model: Annotated[str | None, typer.Option(
        help="Model kind: dot, biased, neural (fastai EmbeddingNN) or neumf (default: the toolkit's default model, "
             "biased as a 3-member seed ensemble).")] = None,
    backend: Backend = "torch",
    device: Device = "auto",
    factors: Annotated[int, typer.Option(help="Latent factors per user and item.")] = SPEC.n_factors,
    y_range: Annotated[tuple[float, float] | None, typer.Option(help="Output range LOW HIGH of sigmoid_range.")] = SPEC.y_range,
    no_y_range: Annotated[bool, typer.Option("--no-y-range", help="Raw dot product, no sigmoid_range.")] = False,
    layers: Annotated[list[int] | None, typer.Option(
        help="Hidden layer sizes of neural/neumf, e.g. --layers 100 50 (repeat the option or give several).")] = None,
    emb_sizes: Annotated[tuple[int, int] | None, typer.Option(
        help="User and item embedding sizes of neural (default: fastai's rule).")] = None,
    batchnorm: Annotated[bool, typer.Option(help="BatchNorm in neural's hidden layers (fastai's LinBnDrop).")] = SPEC.batchnorm,
    dropout: Annotated[float, typer.Option(help="Dropout after each hidden layer of neural/neumf.")] = SPEC.dropout,
    loss: Annotated[str, typer.Option(help="mse, or cross_entropy over the rating levels (prediction = expected rating).")] = SPEC.loss,
    members: Annotated[int | None, typer.Option(
        help="Seed-ensemble members trained in one pass, predicting their mean (dot/biased under mse; "
             "default: 3 when no --model, --loss, --optimizer or --distributed is named, else 1).")] = None,
    epochs: Annotated[int, typer.Option(help="Epochs.")] = CONFIG.epochs,
    lr: Annotated[float, typer.Option(help="Maximum learning rate of the one-cycle schedule.")] = CONFIG.lr,
    wd: Annotated[float, typer.Option(help="Decoupled weight decay (AdamW).")] = CONFIG.wd,
    bs: Annotated[int, typer.Option(help="Batch size.")] = CONFIG.bs,
    schedule: Annotated[str, typer.Option(help="one_cycle or constant.")] = "one_cycle",
    sampling: Annotated[str, typer.Option(help="permutation (every rating once per epoch) or replacement (fastai >= 2.8).")] = "permutation",
    optimizer: Annotated[str, typer.Option(
        help="adamw (dense, exact) or sparse_adam (lazy row-wise Adam for large tables; see docs/scale.md).")] = CONFIG.optimizer,
    distributed: Annotated[bool, typer.Option(
        "--distributed", help="Data parallel: torch under torchrun (gloo/nccl), jax over every device it sees.")] = False,
    out_path: Annotated[Path | None, typer.Option("--out", help="Write the trained model to this .safetensors file.")] = None,
    json_out: JsonOut = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No table or progress bar.")] = False,
) -> None:
    """Train a model and report validation RMSE (fastai's epoch table)."""
    from recsys_core.splits import make_split
    from recsys_core.training import fit as run_fit

    if members is None:  # the default ensemble, unless a model or a mode it does not run in is named
        default = model is None and loss == "mse" and optimizer == "adamw" and not distributed
        members = ModelSpec.default().members if default else 1
    spec = ModelSpec(kind=model or SPEC.kind, n_factors=factors, y_range=None if no_y_range else y_range,
                     layers=tuple(layers) if layers else SPEC.layers, emb_sizes=emb_sizes, batchnorm=batchnorm,
                     dropout=dropout, loss=loss, members=members)
    config = TrainConfig(epochs=epochs, lr=lr, wd=wd, bs=bs, seed=seed, schedule=schedule, sampling=sampling,
                         pct_start=CONFIG.pct_start, beta2=CONFIG.beta2, eps=CONFIG.eps, optimizer=optimizer,
                         distributed="data" if distributed else "none")
    if distributed and int(os.environ.get("RANK", "0")) != 0:
        quiet, out_path, json_out = True, None, False  # one rank reports and saves
    ratings = _load_ratings(dataset, item_name, data_dir, file, list(columns))
    the_split = make_split(ratings, split, valid_pct=valid_pct, seed=seed, data_dir=data_dir)
    context = {
        "dataset": None if file else dataset, "file": str(file) if file else None, "columns": list(columns),
        "item_name": item_name, "split": split or "random", "valid_pct": valid_pct, "seed": seed,
    }
    with _EpochTable(epochs, quiet) as table:
        trained = run_fit(ratings, spec, config, split=the_split, backend=backend, device=device,
                          on_epoch=table, context=context)
    m = trained.metrics
    if not quiet:
        out.print(
            f"validation RMSE {m['rmse']:.4f}  MAE {m['mae']:.4f}  ({m['fit_seconds']:.2f} s, "
            f"{m['seconds_per_epoch']:.3f} s/epoch, {m['ratings_per_second']:,.0f} ratings/s on {trained.info['device']})"
            + (f"  accuracy of the most likely level {m['accuracy']:.4f}" if "accuracy" in m else "")
        )
    if out_path is not None:
        trained.save(out_path)
        if not quiet:
            out.print(f"saved {out_path}")
    if json_out:
        result = {**m, "backend": backend, "model": spec.kind, "members": spec.members, "device": trained.info["device"],
                  "dataset": ratings.name, "split": the_split.name, "epochs": epochs,
                  "checkpoint": str(out_path) if out_path else None}
        print(json.dumps(result))


def _context_default(value: Any, context: dict[str, Any], key: str, fallback: Any) -> Any:
    return value if value is not None else context.get(key, fallback)


@app.command()
def evaluate(
    checkpoint: Annotated[Path, typer.Argument(help="A .safetensors checkpoint written by recsys fit.")],
    backend: Annotated[str | None, typer.Option(help="Backend to score with (default: the one that trained it).")] = None,
    device: Device = "auto",
    dataset: Annotated[str | None, typer.Option(help="Dataset (default: the one it was trained on).")] = None,
    item_name: Annotated[str | None, typer.Option("--item-name", help="id or title (default: as trained).")] = None,
    data_dir: DataDir = None,
    split: SplitOpt = None,
    valid_pct: Annotated[float | None, typer.Option(help="Validation share (default: as trained).")] = None,
    seed: Annotated[int | None, typer.Option(help="Split seed (default: as trained).")] = None,
    json_out: JsonOut = False,
) -> None:
    """Re-score a saved model on a dataset's validation split (by default the split it was trained with)."""
    from recsys_core.model import load_model
    from recsys_core.splits import make_split

    model = load_model(checkpoint, backend=backend, device=device)
    ctx = model.info.get("context") or {}
    file = ctx.get("file")
    ds = _context_default(dataset, ctx, "dataset", "ml-100k") if dataset or not file else None
    ratings = _load_ratings(ds or "ml-100k", _context_default(item_name, ctx, "item_name", "id"), data_dir,
                            Path(file) if file and ds is None else None, ctx.get("columns", ["user", "item", "rating"]))
    the_split = make_split(ratings, _context_default(split, ctx, "split", "random"),
                           valid_pct=_context_default(valid_pct, ctx, "valid_pct", 0.2),
                           seed=_context_default(seed, ctx, "seed", 42), data_dir=data_dir)
    result = model.evaluate(ratings, the_split)
    out.print(f"{the_split.name}: RMSE {result['rmse']:.5f}  MAE {result['mae']:.5f}  n={int(result['n'])} "
              f"(backend {model.backend})")
    if json_out:
        print(json.dumps({**result, "backend": model.backend, "model": model.spec.kind, "split": the_split.name,
                          "dataset": ratings.name, "checkpoint": str(checkpoint)}))


@app.command()
def predict(
    checkpoint: Annotated[Path, typer.Argument(help="A .safetensors checkpoint.")],
    user: Annotated[list[str] | None, typer.Option(help="User name (repeatable, paired with --item).")] = None,
    item: Annotated[list[str] | None, typer.Option(help="Item name (repeatable).")] = None,
    pairs: Annotated[Path | None, typer.Option(help="CSV with the training's user and item columns.")] = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="Write predictions to this CSV.")] = None,
    unknown: Annotated[str, typer.Option(help="Unknown user/item: error, nan or fallback (training mean).")] = "error",
    backend: Annotated[str | None, typer.Option(help="Backend to score with.")] = None,
    device: Device = "auto",
    json_out: JsonOut = False,
) -> None:
    """Predict ratings for (user, item) pairs."""
    from recsys_core.model import load_model

    model = load_model(checkpoint, backend=backend, device=device)
    user_col, item_col = model.info.get("user_name", "user"), model.info.get("item_name", "item")
    if pairs is not None:
        if not pairs.is_file():
            _fail(f"pairs file {pairs} does not exist")
        frame = pd.read_csv(pairs)
    else:
        if not user or not item or len(user) != len(item):
            _fail("give --user and --item the same number of times, or --pairs FILE")
        frame = pd.DataFrame({user_col: user, item_col: item})
    frame = frame.assign(prediction=model.predict(frame, unknown=unknown))
    if out_path is not None:
        from recsys_core.atomic import atomic_write_text

        atomic_write_text(out_path, frame.to_csv(index=False))
    if json_out:
        records = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                   for r in frame.to_dict(orient="records")]
        print(json.dumps(records, default=lambda v: v.item() if isinstance(v, np.generic) else str(v)))
    elif out_path is None:
        out.print(frame.to_string(index=False))


@app.command()
def datasets(data_dir: DataDir = None) -> None:
    """List the registered datasets and whether each is cached."""
    from recsys_core.registry import get_registry

    registry = get_registry()
    table = Table("dataset", "cached", "plugin", "description", box=None)
    for name in registry.names("datasets"):
        info = registry.dataset(name)
        cached = "generated" if info.cached is None else ("yes" if info.is_cached(data_dir) else "no")
        table.add_row(name, cached, registry.owner("datasets", name), info.description)
    out.print(table)


@app.command()
def plugins(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show what each plugin registered.")] = False) -> None:
    """List plugins, backends and models with their status."""
    from recsys_core.registry import get_registry

    registry = get_registry()
    table = Table("plugin", "source", "status", "provides" if verbose else "", box=None, title="plugins", title_justify="left")
    for status in registry.plugins.values():
        provides = "; ".join(f"{k}: {', '.join(v)}" for k, v in status.provides.items()) if verbose else ""
        table.add_row(status.name, status.source, status.status if not status.error else f"failed: {status.error}", provides)
    out.print(table)
    table = Table("backend", "status", "models", "plugin", box=None, title="backends", title_justify="left")
    for name in registry.names("backends"):
        engine = registry.backend(name, require=False)
        reason = engine.unavailable()
        table.add_row(name, "available" if reason is None else f"unavailable: {reason}", ", ".join(engine.models),
                      registry.owner("backends", name))
    out.print(table)
    table = Table("model", "backends", "description", box=None, title="models", title_justify="left")
    for name in registry.names("models"):
        info = registry.model(name)
        supported = [b for b in registry.names("backends") if name in registry.backend(b, require=False).models]
        table.add_row(name, ", ".join(supported) or "none", info.description)
    out.print(table)
    for problem in registry.problems:
        err.print(f"[yellow]problem:[/] {problem}")


def _register_command_groups() -> None:
    from recsys_core import cli_analysis, cli_compare

    cli_analysis.register(app)
    cli_compare.register(app)


_register_command_groups()


#: Options that take several values after one flag (``--layers 100 50``), which click cannot express.
MULTI_VALUE_OPTIONS = ("--layers",)


def expand_multi_value_options(argv: list[str]) -> list[str]:
    """``--layers 100 50`` -> ``--layers 100 --layers 50`` (numbers after the flag, up to the next option)."""
    out: list[str] = []
    flag: str | None = None
    for token in argv:
        if flag is not None and token.lstrip("-").replace(".", "", 1).isdigit() and not token.startswith("--"):
            out += [flag, token]
            continue
        flag = None
        if token in MULTI_VALUE_OPTIONS:
            flag = token
            continue
        out.append(token)
    return out


def main() -> None:
    """Entry point of the ``recsys`` console script: recsys errors become one line and exit code 2."""
    try:
        app(args=expand_multi_value_options(sys.argv[1:]))
    except RecsysError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
