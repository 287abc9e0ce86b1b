"""recsys: collaborative filtering with interoperating PyTorch and JAX backends.

The core (this package) owns data, splits, the training recipe, checkpoints
and evaluation; backends are plugins found through the ``recsys`` entry point.
Public names are imported on first use, so ``import recsys_core`` is cheap.

Example:
    >>> import recsys_core as rs
    >>> ratings = rs.load_dataset("ml-100k", item="title")
    >>> model = rs.fit(ratings, rs.ModelSpec(kind="biased", n_factors=50), rs.TrainConfig.book())
    >>> model.metrics["rmse"]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from recsys_core._version import API_VERSION, __version__

_EXPORTS = {
    "Model": "recsys_core.model",
    "load_model": "recsys_core.model",
    "ModelSpec": "recsys_core.spec",
    "TrainConfig": "recsys_core.spec",
    "Ratings": "recsys_core.data",
    "Vocab": "recsys_core.data",
    "load_file": "recsys_core.data",
    "load_movielens": "recsys_core.data",
    "synthetic": "recsys_core.data",
    "load_dataset": "recsys_core.datasets",
    "get_registry": "recsys_core.registry",
    "Split": "recsys_core.splits",
    "movielens_fold": "recsys_core.splits",
    "random_split": "recsys_core.splits",
    "fit": "recsys_core.training",
}

__all__ = ["API_VERSION", "__version__", *sorted(_EXPORTS)]

if TYPE_CHECKING:  # the names above, for type checkers and IDEs
    from recsys_core.data import Ratings, Vocab, load_file, load_movielens, synthetic  # noqa: F401
    from recsys_core.datasets import load_dataset  # noqa: F401
    from recsys_core.model import Model, load_model  # noqa: F401
    from recsys_core.registry import get_registry  # noqa: F401
    from recsys_core.spec import ModelSpec, TrainConfig  # noqa: F401
    from recsys_core.splits import Split, movielens_fold, random_split  # noqa: F401
    from recsys_core.training import fit  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'recsys_core' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
