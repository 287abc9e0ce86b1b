"""Vocab: codes, unknowns, coercion of command-line strings, JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from recsys_core.data import UNKNOWN, Vocab
from recsys_core.errors import DataError


def test_from_values_sorts_and_reserves_code_zero():
    vocab, codes = Vocab.from_values(np.array([30, 10, 30, 20]))
    assert len(vocab) == 4
    assert vocab.names.dtype == np.int64
    assert vocab.names[1:].tolist() == [10, 20, 30]
    assert codes.dtype == np.int32
    assert codes.tolist() == [3, 1, 3, 2]
    assert vocab.decode(codes).tolist() == [30, 10, 30, 20]


def test_string_vocab_keeps_object_dtype_and_the_na_slot():
    vocab, codes = Vocab.from_values(pd.Series(["b", "a", "c", "a"]))
    assert vocab.names.dtype == object
    assert vocab.names[0] == UNKNOWN
    assert vocab.names[1:].tolist() == ["a", "b", "c"]
    assert vocab.decode(codes).tolist() == ["b", "a", "c", "a"]
    assert vocab.decode([0]).tolist() == [UNKNOWN]


def test_json_round_trip_keeps_dtype():
    for values in (np.array([5, 3, 9]), np.array(["x", "y"], dtype=object), np.array([1.5, 0.5])):
        vocab, _ = Vocab.from_values(values)
        stored = json.loads(json.dumps(vocab.to_json()))
        back = Vocab.from_json(stored)
        assert back.names.dtype == vocab.names.dtype
        assert np.array_equal(back.names[1:], vocab.names[1:])
        assert back.encode(values).tolist() == vocab.encode(values).tolist()


def test_unknown_names_raise_naming_the_value_or_map_to_zero():
    vocab, _ = Vocab.from_values(["a", "b"])
    with pytest.raises(DataError, match="'zz' is not in the vocabulary"):
        vocab.encode(["a", "zz"])
    assert vocab.encode(["a", "zz"], unknown="zero").tolist() == [1, 0]
    with pytest.raises(DataError, match="unknown="):
        vocab.encode(["a"], unknown="ignore")
    with pytest.raises(DataError, match="'q'"):
        vocab.index("q")


def test_integer_vocab_accepts_strings_of_integers():
    vocab, _ = Vocab.from_values(np.array([1, 42, 7]))
    assert vocab.encode(["42", "1"]).tolist() == [3, 1]
    assert vocab.encode([42.0]).tolist() == [3]
    assert vocab.index("7") == 2
    assert vocab.encode(["abc", "4.5", "1000"], unknown="zero").tolist() == [0, 0, 0]
    with pytest.raises(DataError, match="'abc'"):
        vocab.encode(["abc"])
    assert vocab.decode([0, 3]).tolist() == [UNKNOWN, 42]


def test_string_vocab_accepts_integers():
    vocab, _ = Vocab.from_values(["10", "20"])
    assert vocab.encode([20]).tolist() == [2]


def test_missing_values_are_rejected():
    with pytest.raises(DataError, match="missing value"):
        Vocab.from_values(pd.Series(["a", None]))


def test_duplicate_names_are_rejected():
    with pytest.raises(DataError, match="unique"):
        Vocab.from_json(["a", "a"])
