"""WhatConverts' daily request allowance, counted per key and UTC day and kept on disk.

WhatConverts allows 1,000 requests a day for a profile key and 10,000 for a master (agency)
key, resetting at midnight UTC. The count survives restarts so two runs on one day share it;
two processes at once share it too: every change is a read-modify-write of the file under a
file lock (`filelock`), written through a unique temporary name. Keys are stored as a hash.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock

from ..atomic import write_json
from ..errors import StorageError, WcsfError

DAILY_LIMITS = {"profile": 1000, "master": 10000}


class QuotaExhausted(WcsfError):
    """The daily request budget cannot cover the work; nothing more is sent today."""


def key_label(token: str) -> str:
    """How a key is named in messages: its profile prefix and last four characters only."""
    prefix = token.split("-", 1)[0] if "-" in token else ""
    return f"{prefix}-…{token[-4:]}" if prefix else f"…{token[-4:]}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RequestBudget:
    """Requests used today by one key; `limit` per UTC day. `clock` gives the time (tests move the day)."""

    def __init__(
        self, token: str, limit: int, path: Path | None = None, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self.key = hashlib.sha256(token.encode()).hexdigest()[:16]
        self.label = key_label(token)
        self.limit = limit
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        self._file_lock = FileLock(str(path) + ".lock") if path else None
        self._day, self._used = self.today(), 0
        with self._locked():
            self._refresh(self._read())

    def today(self) -> str:
        """The current UTC day by this budget's clock."""
        return self.clock().astimezone(UTC).date().isoformat()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            if self._file_lock is None:
                yield
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
            with self._file_lock:
                yield

    def _read(self) -> dict[str, Any]:
        if not self.path or not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            raise StorageError(f"the WhatConverts budget file {self.path} cannot be read ({exc}); delete it") from None
        return data if isinstance(data, dict) else {}

    def _refresh(self, data: dict[str, Any]) -> None:
        entry = data.get(self.key, {})
        today = self.today()
        self._day = today
        self._used = max(int(entry.get("used", 0)), 0) if entry.get("day") == today else 0

    def _write(self, data: dict[str, Any]) -> None:
        if not self.path:
            return
        data[self.key] = {"day": self._day, "used": self._used}
        try:
            write_json(self.path, data)  # a unique temporary name beside it, then an atomic rename
        except OSError as exc:
            raise StorageError(f"the WhatConverts budget file {self.path} could not be written ({exc})") from None

    @property
    def used(self) -> int:
        """Requests counted today (as the file says now, other processes included)."""
        with self._locked():
            self._refresh(self._read())
            return self._used

    @property
    def remaining(self) -> int:
        """Requests left today."""
        return max(self.limit - self.used, 0)

    def spend(self) -> None:
        """Count one request (before it is sent); refuses once today's limit is reached."""
        with self._locked():
            data = self._read()
            self._refresh(data)
            if self._used >= self.limit:
                raise QuotaExhausted(
                    f"WhatConverts daily request budget for key {self.label} is used up ({self.limit} requests; "
                    "resets at 00:00 UTC)"
                )
            self._used += 1
            self._write(data)

    def exhaust(self) -> None:
        """The server said today's cap is reached: count the day as used up, whatever our count says."""
        with self._locked():
            data = self._read()
            self._refresh(data)
            self._used = max(self._used, self.limit)
            self._write(data)
