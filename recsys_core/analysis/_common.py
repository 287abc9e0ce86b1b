"""Shared helpers of the analysis layer: the side of a model, name lookup with suggestions, rating statistics."""

from __future__ import annotations

import difflib
from typing import Any, Literal, Protocol

import numpy as np

from recsys_core.data.ratings import Ratings
from recsys_core.data.vocab import Vocab
from recsys_core.errors import DataError
from recsys_core.params import Params
from recsys_core.spec import ModelSpec

Side = Literal["item", "user"]
SIDES: tuple[str, ...] = ("item", "user")


class Trained(Protocol):
    """Anything holding canonical params, a spec and both vocabularies: a Model or a Checkpoint."""

    @property
    def spec(self) -> ModelSpec: ...  # noqa: D102

    @property
    def params(self) -> Params: ...  # noqa: D102

    @property
    def user_vocab(self) -> Vocab: ...  # noqa: D102

    @property
    def item_vocab(self) -> Vocab: ...  # noqa: D102

    @property
    def info(self) -> dict[str, Any]: ...  # noqa: D102


def check_side(side: str) -> Side:
    """``side`` if it is "item" or "user"; DataError otherwise."""
    if side not in SIDES:
        raise DataError(f"side={side!r} is not a side of the model; expected 'item' or 'user'")
    return side  # type: ignore[return-value]


def vocab_of(model: Trained, side: str) -> Vocab:
    """The vocabulary of ``side``."""
    return model.item_vocab if check_side(side) == "item" else model.user_vocab


def factors_of(model: Trained, side: str) -> np.ndarray:
    """The factor table of ``side`` ``[n, k]`` (float32, row 0 is #na#)."""
    return model.params[f"{check_side(side)}_factors"]


def bias_of(model: Trained, side: str) -> np.ndarray:
    """The bias vector of ``side`` ``[n]`` (an ensemble's: the members' mean); DataError for a model without biases."""
    name = f"{check_side(side)}_bias"
    if name not in model.params:
        raise DataError(
            f"model kind {model.spec.kind!r} has no biases; bias ranking needs a 'biased' model "
            "(train with ModelSpec(kind='biased'))"
        )
    bias = model.params[name]
    return bias.mean(axis=1, dtype=np.float64).astype(np.float32) if bias.ndim == 2 else bias


def lookup(model: Trained, side: str, name: Any) -> int:
    """The code of ``name`` on ``side``; DataError with close matches when the model does not know it."""
    vocab = vocab_of(model, side)
    try:
        code = vocab.index(name)
    except DataError:
        code = 0
    if code > 0:
        return code
    names = [str(v) for v in vocab.names[1:].tolist()]
    close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else "no close match found"
    raise DataError(f"{side} {name!r} is not among the model's {len(names)} {side}s; {hint}")


def code_map(source: Vocab, target: Vocab) -> np.ndarray:
    """``map[c]`` = the ``target`` code of ``source`` code ``c`` (0 where target does not know the name)."""
    if source is target or (len(source) == len(target) and np.array_equal(source.names[1:], target.names[1:])):
        return np.arange(len(target), dtype=np.int32)
    out = np.zeros(len(source), dtype=np.int32)
    if len(source) > 1:
        out[1:] = target.encode(source.names[1:], unknown="zero")
    return out


def side_codes(model: Trained, ratings: Ratings, side: str) -> np.ndarray:
    """The model's codes of each rating's user or item (0 where the model does not know it)."""
    if check_side(side) == "item":
        return code_map(ratings.item_vocab, model.item_vocab)[ratings.items]
    return code_map(ratings.user_vocab, model.user_vocab)[ratings.users]


def rating_stats(model: Trained, ratings: Ratings, side: str) -> tuple[np.ndarray, np.ndarray]:
    """(count ``[n]`` int64, mean rating ``[n]`` float64 or NaN) per model code of ``side``."""
    codes = side_codes(model, ratings, side)
    n = len(vocab_of(model, side))
    counts = np.bincount(codes, minlength=n)
    sums = np.bincount(codes, weights=ratings.ratings.astype(np.float64), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    counts[0], means[0] = 0, np.nan
    return counts, means


def most_rated(model: Trained, ratings: Ratings, side: str, n: int) -> np.ndarray:
    """Codes of the ``n`` most-rated known names of ``side`` (most first; ties by code)."""
    if n < 1:
        raise DataError(f"the number of most-rated {side}s must be at least 1, got {n}")
    counts, _ = rating_stats(model, ratings, side)
    order = np.lexsort((np.arange(len(counts)), -counts))
    order = order[(order > 0) & (counts[order] > 0)]
    return order[:n].astype(np.int64)


def names_of(model: Trained, side: str, codes: np.ndarray) -> np.ndarray:
    """Names for codes of ``side``."""
    return vocab_of(model, side).decode(np.asarray(codes))


def selected_codes(model: Trained, ratings: Ratings | None, side: str, top_rated: int | None) -> np.ndarray:
    """Codes of the ``top_rated`` most-rated names of ``side`` (needs ``ratings``), or of every known name."""
    if top_rated is None:
        return np.arange(1, len(vocab_of(model, side)), dtype=np.int64)
    if ratings is None:
        raise DataError("top_rated needs ratings to count how often each name was rated")
    return most_rated(model, ratings, side, top_rated)
