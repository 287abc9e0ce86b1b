"""Checkpoints: round trip, atomic writes, and clear errors for damaged files."""

import json

import numpy as np
import pytest

from recsys_core.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from recsys_core.data import Vocab
from recsys_core.errors import CheckpointError
from recsys_core.params import init_params
from recsys_core.spec import ModelSpec, TrainConfig


@pytest.fixture
def checkpoint():
    users, _ = Vocab.from_values(np.array([10, 20, 30]))
    items, _ = Vocab.from_values(np.array(["Alien (1979)", "Heat (1995)"]))
    spec = ModelSpec(kind="biased", n_factors=3)
    return Checkpoint(
        spec=spec, config=TrainConfig.book(), params=init_params(spec, len(users), len(items), seed=0),
        user_vocab=users, item_vocab=items, metrics={"rmse": 0.9}, info={"backend": "torch"},
    )


def test_round_trip(tmp_path, checkpoint):
    path = save_checkpoint(tmp_path / "m.safetensors", checkpoint)
    back = load_checkpoint(path)
    assert back.spec == checkpoint.spec and back.config == checkpoint.config
    assert back.metrics == {"rmse": 0.9} and back.info == {"backend": "torch"}
    assert list(back.item_vocab.names[1:]) == ["Alien (1979)", "Heat (1995)"]
    assert back.user_vocab.index(20) == 2
    for name, array in checkpoint.params.items():
        np.testing.assert_array_equal(back.params[name], array)


def test_truncated_file_is_a_clear_error(tmp_path, checkpoint):
    path = save_checkpoint(tmp_path / "m.safetensors", checkpoint)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    with pytest.raises(CheckpointError, match="truncated or corrupted"):
        load_checkpoint(path)


def test_flipped_byte_in_the_arrays_is_caught(tmp_path, checkpoint):
    path = save_checkpoint(tmp_path / "m.safetensors", checkpoint)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="do not match the digest"):
        load_checkpoint(path)


def test_garbage_and_foreign_files_are_rejected(tmp_path):
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x00\x01not a checkpoint")
    with pytest.raises(CheckpointError, match="truncated or corrupted"):
        load_checkpoint(garbage)
    from safetensors.numpy import save_file

    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": np.zeros(3, np.float32)}, str(foreign))
    with pytest.raises(CheckpointError, match="not a recsys checkpoint"):
        load_checkpoint(foreign)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.safetensors")


def test_newer_format_asks_for_an_upgrade(tmp_path, checkpoint):
    from safetensors import safe_open
    from safetensors.numpy import save_file

    path = save_checkpoint(tmp_path / "m.safetensors", checkpoint)
    with safe_open(str(path), framework="np") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    header = json.loads(meta["recsys"])
    header["format_version"] = 99
    save_file(tensors, str(path), metadata={**meta, "recsys": json.dumps(header)})
    with pytest.raises(CheckpointError, match="format version 99.*upgrade recsys-core"):
        load_checkpoint(path)


def test_failed_write_keeps_the_existing_file(tmp_path, checkpoint, monkeypatch):
    path = save_checkpoint(tmp_path / "m.safetensors", checkpoint)
    before = path.read_bytes()

    def disk_full(tensors, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(b"partial")
        raise OSError("No space left on device")

    monkeypatch.setattr("safetensors.numpy.save_file", disk_full)
    with pytest.raises(OSError, match="No space left"):
        save_checkpoint(path, checkpoint)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


def test_written_files_get_ordinary_permissions(tmp_path, checkpoint):
    import os
    import stat

    path = save_checkpoint(tmp_path / "m.safetensors", checkpoint)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
