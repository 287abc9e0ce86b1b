"""ModelSpec and TrainConfig: the frozen, validated description of an experiment.

Both round-trip through JSON (``to_json`` / ``from_json``) so a checkpoint can
record exactly what produced it, and both are changed with
``dataclasses.replace``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self

from recsys_core.errors import ConfigError

ModelKind = Literal["dot", "biased", "neural", "neumf"]
Schedule = Literal["one_cycle", "constant"]
Sampling = Literal["permutation", "replacement"]

MODEL_KINDS: tuple[str, ...] = ("dot", "biased", "neural", "neumf")
SCHEDULES: tuple[str, ...] = ("one_cycle", "constant")
SAMPLINGS: tuple[str, ...] = ("permutation", "replacement")
LOSSES: tuple[str, ...] = ("mse", "cross_entropy")
#: ``adamw``: dense AdamW over every parameter (exact, the default); ``sparse_adam``: lazy row-wise Adam with
#: decoupled weight decay on the embedding rows a batch touches (dense AdamW for the rest); see docs/scale.md.
OPTIMIZERS: tuple[str, ...] = ("adamw", "sparse_adam")
#: ``none``: one device; ``data``: every global batch split over the devices (jax) or processes (torchrun), params
#: replicated, gradients averaged; ``data+rows``: also the embedding tables split by rows (jax); see docs/scale.md.
DISTRIBUTED: tuple[str, ...] = ("none", "data", "data+rows")
#: Members of the default model's seed ensemble: 3 cut the RMSE of ml-100k random splits by ~0.006 against one
#: model, 5 by ~0.0065 at 5/3 the cost (docs/benchmarks.md).
DEFAULT_MEMBERS = 3


def _from_json(cls: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{cls.__name__} has no field {unknown[0]!r}; known fields: {', '.join(sorted(names))}")
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    return cls(**kwargs)


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """What model to build: its kind, size, output range and loss.

    ``dot`` and ``biased`` use ``n_factors``; ``neural`` (fastai's EmbeddingNN)
    concatenates user and item embeddings of ``emb_sizes`` (default: fastai's
    rule min(600, round(1.6 * n ** 0.56))) through ``layers`` hidden
    Linear-ReLU(-BatchNorm)(-Dropout) blocks; ``neumf`` (He et al. 2017) fuses a
    GMF tower of ``n_factors`` with an MLP tower over ``layers`` (embeddings of
    ``layers[0] // 2``, no BatchNorm). ``members > 1`` (``dot``/``biased``
    with MSE) trains that many independently initialised copies in one pass,
    each on its own batch order, and predicts their mean: a seed ensemble at
    about the cost of one model. ``loss="cross_entropy"`` predicts a
    distribution over the rating ``levels`` (filled in from the data by
    ``fit``); the prediction is then the expected rating.

    The defaults are the toolkit's (chosen on ml-100k random splits other
    than the seed-42 one it is judged on); :meth:`default` adds the seed
    ensemble the toolkit trains when no model is named; :meth:`book` gives the book's
    DotProductBias. ``y_range`` suits 0.5-5 star scales; pass your own for others.

    Example:
        >>> ModelSpec(kind="biased", n_factors=50, y_range=(0.0, 5.5))
    """

    kind: str = "biased"
    n_factors: int = 40
    y_range: tuple[float, float] | None = (0.0, 5.0)
    init_std: float = 0.01
    layers: tuple[int, ...] = (100, 50)
    emb_sizes: tuple[int, int] | None = None
    batchnorm: bool = True
    dropout: float = 0.0
    loss: str = "mse"
    levels: tuple[float, ...] | None = None
    members: int = 1

    KINDS: ClassVar[tuple[str, ...]] = MODEL_KINDS

    @classmethod
    def default(cls, **changes: Any) -> ModelSpec:
        """The toolkit's default model: ``ModelSpec()`` trained as a :data:`DEFAULT_MEMBERS`-member seed ensemble.

        What :func:`recsys_core.fit` and ``recsys fit`` use when no model is named.
        """
        return dataclasses.replace(cls(members=DEFAULT_MEMBERS), **changes)

    @classmethod
    def book(cls, **changes: Any) -> ModelSpec:
        """The fastai book's DotProductBias: biased, 50 factors, y_range (0, 5.5); ``kind="neural"`` gives its
        ``collab_learner(use_nn=True, layers=[100, 50])``."""
        book = cls(kind="biased", n_factors=50, y_range=(0.0, 5.5), init_std=0.01, layers=(100, 50), emb_sizes=None,
                   batchnorm=True, dropout=0.0, loss="mse", levels=None, members=1)
        return dataclasses.replace(book, **changes)

    def __post_init__(self) -> None:
        if self.kind not in MODEL_KINDS:
            raise ConfigError(f"model kind {self.kind!r} is unknown; expected one of {', '.join(MODEL_KINDS)}")
        if not isinstance(self.n_factors, int) or self.n_factors < 1:
            raise ConfigError(f"n_factors must be a positive integer, got {self.n_factors!r}")
        if self.y_range is not None:
            lo, hi = (float(v) for v in self.y_range)
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise ConfigError(f"y_range must be two finite numbers (low, high) with low < high, got {self.y_range!r}")
            object.__setattr__(self, "y_range", (lo, hi))
        if not self.init_std > 0:
            raise ConfigError(f"init_std must be positive, got {self.init_std!r}")
        layers = tuple(self.layers)
        if any(not isinstance(n, int) or isinstance(n, bool) or n < 1 for n in layers):
            raise ConfigError(f"layers must be positive integers (hidden sizes), got {self.layers!r}")
        if self.kind in ("neural", "neumf") and not layers:
            raise ConfigError(f"a {self.kind} model needs at least one hidden layer, e.g. layers=(100, 50)")
        if self.kind == "neumf" and layers[0] < 2:
            raise ConfigError(f"neumf's first layer must be >= 2 (its MLP embeddings are layers[0] // 2), got {layers[0]}")
        object.__setattr__(self, "layers", layers)
        if self.emb_sizes is not None:
            sizes = tuple(self.emb_sizes)
            if len(sizes) != 2 or any(not isinstance(n, int) or n < 1 for n in sizes):
                raise ConfigError(f"emb_sizes must be two positive integers (user, item), got {self.emb_sizes!r}")
            object.__setattr__(self, "emb_sizes", sizes)
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must lie in [0, 1), got {self.dropout!r}")
        if self.loss not in LOSSES:
            raise ConfigError(f"loss {self.loss!r} is unknown; expected one of {', '.join(LOSSES)}")
        if self.levels is not None:
            levels = tuple(float(v) for v in self.levels)
            if len(levels) < 2 or any(b <= a for a, b in zip(levels, levels[1:], strict=False)):
                raise ConfigError(f"levels must be at least two increasing rating values, got {self.levels!r}")
            object.__setattr__(self, "levels", levels)
        if not isinstance(self.members, int) or isinstance(self.members, bool) or self.members < 1:
            raise ConfigError(f"members must be a positive integer, got {self.members!r}")
        if self.members > 1 and (self.kind not in ("dot", "biased") or self.loss != "mse"):
            raise ConfigError(f"members={self.members} (a seed ensemble) is for dot and biased models with loss "
                              f"'mse', not kind {self.kind!r} with loss {self.loss!r}; pass members=1")

    @property
    def has_bias(self) -> bool:
        """Whether the model has user and item bias terms."""
        return self.kind == "biased"

    @property
    def n_outputs(self) -> int:
        """Outputs per (user, item): 1 for MSE, one logit per rating level for cross-entropy."""
        return len(self.levels) if self.loss == "cross_entropy" and self.levels else 1

    def to_json(self) -> dict[str, Any]:
        """The spec as a JSON-serialisable dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        """Rebuild a spec from :meth:`to_json` output (a spec saved before ``members`` existed has one member)."""
        return _from_json(cls, {"members": 1, **data})


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """How to train: epochs, batch size, optimizer and schedule, all seeded.

    The defaults are the toolkit's own recipe; :meth:`book` gives the fastai
    chapter-8 recipe (5 epochs, lr 5e-3, wd 0.1, bs 64).

    The optimizer is AdamW with decoupled weight decay, as fastai's ``Adam``:
    betas (beta1 from the schedule, ``beta2``), ``eps``; the one-cycle schedule
    is fastai's ``fit_one_cycle`` (``pct_start``, ``div``, ``div_final``,
    momentum ``moms``).
    """

    epochs: int = 6
    lr: float = 5e-3
    wd: float = 0.1
    bs: int = 128
    seed: int = 42
    schedule: str = "one_cycle"
    pct_start: float = 0.25
    div: float = 25.0
    div_final: float = 1e5
    moms: tuple[float, float, float] = (0.95, 0.85, 0.95)
    beta2: float = 0.99
    eps: float = 1e-5
    sampling: str = "permutation"
    optimizer: str = "adamw"
    distributed: str = "none"

    def __post_init__(self) -> None:
        def positive(name: str, value: float) -> None:
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ConfigError(f"{name} must be a positive number, got {value!r}")

        for name in ("epochs", "bs"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        positive("lr", self.lr)
        positive("div", self.div)
        positive("div_final", self.div_final)
        positive("eps", self.eps)
        if not (isinstance(self.wd, (int, float)) and self.wd >= 0):
            raise ConfigError(f"wd must be a non-negative number, got {self.wd!r}")
        if not 0 < self.pct_start < 1:
            raise ConfigError(f"pct_start must lie in (0, 1), got {self.pct_start!r}")
        if not 0 <= self.beta2 < 1 or len(self.moms) != 3 or not all(0 <= m < 1 for m in self.moms):
            raise ConfigError(f"beta2 and moms must lie in [0, 1), got beta2={self.beta2!r}, moms={self.moms!r}")
        object.__setattr__(self, "moms", tuple(float(m) for m in self.moms))
        for name, allowed in (("schedule", SCHEDULES), ("sampling", SAMPLINGS), ("optimizer", OPTIMIZERS),
                              ("distributed", DISTRIBUTED)):
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name} {getattr(self, name)!r} is unknown; expected one of {', '.join(allowed)}")

    @classmethod
    def book(cls, **changes: Any) -> TrainConfig:
        """The fastai book's chapter-8 recipe: ``fit_one_cycle(5, 5e-3, wd=0.1)`` at bs 64, fastai's Adam."""
        book = cls(epochs=5, lr=5e-3, wd=0.1, bs=64, schedule="one_cycle", pct_start=0.25, div=25.0, div_final=1e5,
                   moms=(0.95, 0.85, 0.95), beta2=0.99, eps=1e-5, sampling="permutation")
        return dataclasses.replace(book, **changes)

    def to_json(self) -> dict[str, Any]:
        """The config as a JSON-serialisable dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        """Rebuild a config from :meth:`to_json` output."""
        return _from_json(cls, data)
