"""Checkpoints: one safetensors file holding canonical params and a JSON header.

The header (safetensors metadata key ``"recsys"``) records the format version,
the model spec, the train config, both vocabularies, metrics and the library
version, plus a SHA-256 digest of the arrays so silent corruption is caught.
Loading never executes code; writes are atomic (temp file + rename).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from recsys_core._version import __version__
from recsys_core.atomic import atomic_path
from recsys_core.data.vocab import Vocab
from recsys_core.errors import CheckpointError, ConfigError
from recsys_core.params import Params, check_params
from recsys_core.spec import ModelSpec, TrainConfig

FORMAT = "recsys-checkpoint"
FORMAT_VERSION = 1
_KEY = "recsys"


@dataclass(frozen=True, kw_only=True, eq=False)
class Checkpoint:
    """Everything a checkpoint holds: canonical params and the context that produced them."""

    spec: ModelSpec
    params: Params
    user_vocab: Vocab
    item_vocab: Vocab
    config: TrainConfig | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    library_version: str = __version__


def _digest(params: Params) -> str:
    h = hashlib.sha256()
    for name in sorted(params):
        h.update(name.encode())
        h.update(np.ascontiguousarray(params[name]).tobytes())
    return h.hexdigest()


def save_checkpoint(path: str | os.PathLike[str], checkpoint: Checkpoint) -> Path:
    """Write ``checkpoint`` to ``path`` atomically; an existing file is replaced only on success."""
    from safetensors.numpy import save_file

    path = Path(path)
    check_params(checkpoint.spec, checkpoint.params, len(checkpoint.user_vocab), len(checkpoint.item_vocab))
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "library_version": checkpoint.library_version,
        "spec": checkpoint.spec.to_json(),
        "config": checkpoint.config.to_json() if checkpoint.config else None,
        "user_vocab": checkpoint.user_vocab.to_json(),
        "item_vocab": checkpoint.item_vocab.to_json(),
        "metrics": checkpoint.metrics,
        "info": checkpoint.info,
        "sha256": _digest(checkpoint.params),
    }
    tensors = {name: np.ascontiguousarray(array) for name, array in checkpoint.params.items()}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata={"format": FORMAT, _KEY: json.dumps(header)})
    return path


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint`; CheckpointError if it is not one."""
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        with safe_open(str(path), framework="np") as f:
            metadata = f.metadata() or {}
            params = {name: f.get_tensor(name) for name in f.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {path} is truncated or corrupted: {exc}") from None
    if metadata.get("format") != FORMAT or _KEY not in metadata:
        raise CheckpointError(f"{path} is a safetensors file but not a recsys checkpoint (no recsys header)")
    try:
        header = json.loads(metadata[_KEY])
        version = header["format_version"]
        if version > FORMAT_VERSION:
            raise CheckpointError(
                f"checkpoint {path} has format version {version}; this recsys {__version__} reads up to "
                f"{FORMAT_VERSION}: upgrade recsys-core"
            )
        spec = ModelSpec.from_json(header["spec"])
        config = TrainConfig.from_json(header["config"]) if header.get("config") else None
        user_vocab = Vocab.from_json(header["user_vocab"])
        item_vocab = Vocab.from_json(header["item_vocab"])
    except (KeyError, TypeError, json.JSONDecodeError, ConfigError) as exc:
        raise CheckpointError(f"checkpoint {path} has a damaged header: {exc}") from None
    if _digest(params) != header.get("sha256"):
        raise CheckpointError(f"checkpoint {path} is corrupted: its arrays do not match the digest in its header")
    try:
        check_params(spec, params, len(user_vocab), len(item_vocab))
    except ConfigError as exc:
        raise CheckpointError(f"checkpoint {path} is inconsistent: {exc}") from None
    return Checkpoint(
        spec=spec, params=params, user_vocab=user_vocab, item_vocab=item_vocab, config=config,
        metrics=header.get("metrics") or {}, info=header.get("info") or {},
        library_version=header.get("library_version", "unknown"),
    )
