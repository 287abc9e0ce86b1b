"""``recsys compare`` and ``recsys lr-find``: the chapter line-up across backends, and the LR range test.

Add them to the ``recsys`` app with ``register(app)``.

``recsys compare`` with no arguments fits the fastai chapter-8 line-up (see
:data:`LINEUP`) with the book's recipe, ``fit_one_cycle(5, 5e-3)`` at bs 64
(wd 0 except where stated), items by title, on every installed backend, on
ml-100k's 20% random split with seed 42, and writes a report folder.

``--config experiment.toml`` describes an experiment instead (every key optional)::

    datasets = ["ml-100k"]             # or dataset = "ml-100k"
    item = "title"                     # MovieLens items by "id" or "title"
    splits = ["random:0.2:42", "u1..u5"]   # any recsys_core.splits.make_splits form
    backends = ["torch", "jax"]
    seeds = [1, 2]
    k = 10                             # ranking cut-off
    metrics = ["rmse", "mae", "ndcg"]  # registered metric names (default: all built-ins)

    [models.biased]                    # one table per model; keys are ModelSpec fields
    recipe = "book"                    # base: "book" (fastai ch. 8, wd 0) or "default" (the toolkit's)
    kind = "biased"
    n_factors = 50
    y_range = [0, 5.5]
    [models.biased.train]              # TrainConfig fields over the recipe
    wd = 0.1

Command-line options override the file's datasets, backends, seeds and splits.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from recsys_core.errors import ConfigError, RecsysError
from recsys_core.spec import ModelSpec, TrainConfig

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

#: fastai book chapter 8: fit_one_cycle(5, 5e-3), bs 64, wd 0 unless a model states otherwise.
BOOK = TrainConfig.book(wd=0.0)

#: The chapter line-up: name -> (ModelSpec fields, TrainConfig changes over BOOK); single models, as in the book.
LINEUP: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "book-dot": ({"kind": "dot", "n_factors": 50, "y_range": None, "members": 1}, {}),
    "book-dot-yrange": ({"kind": "dot", "n_factors": 50, "y_range": (0.0, 5.5), "members": 1}, {}),
    "book-biased": ({"kind": "biased", "n_factors": 50, "y_range": (0.0, 5.5), "members": 1}, {}),
    "book-biased-wd": ({"kind": "biased", "n_factors": 50, "y_range": (0.0, 5.5), "members": 1}, {"wd": 0.1}),
    "book-neural": ({"kind": "neural", "layers": (100, 50), "y_range": (0.0, 5.5), "members": 1}, {"wd": 0.1}),
}
#: Named recipes accepted by --models besides the line-up (not run by default): every model kind with the
#: toolkit's defaults, ``biased`` being ``default`` (:meth:`ModelSpec.default`, the 3-member ensemble), and
#: ``book`` (= ``book-biased-wd``).
RECIPES: dict[str, Callable[[], tuple[ModelSpec, TrainConfig]]] = {
    **{kind: (lambda kind=kind: (ModelSpec(kind=kind), TrainConfig())) for kind in ModelSpec.KINDS},
    "default": lambda: (ModelSpec.default(), TrainConfig()),
    "biased": lambda: (ModelSpec.default(), TrainConfig()),
    "book": lambda: (ModelSpec.book(), TrainConfig.book()),
}


def lineup() -> dict[str, tuple[ModelSpec, TrainConfig]]:
    """The chapter's models whose kind this installation knows (``neural`` once ModelSpec has it)."""
    return {name: (ModelSpec(**spec), dataclasses.replace(BOOK, **train))
            for name, (spec, train) in LINEUP.items() if spec["kind"] in ModelSpec.KINDS}


def named_models(names: list[str] | None) -> dict[str, tuple[ModelSpec, TrainConfig]]:
    """The line-up (no names) or the named line-up entries and recipes."""
    available = lineup()
    if not names:
        return available
    chosen = {}
    for name in names:
        if name in available:
            chosen[name] = available[name]
        elif name in RECIPES:
            chosen[name] = RECIPES[name]()
        else:
            known = ", ".join([*available, *RECIPES])
            raise ConfigError(f"model {name!r} is not in the line-up; known: {known}")
    return chosen


def _models_from_toml(tables: dict[str, Any]) -> dict[str, tuple[ModelSpec, TrainConfig]]:
    models = {}
    for name, table in tables.items():
        table = dict(table)
        recipe = table.pop("recipe", "book")
        if recipe not in ("book", "default"):
            raise ConfigError(f"model {name!r}: recipe must be 'book' or 'default', got {recipe!r}")
        base_spec, base_config = (ModelSpec.book(), BOOK) if recipe == "book" else (ModelSpec.default(), TrainConfig())
        train = table.pop("train", {})
        base = base_spec.to_json()
        if recipe == "default" and (table.get("kind", "biased") != "biased" or table.get("loss", "mse") != "mse"):
            base["members"] = 1  # the default ensemble is the biased MSE model's
        spec = ModelSpec.from_json({**base, **table})
        config = TrainConfig.from_json({**base_config.to_json(), **train})
        models[name] = (spec, config)
    return models


