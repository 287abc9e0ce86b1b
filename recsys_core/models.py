"""Descriptions of the model kinds the core defines (what ``recsys plugins`` lists)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ModelInfo:
    """A model kind: its name (``ModelSpec.kind``), a one-line description and its fastai counterpart."""

    name: str
    description: str
    reference: str = ""


BUILTIN_MODELS: tuple[ModelInfo, ...] = (
    ModelInfo(
        name="dot",
        description="dot product of user and item factors, optional sigmoid_range(y_range)",
        reference="fastai book ch. 8 DotProduct",
    ),
    ModelInfo(
        name="biased",
        description="dot product plus user and item biases, sigmoid_range(y_range)",
        reference="fastai DotProductBias / EmbeddingDotBias",
    ),
)
