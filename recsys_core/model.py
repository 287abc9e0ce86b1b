"""Model: a trained recommender (canonical params + vocabularies) that predicts through any backend."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.backend import EpochResult, Predictor
from recsys_core.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from recsys_core.data.ratings import Ratings
from recsys_core.data.vocab import Vocab
from recsys_core.errors import ConfigError, DataError
from recsys_core.evaluation.metrics import mae, rmse
from recsys_core.params import Params
from recsys_core.spec import ModelSpec, TrainConfig
from recsys_core.splits import Split

UNKNOWN_POLICIES = ("error", "nan", "fallback")


class Model:
    """A trained model. Predicts with the backend named ``backend`` on ``device``.

    ``unknown`` policies for users/items the model never saw: ``"error"``
    (raise, naming the first one), ``"nan"`` (predict NaN) or ``"fallback"``
    (predict the training mean rating).
    """

    def __init__(
        self,
        checkpoint: Checkpoint,
        *,
        backend: str,
        device: str = "auto",
        history: Sequence[EpochResult] = (),
        step_losses: np.ndarray | None = None,
        ratings: Ratings | None = None,
    ) -> None:
        self.checkpoint = checkpoint
        self.backend = backend
        self.device = device
        self.history = list(history)
        self.step_losses = step_losses
        self.ratings = ratings  # the data it was fit on, in this process (not saved)
        self._predictor: Predictor | None = None

    # -- what it is ----------------------------------------------------------
    @property
    def spec(self) -> ModelSpec:
        """The model spec."""
        return self.checkpoint.spec

    @property
    def config(self) -> TrainConfig | None:
        """The train config that produced the model (None if unknown)."""
        return self.checkpoint.config

    @property
    def params(self) -> Params:
        """Canonical parameters (numpy float32)."""
        return self.checkpoint.params

    @property
    def user_vocab(self) -> Vocab:
        """User names by code."""
        return self.checkpoint.user_vocab

    @property
    def item_vocab(self) -> Vocab:
        """Item names by code."""
        return self.checkpoint.item_vocab

    @property
    def metrics(self) -> dict[str, Any]:
        """Validation metrics recorded at fit time."""
        return self.checkpoint.metrics

    @property
    def info(self) -> dict[str, Any]:
        """Context recorded at fit time: dataset, split, column names, timings."""
        return self.checkpoint.info

    def __repr__(self) -> str:
        return (
            f"Model(kind={self.spec.kind!r}, n_factors={self.spec.n_factors}, users={len(self.user_vocab) - 1}, "
            f"items={len(self.item_vocab) - 1}, backend={self.backend!r})"
        )

    # -- prediction ------------------------------------------------------------
    def predictor(self) -> Predictor:
        """The backend predictor, built on first use and kept."""
        if self._predictor is None:
            from recsys_core.registry import get_registry

            self._predictor = get_registry().backend(self.backend).load(self.spec, self.params, device=self.device)
        return self._predictor

    def predict_codes(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predicted ratings for int code arrays (no vocabulary lookup)."""
        return self.predictor().predict(np.asarray(users, dtype=np.int32), np.asarray(items, dtype=np.int32))

    def predict(
        self, data: pd.DataFrame | None = None, *, users: Any = None, items: Any = None, unknown: str = "error"
    ) -> np.ndarray:
        """Predicted ratings for (user, item) names: a DataFrame with the training column names, or two sequences.

        Example:
            >>> model.predict(pd.DataFrame({"user": [42], "item": ["Star Wars (1977)"]}))
        """
        if unknown not in UNKNOWN_POLICIES:
            raise ConfigError(f"unknown={unknown!r} is not a policy; expected one of {', '.join(UNKNOWN_POLICIES)}")
        if data is not None:
            user_col, item_col = self.info.get("user_name", "user"), self.info.get("item_name", "item")
            missing = [c for c in (user_col, item_col) if c not in data.columns]
            if missing:
                raise DataError(
                    f"column {missing[0]!r} not found; predict needs columns {user_col!r} and {item_col!r} "
                    f"(the frame has {', '.join(map(str, data.columns))})"
                )
            users, items = data[user_col].to_numpy(), data[item_col].to_numpy()
        if users is None or items is None:
            raise DataError("predict needs a DataFrame or both users= and items=")
        users, items = np.atleast_1d(np.asarray(users)), np.atleast_1d(np.asarray(items))
        if len(users) != len(items):
            raise DataError(f"users and items differ in length ({len(users)} vs {len(items)})")
        mode = "error" if unknown == "error" else "zero"
        u = self.user_vocab.encode(users, unknown=mode)
        i = self.item_vocab.encode(items, unknown=mode)
        known = (u > 0) & (i > 0)
        out = np.full(len(u), np.nan, dtype=np.float32)
        if known.any():
            out[known] = self.predict_codes(u[known], i[known])
        if unknown == "fallback":
            out[~known] = np.float32(self.info.get("train_mean", np.nan))
        return out

    def evaluate(self, data: Ratings | Split, split: Split | None = None, *, unknown: str = "fallback") -> dict[str, float]:
        """RMSE and MAE on ``data`` (or on its ``split.valid`` rows); ``evaluate(split)`` uses the data it was fit on.

        ``data`` may use other vocabularies than the model: names are matched.

        Example:
            >>> model.evaluate(rs.movielens_fold(ratings, "u1"))
        """
        if isinstance(data, Split):
            if self.ratings is None:
                raise DataError("evaluate(split) needs the ratings this model was fit on, which a loaded model does "
                                "not have; call evaluate(ratings, split)")
            data, split = self.ratings, data
        ratings = data
        subset = ratings.subset(split.valid) if split is not None else ratings
        if _same(subset.user_vocab, self.user_vocab) and _same(subset.item_vocab, self.item_vocab):
            preds = self.predict_codes(subset.users, subset.items)
            unknown_count = 0
        else:
            users = subset.user_vocab.decode(subset.users)
            items = subset.item_vocab.decode(subset.items)
            preds = self.predict(users=users, items=items, unknown="nan" if unknown == "error" else unknown)
            unknown_count = int(np.isnan(preds).sum())
            if unknown == "error" and unknown_count:
                raise DataError(f"{unknown_count} of {len(subset)} ratings have a user or item the model never saw")
            if unknown_count and unknown == "nan":
                keep = ~np.isnan(preds)
                preds, subset = preds[keep], subset.subset(np.flatnonzero(keep))
        return {
            "rmse": rmse(preds, subset.ratings),
            "mae": mae(preds, subset.ratings),
            "n": float(len(subset)),
            "unknown": float(unknown_count),
        }

    # -- persistence -----------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model as a safetensors checkpoint (atomically)."""
        return save_checkpoint(path, self.checkpoint)

    def on(self, backend: str, device: str = "auto") -> Model:
        """The same model predicting through another backend/device."""
        return Model(self.checkpoint, backend=backend, device=device, history=self.history,
                     step_losses=self.step_losses, ratings=self.ratings)


def _same(a: Vocab, b: Vocab) -> bool:
    return a is b or (len(a) == len(b) and np.array_equal(a.names[1:], b.names[1:]))


def load_model(path: str | os.PathLike[str], *, backend: str | None = None, device: str = "auto") -> Model:
    """Load a checkpoint; predict with ``backend`` (default: the one that trained it)."""
    checkpoint = load_checkpoint(path)
    name = backend or checkpoint.info.get("backend") or "torch"
    return Model(checkpoint, backend=name, device=device)