def load_experiment(path: Path) -> dict[str, Any]:
    """Read an experiment TOML (schema in this module's docstring) into compare's arguments."""
    if not path.is_file():
        raise ConfigError(f"experiment file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"experiment file {path} is not valid TOML: {exc}") from None
    known = {"dataset", "datasets", "item", "splits", "backends", "seeds", "k", "metrics", "models"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"experiment file {path} has unknown key {unknown[0]!r}; known keys: {', '.join(sorted(known))}")
    datasets = data.get("datasets") or ([data["dataset"]] if "dataset" in data else None)
    return {
        "datasets": datasets, "item": data.get("item"), "splits": data.get("splits"),
        "backends": data.get("backends"), "seeds": data.get("seeds"), "k": data.get("k"),
        "metrics": data.get("metrics"), "models": _models_from_toml(data["models"]) if "models" in data else None,
    }


def _csv(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def _load(dataset: str, item: str, data_dir: Path | None) -> Any:
    from recsys_core.registry import get_registry

    options = {"item": item} if item and item != "id" and dataset.startswith("ml-") else {}
    return get_registry().dataset(dataset).load(data_dir=data_dir, progress=False, **options)


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code=2)


def run_compare(
    *, datasets: list[str], item: str, splits: list[str], models: dict[str, tuple[ModelSpec, TrainConfig]],
    backends: list[str], seeds: list[int] | None, k: int, metrics: list[str] | None, data_dir: Path | None,
    device: str, quiet: bool,
) -> Any:
    """Run compare for every dataset and split string with a rich progress bar; one merged Comparison."""
    import pandas as pd
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from recsys_core.evaluation.harness import Comparison, compare
    from recsys_core.splits import make_splits

    parts = []
    loaded = {name: _load(name, item, data_dir) for name in datasets}
    plans = [(name, make_splits(loaded[name], s, data_dir=data_dir)) for name in datasets for s in splits]
    n_seeds = len(seeds) if seeds else 1
    total = sum(len(sp) for _, sp in plans) * len(models) * n_seeds * len(backends)
    epochs = sum(c.epochs for _, c in models.values()) * sum(len(sp) for _, sp in plans) * n_seeds * len(backends)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("epochs"),
                        TimeElapsedColumn(), console=err, transient=True, disable=quiet)
    done = [0]
    with progress:
        task = progress.add_task(f"run 1/{total}", total=epochs)

        def on_epoch(name: str, result: Any) -> None:
            progress.update(task, advance=1, description=f"run {done[0] + 1}/{total}: {name} epoch {result.epoch + 1}")

        def on_run(number: int, _count: int, run: Any) -> None:
            done[0] += 1
            if not quiet:
                out.print(f"[{done[0]}/{total}] {run.dataset} {run.fold:<8} {run.model:<15} {run.backend:<6} seed {run.seed}: "
                          f"rmse {run.values.get('rmse', float('nan')):.4f}  {run.timings['fit_seconds']:.2f} s "
                          f"({run.timings['seconds_per_epoch']:.3f} s/epoch)")

        for name, split_list in plans:
            parts.append(compare(loaded[name], models, backends=backends, seeds=seeds, splits=split_list,
                                 metrics=metrics, k=k, device=device, on_run=on_run, on_epoch=on_epoch))
    first = parts[0]
    return Comparison(results=pd.concat([p.results for p in parts], ignore_index=True),
                      runs=[r for p in parts for r in p.runs], metrics=first.metrics, k=first.k)


