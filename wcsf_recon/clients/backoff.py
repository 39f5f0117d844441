"""How long both clients wait before retrying: exponential backoff with jitter, one formula."""

from __future__ import annotations

import random

MAX_DELAY_S = 30.0


def backoff_delay(attempt: int, base_s: float, cap_s: float = MAX_DELAY_S) -> float:
    """Seconds before retry `attempt` (0-based): `base_s * 2**attempt`, capped, times a random 0.5-1.5
    so clients that failed together do not retry together."""
    return min(base_s * 2**attempt, cap_s) * (0.5 + random.random())
