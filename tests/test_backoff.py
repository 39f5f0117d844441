"""One backoff formula for both clients: doubling from the base, capped, jittered."""

from __future__ import annotations

from wcsf_recon.clients.backoff import MAX_DELAY_S, backoff_delay


def test_backoff_doubles_from_the_base_with_jitter_and_a_cap() -> None:
    for attempt, base in ((0, 0.5), (3, 0.5), (10, 0.5)):
        expected = min(base * 2**attempt, MAX_DELAY_S)
        delays = [backoff_delay(attempt, base) for _ in range(200)]
        assert all(0.5 * expected <= d <= 1.5 * expected for d in delays)
        assert max(delays) - min(delays) > 0.5 * expected  # jittered, not a fixed wait
