"""WhatConverts client unit tests (respx, no network) and hostile servers on 127.0.0.1: paging, windows,
retries, deadlines, the daily cap, malformed answers, the budget across processes, recorded answers."""

from __future__ import annotations

import itertools
import json
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx

from wcsf_recon.clients.budget import QuotaExhausted, RequestBudget
from wcsf_recon.clients.whatconverts import WhatConvertsAuthError, WhatConvertsClient, WhatConvertsError, windows

BASE = "https://wc.test/api/v1"
FIXTURES = Path(__file__).parent / "fixtures" / "whatconverts"


def _client(tmp_path: Path, limit: int = 1000, base: str = BASE, **options: float) -> WhatConvertsClient:
    return WhatConvertsClient(
        "51497-abcdef0123456789",
        "s3cret",
        base,
        RequestBudget("51497-abcdef0123456789", limit, tmp_path / "b.json"),
        backoff_s=0.001,
        **options,
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


def test_windows_stay_well_inside_400_calendar_dates() -> None:
    # "Date range can include up to 400 days": a window starting at noon must not touch a 401st date
    start = datetime(2022, 1, 1, 12, 0, tzinfo=UTC)
    parts = windows(start, datetime(2026, 11, 27, tzinfo=UTC))
    dates = [(hi.date() - lo.date()).days + 1 for lo, hi in parts]
    assert max(dates) <= 366 and parts[0][0] == start


@respx.mock
def test_full_window_is_fetched_page_by_page_without_refusing_it_upfront(tmp_path: Path) -> None:
    # a window with more pages than the day allows is no longer refused whole: every page that fits is
    # fetched (the extract saves each one), then the budget stops the next page before it is sent
    route = respx.get(f"{BASE}/leads").mock(
        side_effect=lambda r: httpx.Response(
            200,
            json={
                "total_pages": 5,
                "total_leads": 5,
                "leads_per_page": 1,
                "leads": [{"lead_id": int(r.url.params["page_number"])}],
            },
        )
    )
    client = _client(tmp_path, limit=3)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    got = []
    with pytest.raises(QuotaExhausted, match="is used up"):
        got.extend(lead["lead_id"] for lead in client.iter_window(start, start + timedelta(days=1), per_page=1))
    assert got == [1, 2, 3] and route.call_count == 3


HOSTILE_IDS = ["178800161/../178800422", "../../../evil?x=", "178800133?quotable=no#frag", " 1", "1.0", "-5", ""]


@respx.mock
@pytest.mark.parametrize("lead_id", HOSTILE_IDS)
def test_lead_ids_never_reach_another_path_or_query(tmp_path: Path, lead_id: str) -> None:
    anything = respx.route().mock(return_value=httpx.Response(200, json={"leads": [{"lead_id": 1}]}))
    client = _client(tmp_path)
    with pytest.raises(WhatConvertsError, match="is not a WhatConverts lead id"):
        client.update_lead(lead_id, quotable="yes")
    with pytest.raises(WhatConvertsError, match="is not a WhatConverts lead id"):
        client.get_lead(lead_id)
    assert anything.call_count == 0 and client.requests_sent == 0


@respx.mock
def test_a_valid_lead_id_goes_to_its_own_path(tmp_path: Path) -> None:
    route = respx.post(f"{BASE}/leads/178800161").mock(return_value=httpx.Response(200, json={"leads": []}))
    _client(tmp_path).update_lead(178800161, quotable="yes", sales_value=10.0)
    assert route.call_count == 1 and route.calls[0].request.url.query == b""
    assert route.calls[0].request.content == b"quotable=yes&sales_value=10.0"


@respx.mock
def test_retry_after_above_the_cap_means_stop_for_today(tmp_path: Path, monkeypatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("wcsf_recon.clients.whatconverts.time.sleep", slept.append)
    route = respx.get(f"{BASE}/leads/7").mock(
        return_value=httpx.Response(429, json={"error_message": "Slow down."}, headers={"Retry-After": "86400"})
    )
    client = _client(tmp_path)
    with pytest.raises(QuotaExhausted, match="asked to wait 86400 s"):
        client.get_lead(7)
    assert slept == [] and route.call_count == 1
    assert client.budget.remaining == 0  # believed over the local count: nothing more is sent today


@respx.mock
@pytest.mark.parametrize("message", ["API limit reached", "Daily quota exceeded", "Request limit exceeded."])
def test_any_429_naming_a_limit_is_the_daily_cap(tmp_path: Path, message: str) -> None:
    route = respx.get(f"{BASE}/leads/7").mock(return_value=httpx.Response(429, json={"error_message": message}))
    client = _client(tmp_path)
    with pytest.raises(QuotaExhausted, match=message):
        client.get_lead(7)
    assert route.call_count == 1 and client.budget.remaining == 0


@respx.mock
def test_a_429_that_outlasts_the_backoff_is_the_daily_cap(tmp_path: Path) -> None:
    route = respx.get(f"{BASE}/leads/7").mock(
        return_value=httpx.Response(429, json={"error_message": "Too many requests."})
    )
    client = _client(tmp_path, max_retries=3)
    with pytest.raises(QuotaExhausted, match="still HTTP 429 after 4 tries"):
        client.get_lead(7)
    assert route.call_count == 4


def _pages(pages: dict[int, list[int]], total_pages: int | None, total_leads: int | None, per_page: int):
    def answer(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params["page_number"])
        body = {"page_number": n, "leads_per_page": per_page, "leads": [{"lead_id": i} for i in pages.get(n, [])]}
        if total_pages is not None:
            body["total_pages"] = total_pages
        if total_leads is not None:
            body["total_leads"] = total_leads
        return httpx.Response(200, json=body)

    return answer


@respx.mock
def test_pagination_that_lies_about_pages_is_fetched_on(tmp_path: Path) -> None:
    pages = {1: list(range(1, 21)), 2: list(range(21, 41)), 3: list(range(41, 61))}
    route = respx.get(f"{BASE}/leads").mock(side_effect=_pages(pages, total_pages=1, total_leads=60, per_page=20))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    leads = list(_client(tmp_path).iter_window(start, start + timedelta(days=1)))
    assert [lead["lead_id"] for lead in leads] == list(range(1, 61)) and route.call_count == 3


@respx.mock
def test_full_pages_keep_paging_when_no_total_is_given(tmp_path: Path) -> None:
    pages = {1: [1, 2], 2: [3, 4], 3: [5]}
    respx.get(f"{BASE}/leads").mock(side_effect=_pages(pages, total_pages=1, total_leads=None, per_page=2))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert [x["lead_id"] for x in _client(tmp_path).iter_window(start, start + timedelta(days=1))] == [1, 2, 3, 4, 5]


@respx.mock
def test_pages_that_end_before_total_leads_fail_loudly(tmp_path: Path) -> None:
    respx.get(f"{BASE}/leads").mock(side_effect=_pages({1: [1, 2]}, total_pages=1, total_leads=60, per_page=2))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(WhatConvertsError, match=r"said 60 leads .* but its pages ended at page 2 with 2"):
        list(_client(tmp_path).iter_window(start, start + timedelta(days=1)))


MALFORMED = {
    "truncated JSON": (b'{"total_pages": 1, "leads": [{"lead_id": 1', "application/json", "unreadable JSON"),
    "HTML as JSON": (b"<!DOCTYPE html><html><body>Error</body></html>", "application/json", "unreadable JSON"),
    "lead_id null": (b'{"total_pages": 1, "leads": [{"lead_id": null}]}', "application/json", "lead_id is None"),
    "lead_id abc": (b'{"total_pages": 1, "leads": [{"lead_id": "abc"}]}', "application/json", "lead_id is 'abc'"),
    "leads object": (b'{"total_pages": 1, "leads": {"lead_id": 1}}', "application/json", "'leads' as dict"),
    "total_pages many": (b'{"total_pages": "many", "leads": []}', "application/json", "total_pages='many'"),
    "not UTF-8": (b'{"total_pages": 1, "leads": [{"lead_id": 1, "x": "\xff\xfe"}]}', "application/json", "not UTF-8"),
    "a list": (b"[1, 2]", "application/json", "JSON list, not an object"),
}


@respx.mock
@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_answers_are_one_clear_error_naming_the_request(tmp_path: Path, case: str) -> None:
    body, kind, expected = MALFORMED[case]
    respx.get(f"{BASE}/leads").mock(return_value=httpx.Response(200, content=body, headers={"content-type": kind}))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(WhatConvertsError) as info:
        list(_client(tmp_path).iter_window(start, start + timedelta(days=1)))
    assert "GET /leads page 1" in str(info.value) and expected in str(info.value)


# ---- hostile servers on 127.0.0.1 (plain sockets, bounded in time) -----------------------------------------


class _DripServer:
    """Accepts one connection at a time and answers headers, then one body byte every `every_s`."""

    def __init__(self, every_s: float, limit_s: float = 8.0) -> None:
        self.every_s = every_s
        self.limit_s = limit_s
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(limit_s)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/api/v1"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        ended = time.monotonic() + self.limit_s
        while not self.stop.is_set() and time.monotonic() < ended:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                body = b'{"leads": [{"lead_id": 1}], "total_pages": 1, "total_leads": 1}'
                head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                try:
                    conn.sendall(head.encode())
                    for byte in body:
                        if self.stop.wait(self.every_s) or time.monotonic() > ended:
                            return
                        conn.sendall(bytes([byte]))
                except OSError:
                    continue

    def __enter__(self) -> _DripServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(timeout=5)


def test_a_dripped_body_is_cut_off_by_the_overall_deadline(tmp_path: Path) -> None:
    # each byte arrives well within the read timeout, so only an overall deadline can end this request
    with _DripServer(every_s=0.2) as server:
        client = _client(tmp_path, base=server.url, timeout_s=2.0, deadline_s=1.0, max_retries=0)
        began = time.monotonic()
        with pytest.raises(WhatConvertsError, match=r"did not finish answering GET /leads/1 within 1 s"):
            client.get_lead(1)
        assert time.monotonic() - began < 3.0


def test_a_certificate_failure_is_not_retried_and_is_named(tmp_path: Path) -> None:
    from wcsf_recon.sandbox import Sandbox

    with Sandbox(_tiny_snapshot()) as box:
        c = box.credentials
        client = WhatConvertsClient(
            c.wc_token,
            c.wc_secret,
            box.whatconverts_url,
            RequestBudget(c.wc_token, 1000, tmp_path / "b.json"),
            backoff_s=0.001,
        )  # the system's trust store: the sandbox's self-signed certificate is refused
        with pytest.raises(WhatConvertsError, match="certificate failure on GET /leads/1") as info:
            client.get_lead(1)
        assert "Not retried" in str(info.value) and client.requests_sent == 1
        assert box.state.count("whatconverts") == 0


def _tiny_snapshot():
    from wcsf_recon.synth import generate_world

    return generate_world(5, seed=1).snapshot


# ---- the budget file shared by processes ----------------------------------------------------------------

_SPENDER = """
import sys
from pathlib import Path
from wcsf_recon.clients.budget import QuotaExhausted, RequestBudget
budget = RequestBudget("51497-abcdef0123456789", 100000, Path(sys.argv[1]))
for _ in range(int(sys.argv[2])):
    budget.spend()
"""


def test_two_processes_spending_one_budget_count_every_request(tmp_path: Path) -> None:
    path = tmp_path / "budget.json"
    procs = [
        subprocess.Popen([sys.executable, "-c", _SPENDER, str(path), "300"], stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    errors = [p.communicate(timeout=60)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert RequestBudget("51497-abcdef0123456789", 100000, path).used == 600
    assert [f.name for f in tmp_path.iterdir() if f.name.endswith(".tmp")] == []


# ---- recorded answers (tests/fixtures/whatconverts, sources in SOURCES.md) -----------------------------


def _fixture(name: str) -> httpx.Response:
    return httpx.Response(200, content=(FIXTURES / name).read_bytes(), headers={"content-type": "application/json"})


@respx.mock
def test_recorded_answers_parse(tmp_path: Path) -> None:
    respx.get(f"{BASE}/leads").mock(return_value=_fixture("leads_page.json"))
    respx.get(f"{BASE}/leads/4102").mock(return_value=_fixture("lead_single.json"))
    accounts = respx.get(f"{BASE}/accounts").mock(return_value=_fixture("accounts.json"))
    profiles = respx.get(url__regex=rf"{BASE}/accounts/\d+/profiles").mock(return_value=httpx.Response(500))
    client = _client(tmp_path)
    start = datetime(2016, 1, 1, tzinfo=UTC)
    leads = list(client.iter_window(start, start + timedelta(days=300)))
    assert [x["lead_id"] for x in leads] == [4101, 4102, 4103]
    assert leads[0]["additional_fields"]["Name:"] == "Opal Wren" and leads[1]["quote_value"] == 250
    one = client.get_lead(4102)  # wrapped in leads[]; its total_leads (17) describes no listing
    assert one["lead_id"] == 4102 and one["caller_number"] == "+15555550142" and one["additional_fields"] == []
    assert client.profiles() == [(31001, 52002), (31001, 52003), (31002, 52010)]
    assert accounts.call_count == 1 and profiles.call_count == 0  # the account object lists its profiles

    from wcsf_recon.tables.wc_records import leads_frame

    frame = leads_frame(leads)
    assert frame.loc[2, "lead_id"] == "4103" and frame["quote_value"].isna().tolist() == [True, False, True]
    assert frame.loc[1, "quote_value"] == "250" and frame.loc[0, "additional_fields.Email"] == "opal.wren@example.org"


@respx.mock
@pytest.mark.parametrize(
    ("name", "status", "error", "text"),
    [
        ("error_invalid_lead.json", 400, WhatConvertsError, "HTTP 400 Invalid lead ID."),
        ("error_auth_failed.json", 401, WhatConvertsAuthError, "Authentication failed."),
        ("error_agency_key.json", 401, WhatConvertsAuthError, "Agency Key is required"),
    ],
)
def test_recorded_errors_parse(tmp_path: Path, name: str, status: int, error: type, text: str) -> None:
    body = (FIXTURES / name).read_bytes()
    assert json.loads(body)["error_message"]
    respx.get(f"{BASE}/leads/9").mock(
        return_value=httpx.Response(status, content=body, headers={"content-type": "application/json"})
    )
    with pytest.raises(error, match=text):
        _client(tmp_path).get_lead(9)
