"""Atomic file writes: every file the toolkit writes appears whole or not at all.

Each write goes to a temporary file in the destination's folder (same filesystem, so the rename
is atomic), is flushed to disk with fsync, then renamed over the destination; the folder is
fsynced so the rename survives a power cut. A crash or an error mid-write leaves the old file
as it was (and no temporary file behind, unless the process was killed outright: those are
named `.<name>.*.tmp`).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_UMASK = os.umask(0)
os.umask(_UMASK)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms that cannot open a folder
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | Path, suffix: str = "", mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside `path` to write to; on leaving the block it replaces `path` atomically.

    `suffix` ends the temporary name, for writers that choose a format by extension (".xlsx").
    `mode` sets the permissions (0o600 for files holding secrets); by default the umask's usual ones.
    If the block raises, the temporary file is removed and `path` is untouched.
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=f".tmp{suffix}", dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK if mode is None else mode)  # mkstemp makes 0600
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(dest.parent)


def write_bytes(path: str | Path, data: bytes, mode: int | None = None) -> Path:
    """Write `data` to `path` atomically."""
    with atomic_path(path, mode=mode) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | Path, text: str, encoding: str = "utf-8", mode: int | None = None) -> Path:
    """Write `text` to `path` atomically."""
    return write_bytes(path, text.encode(encoding), mode)


def write_json(path: str | Path, data: Any, indent: int | None = None) -> Path:
    """Write `data` as JSON to `path` atomically (values JSON cannot hold are written with `str`)."""
    return write_text(path, json.dumps(data, indent=indent, default=str))
