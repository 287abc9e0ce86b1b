"""The download cache: verified downloads from a local HTTP server, safe extraction."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import http.server
import socket
import threading
import zipfile
from pathlib import Path

import pytest

from recsys_core.data import MOVIELENS, data_dir, load_movielens, safe_extract
from recsys_core.data.cache import download
from recsys_core.errors import ChecksumError, DataError, DatasetUnavailableError

_MEMBERS = ("u.data", "u.item", "u.genre")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the stdlib's name)
        pass


@pytest.fixture
def ml100k_server(ml100k_dir, tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    archive = root / "ml-100k.zip"
    with zipfile.ZipFile(ml100k_dir / "ml-100k.zip") as src, zipfile.ZipFile(archive, "w") as dst:
        for name in _MEMBERS:
            dst.writestr(f"ml-100k/{name}", src.read(f"ml-100k/{name}"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    payload = archive.read_bytes()
    yield f"http://127.0.0.1:{server.server_address[1]}/ml-100k.zip", hashlib.md5(payload).hexdigest(), len(payload)
    server.shutdown()
    server.server_close()


def test_data_dir_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RECSYS_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.delenv("RECSYS_DATA_DIR")
    assert data_dir().name == "recsys"


@pytest.mark.movielens
def test_download_extracts_and_loads(ml100k_server, tmp_path):
    url, md5, size = ml100k_server
    source = dataclasses.replace(MOVIELENS["ml-100k"], url=url, md5=md5, size=size)
    cache = tmp_path / "cache"
    ratings = load_movielens("ml-100k", data_dir=cache, source=source, progress=True)
    assert len(ratings) == 100_000
    assert (cache / "ml-100k.zip").is_file() and (cache / "ml-100k" / "u.data").is_file()
    assert sorted(p.name for p in cache.iterdir()) == ["ml-100k", "ml-100k.zip"]  # no temp files left


@pytest.mark.movielens
def test_wrong_md5_leaves_nothing_behind(ml100k_server, tmp_path):
    url, _, size = ml100k_server
    source = dataclasses.replace(MOVIELENS["ml-100k"], url=url, md5="0" * 32, size=size)
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError, match=f"{url} does not match its published checksum: md5 [0-9a-f]{{32}} \\(expected 0{{32}}\\)"):
        load_movielens("ml-100k", data_dir=cache, source=source, progress=False)
    assert list(cache.iterdir()) == []


@pytest.mark.movielens
def test_fastai_style_first_mib_checksum_verifies_a_download(ml100k_server, tmp_path):
    url, _, size = ml100k_server
    served = tmp_path / "www" / "ml-100k.zip"
    head = hashlib.md5(served.read_bytes()[: 1 << 20]).hexdigest()
    download(url, tmp_path / "ok.zip", md5="0" * 32, size=size, head_md5=head, progress=False)
    assert (tmp_path / "ok.zip").read_bytes() == served.read_bytes()
    with pytest.raises(ChecksumError, match="md5 of the first MiB"):
        download(url, tmp_path / "bad.zip", md5=None, size=size, head_md5="1" * 32, progress=False)
    assert not (tmp_path / "bad.zip").exists()


@pytest.mark.movielens
def test_wrong_size_leaves_nothing_behind(ml100k_server, tmp_path):
    url, md5, size = ml100k_server
    with pytest.raises(ChecksumError, match="bytes, expected"):
        download(url, tmp_path / "dl" / "x.zip", md5=md5, size=size + 1, progress=False)
    assert list((tmp_path / "dl").iterdir()) == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_server_down_says_where_to_put_the_file(tmp_path):
    source = dataclasses.replace(MOVIELENS["ml-100k"], url=f"http://127.0.0.1:{_closed_port()}/ml-100k.zip")
    with pytest.raises(DatasetUnavailableError, match=rf"could not be downloaded \(.*\); put ml-100k.zip in {tmp_path}"):
        load_movielens("ml-100k", data_dir=tmp_path, source=source, progress=False)
    assert list(tmp_path.iterdir()) == []


def _zip_with(path: Path, name: str, *, symlink_to: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("ok/file.txt", "fine")
        info = zipfile.ZipInfo(name)
        if symlink_to is not None:
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, symlink_to)
        else:
            zf.writestr(info, "evil")
    return path


@pytest.mark.parametrize(
    ("member", "target"),
    [("../evil", None), ("ok/../../evil", None), ("/etc/evil", None), ("ok/link", "../../outside")],
)
def test_safe_extract_refuses_escaping_members(tmp_path, member, target):
    archive = _zip_with(tmp_path / "bad.zip", member, symlink_to=target)
    dest = tmp_path / "dest"
    with pytest.raises(DataError, match=repr(member).replace(".", r"\.")):
        safe_extract(archive, dest)
    assert not (tmp_path / "evil").exists()
    assert not dest.exists() or list(dest.iterdir()) == []


def test_safe_extract_extracts(tmp_path):
    archive = _zip_with(tmp_path / "good.zip", "ok/other.txt")
    dest = safe_extract(archive, tmp_path / "dest")
    assert sorted(p.name for p in (dest / "ok").iterdir()) == ["file.txt", "other.txt"]
    assert [p.name for p in dest.iterdir()] == ["ok"]
    safe_extract(archive, dest)  # again: replaces the folder in place
    assert (dest / "ok" / "file.txt").read_text() == "fine"
