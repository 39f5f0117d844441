"""Faults the sandbox injects on request: rate limits, server errors, latency, session expiry, daily caps."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field


@dataclass
class Faults:
    """What goes wrong, and how often. All off by default; `seed` makes runs repeatable."""

    error_rate: float = 0.0  # share of requests answered with one of `error_statuses`
    error_statuses: tuple[int, ...] = (429, 503)
    latency_s: float = 0.0
    session_expires_after: int | None = None  # Salesforce calls before the session expires (once)
    wc_daily_cap: int | None = None  # WhatConverts requests per sandbox "day"
    wc_cap_message: str = "API request limit exceeded for today."  # how the cap is worded (servers differ)
    sf_daily_cap: int | None = None  # Salesforce API calls before every call is refused (TotalRequests)
    lock_rate: float = 0.0  # share of Salesforce record writes failing with UNABLE_TO_LOCK_ROW
    bulk_query_fails: bool = False  # Bulk 2.0 query jobs end Failed
    slow_rate: float = 0.0  # share of WhatConverts requests answered only after `slow_s` (client timeouts)
    slow_s: float = 1.0
    reset_rate: float = 0.0  # share of requests processed, then the connection dropped mid-answer
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def roll_slow(self) -> bool:
        """Should this request be answered late?"""
        with self._lock:
            return bool(self.slow_rate) and self._rng.random() < self.slow_rate

    def roll_reset(self) -> bool:
        """Should the answer to this (already processed) request be cut off?"""
        with self._lock:
            return bool(self.reset_rate) and self._rng.random() < self.reset_rate

    def roll_error(self) -> int | None:
        """A status to fail this request with, or None."""
        with self._lock:
            if self.error_rate and self._rng.random() < self.error_rate:
                return self._rng.choice(self.error_statuses)
        return None
