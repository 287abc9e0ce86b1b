"""The download cache: where datasets live, verified downloads, and safe zip extraction."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import platformdirs

from recsys_core.atomic import current_umask

from recsys_core.errors import ChecksumError, DataError, DatasetUnavailableError

_CHUNK = 1 << 20


def data_dir() -> Path:
    """The dataset cache folder: ``$RECSYS_DATA_DIR`` if set, else the user cache dir of "recsys"."""
    env = os.environ.get("RECSYS_DATA_DIR")
    return Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("recsys"))


def md5sum(path: Path) -> str:
    """Hex md5 of a file, read in chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: fastai/fastdownload record the md5 of a file's first MiB (``checks.txt``), not of the whole file.
HEAD_BYTES = 1 << 20


def download(
    url: str, dest: Path, *, md5: str | None, size: int | None, head_md5: str | None = None, progress: bool = True
) -> Path:
    """Stream ``url`` to ``dest`` through a temp file in dest's folder, verify size and checksum, then rename.

    The download passes when its size matches ``size`` (if given) and either
    its md5 matches ``md5`` (the publisher's, of the whole file) or the md5 of
    its first MiB matches ``head_md5`` (the form fastai's download checks
    record). A failed or mismatched download leaves nothing behind. Raises
    ChecksumError on a mismatch (with neither checksum given the caller must
    validate the contents) and DatasetUnavailableError when the url cannot be
    fetched.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                digest, head, got = _stream(url, out, size=size, progress=progress)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                reason = getattr(exc, "reason", None) or exc
                raise DatasetUnavailableError(f"could not download {url} ({reason})") from exc
        if size is not None and got != size:
            raise ChecksumError(f"download of {url} has {got:,} bytes, expected {size:,}; it was discarded")
        expected = {"md5": md5, "md5 of the first MiB": head_md5}
        got_sums = {"md5": digest, "md5 of the first MiB": head}
        checks = {kind: value.lower() for kind, value in expected.items() if value is not None}
        if checks and not any(got_sums[kind] == value for kind, value in checks.items()):
            found = ", ".join(f"{kind} {got_sums[kind]} (expected {value})" for kind, value in checks.items())
            raise ChecksumError(f"download of {url} does not match its published checksum: {found}; it was discarded")
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def _stream(url: str, out: BinaryIO, *, size: int | None, progress: bool) -> tuple[str, str, int]:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    digest = hashlib.md5(usedforsecurity=False)
    head = hashlib.md5(usedforsecurity=False)
    got = 0
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (https/http urls from the catalog)
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else size
        columns = (BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
        with Progress(*columns, console=Console(stderr=True), disable=not progress, transient=True) as bar:
            task = bar.add_task(Path(url).name, total=total)
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                digest.update(chunk)
                if got < HEAD_BYTES:
                    head.update(chunk[: HEAD_BYTES - got])
                got += len(chunk)
                bar.update(task, advance=len(chunk))
    return digest.hexdigest(), head.hexdigest(), got


def _check_member(info: zipfile.ZipInfo, zf: zipfile.ZipFile, zip_path: Path) -> None:
    name = info.filename
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in path.parts:
        raise DataError(
            f"{zip_path} has an unsafe member {name!r} (absolute or outside the archive folder); refusing to extract"
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        target = PurePosixPath(zf.read(info).decode("utf-8", "replace"))
        parts = [*path.parent.parts, *target.parts]
        depth = 0
        for part in parts:
            depth += -1 if part == ".." else (0 if part in (".", "") else 1)
            if depth < 0:
                break
        if target.is_absolute() or depth < 0:
            raise DataError(
                f"{zip_path} has a symlink member {name!r} pointing outside the folder; refusing to extract"
            )


def safe_extract(zip_path: Path, dest_dir: Path) -> Path:
    """Extract ``zip_path`` into ``dest_dir`` through a temp folder, refusing members that escape it.

    Each top-level entry is renamed into place, replacing an older copy, so
    ``dest_dir`` never holds a half-extracted folder. Returns ``dest_dir``.
    """
    zip_path, dest_dir = Path(zip_path), Path(dest_dir)
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"{zip_path} is not a readable zip archive ({exc})") from None
    with zf:
        infos = zf.infolist()
        for info in infos:
            _check_member(info, zf, zip_path)
        dest_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=dest_dir, prefix=".extract-"))
        try:
            zf.extractall(tmp, members=[i for i in infos if not stat.S_ISLNK(i.external_attr >> 16)])
            for entry in sorted(tmp.iterdir()):
                _replace(entry, dest_dir / entry.name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return dest_dir


def _replace(src: Path, target: Path) -> None:
    if target.is_dir() and not target.is_symlink():
        old = Path(tempfile.mkdtemp(dir=target.parent, prefix=".old-"))
        os.replace(target, old / target.name)
        os.replace(src, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(src, target)
