"""Vocab: the sorted names of one side (users or items), code 0 reserved for unknown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from recsys_core.errors import DataError

#: Name of the reserved code 0, as in fastai.
UNKNOWN = "#na#"
#: What ``encode`` does with names it does not know.
UNKNOWN_MODES = ("error", "zero")


def _normalise(uniques: Any) -> np.ndarray:
    """Sorted unique values as int64, float64 or object: the dtype a Vocab keeps."""
    arr = np.asarray(uniques)
    if arr.dtype.kind in "iu":
        if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:
            raise DataError("integer ids above 2**63 - 1 are not supported; convert them to strings")
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        return arr.astype(np.float64)
    arr = np.asarray(uniques, dtype=object)
    kind = pd.api.types.infer_dtype(arr, skipna=False)
    if kind == "integer":
        return arr.astype(np.int64)
    if kind == "floating":
        return arr.astype(np.float64)
    return arr


def _placeholder(dtype: np.dtype) -> Any:
    # An int64/float64 array cannot hold "#na#": a sentinel fills slot 0 instead.
    if dtype.kind == "i":
        return np.iinfo(np.int64).min
    if dtype.kind == "f":
        return np.nan
    return UNKNOWN


@dataclass(frozen=True, eq=False, repr=False)
class Vocab:
    """Sorted unique names of one side (users or items); code 0 is reserved for unknown (#na#, like fastai).

    ``names[1:]`` are the original values, sorted and unique; integer ids keep
    an int64 dtype, floats float64, anything else (strings) object dtype.
    ``names[0]`` is the unknown slot: ``"#na#"`` for object vocabs, a sentinel
    (int64 min, or NaN) for numeric ones, which cannot hold a string.

    Example:
        >>> vocab, codes = Vocab.from_values(["b", "a", "b"])
        >>> codes, vocab.decode(codes)
        (array([2, 1, 2], dtype=int32), array(['b', 'a', 'b'], dtype=object))
    """

    names: np.ndarray
    _index: pd.Index = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = self.names
        if not isinstance(names, np.ndarray) or names.ndim != 1 or len(names) < 1:
            raise DataError("Vocab names must be a 1-d numpy array whose slot 0 is the #na# placeholder")
        index = pd.Index(names[1:], dtype=names.dtype, copy=False)
        if not index.is_unique:
            dup = index[index.duplicated()][0]
            raise DataError(f"Vocab names must be unique, but {dup!r} appears more than once")
        object.__setattr__(self, "_index", index)

    # -- construction ----------------------------------------------------------
    @classmethod
    def from_values(cls, values: ArrayLike) -> tuple[Vocab, np.ndarray]:
        """A vocab of the distinct ``values`` and their int32 codes (>= 1), vectorised.

        Raises DataError for missing values (None/NaN) or values that cannot be sorted.
        """
        try:
            codes, uniques = pd.factorize(_as_factorizable(values), sort=True, use_na_sentinel=True)
        except TypeError as exc:
            raise DataError(f"names must be of one sortable type (all numbers or all strings): {exc}") from None
        if len(codes) and (codes < 0).any():
            raise DataError(f"names contain a missing value (None/NaN) at position {int(np.argmax(codes < 0))}")
        vocab = cls._wrap(_normalise(uniques))
        return vocab, (codes + 1).astype(np.int32)

    @classmethod
    def _wrap(cls, uniques: np.ndarray) -> Vocab:
        names = np.empty(len(uniques) + 1, dtype=uniques.dtype)
        names[0] = _placeholder(uniques.dtype)
        names[1:] = uniques
        return cls(names=names)

    # -- queries ---------------------------------------------------------------
    def __len__(self) -> int:
        """Number of codes, including the #na# slot."""
        return len(self.names)

    def __repr__(self) -> str:
        head = ", ".join(repr(v) for v in self.names[1:4].tolist())
        more = ", ..." if len(self) > 4 else ""
        return f"Vocab({len(self) - 1} names [{head}{more}], dtype={self.names.dtype})"

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the names (int64, float64 or object)."""
        return self.names.dtype

    def encode(self, values: ArrayLike, *, unknown: str = "error") -> np.ndarray:
        """int32 codes of ``values``; unknown names raise (``"error"``) or map to 0 (``"zero"``).

        Strings of numbers (``"42"``) are accepted for numeric vocabs and numbers
        for string vocabs (``42`` finds ``"42"``), as a command line passes them.
        """
        if unknown not in UNKNOWN_MODES:
            raise DataError(f"unknown={unknown!r} is not a policy; expected one of {', '.join(UNKNOWN_MODES)}")
        arr = np.atleast_1d(np.asarray(values, dtype=None))
        if arr.ndim != 1:
            arr = arr.ravel()
        pos = self._index.get_indexer(self._coerce(arr))
        if unknown == "error" and (pos < 0).any():
            first = arr[int(np.argmax(pos < 0))]
            first = first.item() if isinstance(first, np.generic) else first
            sample = ", ".join(repr(v) for v in self.names[1:4].tolist())
            raise DataError(
                f"{first!r} is not in the vocabulary of {len(self) - 1} names (e.g. {sample}); "
                "pass unknown='zero' to map unknown names to code 0"
            )
        return (pos + 1).astype(np.int32)

    def _coerce(self, arr: np.ndarray) -> np.ndarray:
        kind = self.names.dtype.kind
        if kind in "if" and arr.dtype.kind not in "iuf":
            nums = pd.to_numeric(pd.Series(arr, dtype=object), errors="coerce").to_numpy(dtype=np.float64)
            if kind == "i":
                whole = np.isfinite(nums) & (nums == np.round(nums))
                out = np.full(len(arr), np.iinfo(np.int64).min, dtype=np.int64)  # the sentinel never matches
                out[whole] = nums[whole].astype(np.int64)
                return out
            return nums
        if kind == "i" and arr.dtype.kind == "f":
            whole = np.isfinite(arr) & (arr == np.round(arr))
            return np.where(whole, arr, np.nan)
        if kind == "O" and arr.dtype.kind in "iu":
            return arr.astype(str).astype(object)
        return arr

    def decode(self, codes: ArrayLike) -> np.ndarray:
        """Names for int codes. Code 0 decodes to "#na#" (object dtype when the vocab is numeric)."""
        codes = np.asarray(codes)
        if codes.size and (codes.min() < 0 or codes.max() >= len(self)):
            bad = codes[(codes < 0) | (codes >= len(self))].ravel()[0]
            raise DataError(f"code {int(bad)} is out of range for a vocabulary of {len(self)} codes")
        out = self.names[codes]
        if self.names.dtype != object and codes.size and (codes == 0).any():
            out = out.astype(object)
            out[codes == 0] = UNKNOWN
        return out

    def index(self, name: Any) -> int:
        """The code of one name; DataError if it is unknown."""
        return int(self.encode([name])[0])

    def to_json(self) -> list[Any]:
        """``names[1:]`` as a JSON-serialisable list (python ints, floats or strs)."""
        return self.names[1:].tolist()

    @classmethod
    def from_json(cls, names: list[Any]) -> Vocab:
        """Rebuild a vocab from :meth:`to_json` output."""
        if not isinstance(names, list):
            raise DataError(f"a vocabulary must be stored as a JSON list of names, got {type(names).__name__}")
        uniques = _normalise(np.asarray(names, dtype=object)) if names else np.empty(0, dtype=object)
        return cls._wrap(uniques)


def _as_factorizable(values: ArrayLike) -> Any:
    if isinstance(values, (pd.Series, pd.Index, pd.Categorical)):
        return values
    arr = np.asarray(values)
    return arr.ravel() if arr.ndim != 1 else arr