def register(app: typer.Typer) -> None:
    """Add ``compare`` and ``lr-find`` to the ``recsys`` Typer app."""

    @app.command("compare")
    def compare_command(
        models: Annotated[str | None, typer.Option(help="Comma-separated model kinds with the toolkit's defaults (dot, biased, neural, neumf; default = biased), "
                 "book (the book's biased recipe) or line-up names (book-dot, book-dot-yrange, book-biased, "
                 "book-biased-wd, book-neural).")] = None,
        backends: Annotated[str | None, typer.Option(help="Comma-separated backends (default: every installed one).")] = None,
        seeds: Annotated[str | None, typer.Option(help="Comma-separated training seeds (default: 42).")] = None,
        folds: Annotated[str | None, typer.Option(help="Canonical ml-100k folds: 'u1..u5' or 'u1,u2' (replaces --split).")] = None,
        split: Annotated[str, typer.Option(help="Split: random:PCT:SEED, kfold:K[:SEED], temporal:PCT, last:N, u1..")] = "random:0.2:42",
        dataset: Annotated[str | None, typer.Option(help="Registered dataset name (default ml-100k).")] = None,
        item_name: Annotated[str, typer.Option("--item-name", help="MovieLens items by 'id' or 'title'.")] = "title",
        config: Annotated[Path | None, typer.Option("--config", help="Experiment TOML (schema: recsys_core.cli_compare docstring).")] = None,
        k: Annotated[int | None, typer.Option(help="Ranking cut-off k (default 10).")] = None,
        out_dir: Annotated[Path, typer.Option("--out", help="Report folder.")] = Path("recsys-report"),
        data_dir: Annotated[Path | None, typer.Option(help="Dataset cache directory.")] = None,
        device: Annotated[str, typer.Option(help="cpu, cuda, ... or auto.")] = "cpu",
        no_plots: Annotated[bool, typer.Option("--no-plots", help="Skip the PNG plots.")] = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    ) -> None:
        """Compare models x backends x seeds x folds; write results.csv, report.md and plots to --out."""
        from recsys_core.evaluation.report import write_report
        from recsys_core.registry import get_registry

        try:
            exp = load_experiment(config) if config else {}
            chosen = named_models(_csv(models)) if models or not exp.get("models") else exp["models"]
            if models and exp.get("models"):
                chosen = {n: exp["models"][n] if n in exp["models"] else named_models([n])[n] for n in _csv(models) or []}
            registry = get_registry()
            names = _csv(backends) or exp.get("backends") or [
                b for b in registry.available_backends()
                if all(spec.kind in registry.backend(b).models for spec, _ in chosen.values())]
            seed_list = [int(s) for s in _csv(seeds)] if seeds else exp.get("seeds")
            split_list = [folds] if folds else (exp.get("splits") or [split])
            datasets = [dataset] if dataset else (exp.get("datasets") or ["ml-100k"])
            comparison = run_compare(
                datasets=datasets, item=exp.get("item") or item_name, splits=split_list, models=chosen,
                backends=names, seeds=seed_list, k=k or exp.get("k") or 10, metrics=exp.get("metrics"),
                data_dir=data_dir, device=device, quiet=quiet,
            )
            folder = write_report(comparison, out_dir, plots=not no_plots)
        except (RecsysError, ValueError) as exc:
            _fail(str(exc))
            return
        from recsys_core.evaluation.harness import summarize

        summary = summarize(comparison.results, ["rmse"])
        if not quiet:
            for row in summary.itertuples(index=False):
                spread = f" ± {row.rmse_std:.4f}" if row.runs > 1 else ""
                out.print(f"{row.model:<15} {row.backend:<6} rmse {row.rmse_mean:.4f}{spread}  "
                          f"{row.fit_seconds_mean:.2f} s/fit  {row.seconds_per_epoch_mean:.3f} s/epoch  ({row.runs} runs)")
        out.print(f"report: {folder / 'report.md'}")

    @app.command("lr-find")
    def lr_find_command(
        backend: Annotated[str, typer.Option(help="Backend to run the range test on.")] = "torch",
        model: Annotated[str, typer.Option(help="Line-up name or recipe (see recsys compare --models).")] = "book",
        dataset: Annotated[str, typer.Option(help="Registered dataset name.")] = "ml-100k",
        item_name: Annotated[str, typer.Option("--item-name", help="MovieLens items by 'id' or 'title'.")] = "title",
        num_it: Annotated[int, typer.Option(help="Steps from 1e-7 to 10.")] = 100,
        out_path: Annotated[Path, typer.Option("--out", help="Where to save the plot (PNG).")] = Path("lr_find.png"),
        data_dir: Annotated[Path | None, typer.Option(help="Dataset cache directory.")] = None,
        device: Annotated[str, typer.Option(help="cpu, cuda, ... or auto.")] = "cpu",
    ) -> None:
        """Run fastai's LR range test and save its plot with the suggested rates marked."""
        from recsys_core.lr_find import lr_find, plot_lr_find

        try:
            spec, config = named_models([model])[model]
            found = lr_find(_load(dataset, item_name, data_dir), spec, config, backend=backend, device=device,
                            num_it=num_it)
            plot_lr_find(found, out_path, title=f"LR range test: {model} on {dataset} ({backend})")
        except (RecsysError, ValueError) as exc:
            _fail(str(exc))
            return
        out.print(f"suggested lr: {found.suggestion:.2e} (minimum/10); steepest descent at {found.steep:.2e}")
        out.print(f"plot: {out_path}")
