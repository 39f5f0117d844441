"""WhatConverts' daily request allowance, counted per key and UTC day and kept on disk.

WhatConverts allows 1,000 requests a day for a profile key and 10,000 for a master (agency)
key, resetting at midnight UTC. The count survives restarts so two runs on one day share it.
Keys are stored as a hash, never in clear.
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from ..atomic import write_json
from ..errors import WcsfError

DAILY_LIMITS = {"profile": 1000, "master": 10000}


class QuotaExhausted(WcsfError):
    """The daily request budget cannot cover the work; nothing more is sent today."""


def key_label(token: str) -> str:
    """How a key is named in messages: its profile prefix and last four characters only."""
    prefix = token.split("-", 1)[0] if "-" in token else ""
    return f"{prefix}-…{token[-4:]}" if prefix else f"…{token[-4:]}"


class RequestBudget:
    """Requests used today by one key; `limit` per UTC day."""

    def __init__(self, token: str, limit: int, path: Path | None = None) -> None:
        self.key = hashlib.sha256(token.encode()).hexdigest()[:16]
        self.label = key_label(token)
        self.limit = limit
        self.path = path
        self._lock = threading.Lock()
        self._day, self._used = self._load()

    @staticmethod
    def today() -> str:
        """The current UTC day."""
        return datetime.now(UTC).date().isoformat()

    def _load(self) -> tuple[str, int]:
        if self.path and self.path.exists():
            entry = json.loads(self.path.read_text()).get(self.key, {})
            if entry.get("day") == self.today():
                return entry["day"], int(entry.get("used", 0))
        return self.today(), 0

    def _save(self) -> None:
        if not self.path:
            return
        data = json.loads(self.path.read_text()) if self.path.exists() else {}
        data[self.key] = {"day": self._day, "used": self._used}
        write_json(self.path, data)

    @property
    def used(self) -> int:
        """Requests counted today."""
        self._roll()
        return self._used

    @property
    def remaining(self) -> int:
        """Requests left today."""
        return max(self.limit - self.used, 0)

    def _roll(self) -> None:
        if self._day != self.today():
            self._day, self._used = self.today(), 0

    def ensure(self, needed: int, what: str) -> None:
        """Refuse work that cannot finish within today's budget."""
        if needed > self.remaining:
            raise QuotaExhausted(
                f"WhatConverts daily request budget for key {self.label}: {what} needs {needed} requests but only "
                f"{self.remaining} of {self.limit} are left today (resets at 00:00 UTC); run again after midnight UTC"
            )

    def spend(self) -> None:
        """Count one request (before it is sent)."""
        with self._lock:
            self._roll()
            if self._used >= self.limit:
                raise QuotaExhausted(
                    f"WhatConverts daily request budget for key {self.label} is used up ({self.limit} requests; "
                    "resets at 00:00 UTC)"
                )
            self._used += 1
            self._save()
