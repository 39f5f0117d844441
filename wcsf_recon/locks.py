"""One exclusive, non-blocking file lock (flock) for the run and push locks.

The kernel releases a flock when its process ends, even on kill -9, so a crash never leaves a
stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from .errors import WcsfError


@contextmanager
def exclusive_lock(path: Path, refused: Callable[[], Exception]) -> Iterator[TextIO]:
    """Hold an exclusive lock on `path` for the block; raise `refused()` at once if another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise refused() from None
    try:
        yield handle
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


class RunLocked(WcsfError):
    """Another run on the same state folder is in progress."""


@contextmanager
def run_lock(state_dir: Path) -> Iterator[None]:
    """An exclusive, non-blocking lock on `state_dir/run.lock` (released when the process ends, even on kill -9).

    Here, not in `runs`, so `push` takes it without importing what a run needs (the report's matplotlib).
    """
    path = state_dir / "run.lock"
    with exclusive_lock(path, lambda: RunLocked(f"another wcsf-recon run holds {path}; not starting")) as handle:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
