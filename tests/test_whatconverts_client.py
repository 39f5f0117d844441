"""WhatConverts client unit tests (respx, no network): paging, windows, retries, budget."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx

from wcsf_recon.clients.budget import QuotaExhausted, RequestBudget
from wcsf_recon.clients.whatconverts import WhatConvertsClient, WhatConvertsError, windows

BASE = "https://wc.test/api/v1"


def _client(tmp_path: Path, limit: int = 1000) -> WhatConvertsClient:
    return WhatConvertsClient(
        "51497-abcdef0123456789",
        "s3cret",
        BASE,
        RequestBudget("51497-abcdef0123456789", limit, tmp_path / "b.json"),
        backoff_s=0.001,
    )


def test_windows_never_exceed_400_days() -> None:
    start = datetime(2022, 1, 1, tzinfo=UTC)
    end = datetime(2026, 11, 27, tzinfo=UTC)
    parts = windows(start, end)
    assert parts[0][0] == start and parts[-1][1] == end
    assert all((hi - lo) < timedelta(days=400) for lo, hi in parts)
    assert all(b[0] - a[1] == timedelta(seconds=1) for a, b in itertools.pairwise(parts))


@respx.mock
def test_pages_resend_every_filter_and_dedupe(tmp_path: Path) -> None:
    def page(request: httpx.Request) -> httpx.Response:
        q = request.url.params
        assert q["lead_type"] == "phone_call" and q["leads_per_page"] == "2500" and "start_date" in q
        n = int(q["page_number"])
        return httpx.Response(200, json={"page_number": n, "total_pages": 3, "leads": [{"lead_id": n}, {"lead_id": 1}]})

    route = respx.get(f"{BASE}/leads").mock(side_effect=page)
    client = _client(tmp_path)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    leads = list(client.iter_leads(start, start + timedelta(days=10), lead_type="phone_call"))
    assert [lead["lead_id"] for lead in leads] == [1, 2, 3]
    assert route.call_count == 3 and client.budget.used == 3


@respx.mock
def test_retries_honour_retry_after_and_give_up_with_a_message(tmp_path: Path, monkeypatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("wcsf_recon.clients.whatconverts.time.sleep", slept.append)
    respx.get(f"{BASE}/leads/7").mock(
        side_effect=[
            httpx.Response(429, json={"error_message": "Too many requests."}, headers={"Retry-After": "3"}),
            httpx.Response(503, text="busy"),
            httpx.ConnectError("reset"),
            httpx.Response(200, json={"leads": [{"lead_id": 7}]}),
        ]
    )
    client = _client(tmp_path)
    assert client.get_lead(7) == {"lead_id": 7}
    assert slept[0] == 3.0 and len(slept) == 3 and client.requests_sent == 4
    respx.get(f"{BASE}/leads/8").mock(return_value=httpx.Response(500, json={"error_message": "boom"}))
    with pytest.raises(WhatConvertsError, match="kept failing GET /leads/8: HTTP 500 boom"):
        client.get_lead(8)


def test_budget_is_persisted_per_key_and_day(tmp_path: Path) -> None:
    budget = RequestBudget("51497-abcdef0123456789", 2, tmp_path / "b.json")
    budget.spend()
    again = RequestBudget("51497-abcdef0123456789", 2, tmp_path / "b.json")
    assert again.used == 1 and again.remaining == 1
    again.spend()
    with pytest.raises(QuotaExhausted, match=r"key 51497-…6789 is used up"):
        again.spend()
    assert "abcdef0123456789" not in (tmp_path / "b.json").read_text()  # only a hash of the key is stored
    other = RequestBudget("99999-0000000000000000", 2, tmp_path / "b.json")
    assert other.used == 0


@respx.mock
def test_refuses_a_window_it_cannot_finish(tmp_path: Path) -> None:
    respx.get(f"{BASE}/leads").mock(
        return_value=httpx.Response(200, json={"total_pages": 5, "leads": [{"lead_id": 1}]})
    )
    client = _client(tmp_path, limit=3)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(QuotaExhausted, match="needs 4 requests but only 2 of 3 are left today"):
        list(client.iter_window(start, start + timedelta(days=1)))
