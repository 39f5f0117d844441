"""WhatConverts REST client (httpx): paginated lead listing, get, edit — within the daily budget.

Follows ../shared/reference/whatconverts-api.md: Basic auth (token, secret); `GET /leads` with
`leads_per_page=2500` and `page_number` 1..`total_pages`, every filter re-sent on every page,
date ranges in windows well inside the documented 400 days (UTC); edits are `POST /leads/{id}`
form-encoded. Retries 429, 5xx, timeouts and connection errors with exponential backoff and
jitter, honouring a bounded `Retry-After`. Every call has connect/read timeouts and an overall
deadline. Credentials never appear in messages or logs.
"""

from __future__ import annotations

import json
import logging
import re
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from ..errors import WcsfError
from .backoff import backoff_delay
from .budget import QuotaExhausted, RequestBudget, key_label

log = logging.getLogger(__name__)
DEFAULT_BASE_URL = "https://app.whatconverts.com/api/v1"
MAX_PER_PAGE = 2500
# "Date range can include up to 400 days" (PipedreamHQ/pipedream components/whatconverts, start_date/end_date
# descriptions, mirroring https://www.whatconverts.com/api/leads/). Whether both ends count is not said, so
# windows keep a wide margin: 365 days never reaches 400 calendar dates however the days are counted.
MAX_WINDOW_DAYS = 365
RETRY_STATUSES = {429, 500, 502, 503, 504}
# a refusal that names a limit or a quota is the daily cap, however the server words it (issue 13 item 10)
CAP_WORDS = re.compile(r"\b(limit|limits|quota|quotas)\b", re.IGNORECASE)
LEAD_ID = re.compile(r"[0-9]{1,19}")


class WhatConvertsError(WcsfError):
    """An error the WhatConverts API answered with (its `error_message`), or no usable answer."""


class WhatConvertsAuthError(WhatConvertsError):
    """401: the token/secret pair was refused."""


class WrongBaseUrl(WhatConvertsError):
    """The server answered with an HTML page: the base URL does not point at the API."""


class WhatConvertsCertificateError(WhatConvertsError):
    """The server's TLS certificate could not be verified; never retried."""


class MalformedAnswer(WhatConvertsError):
    """An answer that is not the documented shape (truncated JSON, HTML sent as JSON, a lead without an id...)."""


class InvalidLeadId(WhatConvertsError):
    """A lead id that is not a WhatConverts lead id (a positive integer); nothing is sent."""


class _DeadlinePassed(Exception):
    pass


def lead_path(lead_id: int | str) -> str:
    """`/leads/{id}` for a valid lead id only, the id quoted as one path segment anyway.

    WhatConverts lead ids are integers; anything else (`1/../2`, `../../evil?x=`, `7?quotable=no#f`)
    would change which record or endpoint a request reaches, so it is refused before any request.
    """
    text = str(lead_id)
    if isinstance(lead_id, bool) or not LEAD_ID.fullmatch(text):
        raise InvalidLeadId(f"{text[:60]!r} is not a WhatConverts lead id (a whole number); nothing was sent")
    return f"/leads/{quote(text, safe='')}"


def windows(start: datetime, end: datetime, days: int = MAX_WINDOW_DAYS) -> list[tuple[datetime, datetime]]:
    """Split [start, end] into consecutive UTC windows of at most `days` days."""
    out = []
    cursor = start
    while cursor <= end:
        stop = min(cursor + timedelta(days=days) - timedelta(seconds=1), end)
        out.append((cursor, stop))
        cursor = stop + timedelta(seconds=1)
    return out


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _count(body: Mapping[str, Any], key: str, what: str) -> int | None:
    """An integer count field of a list answer (None when absent); anything else is a malformed answer."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        raise MalformedAnswer(f"WhatConverts answered {what} with {key}={str(value)[:40]!r}, not a whole number")
    return int(value)


def _lead_list(body: Mapping[str, Any], key: str, what: str) -> list[dict[str, Any]]:
    items = body.get(key)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise MalformedAnswer(f"WhatConverts answered {what} with '{key}' as {type(items).__name__}, not a list")
    return items


def _checked_leads(body: Mapping[str, Any], what: str) -> list[dict[str, Any]]:
    leads = _lead_list(body, "leads", what)
    for lead in leads:
        value = lead.get("lead_id")
        if isinstance(value, bool) or not LEAD_ID.fullmatch(str(value)) or value is None:
            raise MalformedAnswer(f"WhatConverts answered {what} with a lead whose lead_id is {value!r}")
        lead["lead_id"] = int(value)
    return leads


@dataclass
class Page:
    """One page of `GET /leads`: its leads and what the server says about the whole listing."""

    number: int
    leads: list[dict[str, Any]]
    total_pages: int | None
    total_leads: int | None
    per_page: int


def _cert_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class WhatConvertsClient:
    """A WhatConverts API key: profile (1,000 requests/day) or master (10,000/day)."""

    def __init__(
        self,
        token: str,
        secret: str,
        base_url: str = DEFAULT_BASE_URL,
        budget: RequestBudget | None = None,
        verify: bool | str = True,
        max_retries: int = 6,
        backoff_s: float = 0.5,
        timeout_s: float = 60.0,
        connect_timeout_s: float = 10.0,
        deadline_s: float = 300.0,
        max_retry_after_s: float = 120.0,
    ) -> None:
        self.label = key_label(token)
        self.base_url = base_url.rstrip("/")
        self.budget = budget or RequestBudget(token, 1000)
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.deadline_s = deadline_s
        self.max_retry_after_s = max_retry_after_s
        self.requests_sent = 0
        # a str is a CA file (the sandbox's certificate)
        trust = ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
        # httpx's read timeout applies to each read, so a body dripped byte by byte never trips it:
        # `deadline_s` bounds the whole call (all attempts, waits and reads) on top of it
        timeout = httpx.Timeout(timeout_s, connect=min(connect_timeout_s, timeout_s))
        self._http = httpx.Client(
            auth=(token, secret), verify=trust, timeout=timeout, headers={"Accept": "application/json"}
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> WhatConvertsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- transport ---------------------------------------------------------------------
    def request(
        self, method: str, path: str, params: Mapping[str, Any] | None = None, data: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """One API call with budget accounting, retries and an overall deadline; returns the JSON object."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        what = f"{method} {path}" + (f" page {params['page_number']}" if params and "page_number" in params else "")
        deadline = time.monotonic() + self.deadline_s
        for attempt in range(self.max_retries + 1):
            self.budget.spend()
            self.requests_sent += 1
            try:
                status, headers, raw = self._exchange(method, url, params, data, deadline)
            except _DeadlinePassed:
                raise WhatConvertsError(
                    f"WhatConverts did not finish answering {what} within {self.deadline_s:g} s; stopped"
                ) from None
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if _cert_failure(exc):
                    raise WhatConvertsCertificateError(
                        f"WhatConverts certificate failure on {what}: the server's TLS certificate could not be "
                        f"verified ({self.base_url}); check WC_BASE_URL and WC_CA_FILE. Not retried"
                    ) from None
                if attempt == self.max_retries:
                    raise WhatConvertsError(f"WhatConverts did not answer {what}: {type(exc).__name__}") from None
                self._wait(self._backoff(attempt), deadline, what)
                continue
            if status in RETRY_STATUSES:
                message = self._message(headers, raw)
                if status == 429 and CAP_WORDS.search(message):
                    self._cap_reached(message)
                if attempt == self.max_retries:
                    if status == 429:  # throttled through every backoff: the day's allowance is gone
                        self._cap_reached(f"still HTTP 429 after {attempt + 1} tries ({message or 'no message'})")
                    raise WhatConvertsError(f"WhatConverts kept failing {what}: HTTP {status} {message}")
                self._wait(self._retry_delay(attempt, headers.get("retry-after")), deadline, what)
                continue
            return self._body(status, headers, raw, what)
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        data: Mapping[str, Any] | None,
        deadline: float,
    ) -> tuple[int, httpx.Headers, bytes]:
        """Send and read the whole body, giving up once the overall deadline has passed."""
        if time.monotonic() > deadline:
            raise _DeadlinePassed
        with self._http.stream(method, url, params=params, data=data) as response:
            chunks = []
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _DeadlinePassed
            return response.status_code, response.headers, b"".join(chunks)

    def _cap_reached(self, message: str) -> None:
        # the key's allowance is shared with other tools (Zapier...): the server's word beats our own count
        self.budget.exhaust()
        raise QuotaExhausted(
            f"WhatConverts refused key {self.label}: {message} — treated as the daily cap "
            "(the daily limit resets at 00:00 UTC); nothing more is sent today"
        )

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, self.backoff_s)

    def _retry_delay(self, attempt: int, retry_after: str | None) -> float:
        """Retry-After (seconds or an HTTP date) when given; above the cap it means "stop for today"."""
        if not retry_after:
            return self._backoff(attempt)
        text = retry_after.strip()
        try:
            delay = float(text) if text.replace(".", "", 1).isdigit() else None
            if delay is None:
                delay = (parsedate_to_datetime(text) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError, OverflowError):
            return self._backoff(attempt)
        if delay > self.max_retry_after_s:
            self._cap_reached(f"asked to wait {delay:.0f} s (Retry-After), over the {self.max_retry_after_s:g} s cap")
        return max(delay, 0.0)

    def _wait(self, delay: float, deadline: float, what: str) -> None:
        if time.monotonic() + delay > deadline:
            raise WhatConvertsError(
                f"WhatConverts did not answer {what} within {self.deadline_s:g} s (retries included); stopped"
            )
        time.sleep(delay)

    @staticmethod
    def _message(headers: httpx.Headers, raw: bytes) -> str:
        text = raw.decode("utf-8", errors="replace")
        try:
            body = json.loads(text)
        except ValueError:
            return text[:80].strip()
        return str(body.get("error_message", "")).strip() if isinstance(body, dict) else text[:80].strip()

    def _body(self, status: int, headers: httpx.Headers, raw: bytes, what: str) -> dict[str, Any]:
        kind = headers.get("content-type", "")
        if "json" not in kind:
            if status == 404 or "html" in kind:
                raise WrongBaseUrl(
                    f"WhatConverts answered {what} with an HTML page (HTTP {status}): "
                    f"check the base URL {self.base_url} (expected like {DEFAULT_BASE_URL})"
                )
            raise WhatConvertsError(f"WhatConverts answered {what} with {kind or 'no content type'}")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedAnswer(
                f"WhatConverts answered {what} (HTTP {status}) with a body that is not UTF-8 (byte {exc.start})"
            ) from None
        try:
            body = json.loads(text)
        except json.JSONDecodeError as exc:
            start = text[:40].strip()
            raise MalformedAnswer(
                f"WhatConverts answered {what} (HTTP {status}) with unreadable JSON ({exc.msg} at character "
                f"{exc.pos} of {len(text)}; it starts {start!r})"
            ) from None
        except RecursionError:
            raise MalformedAnswer(f"WhatConverts answered {what} with JSON nested too deeply to read") from None
        if not isinstance(body, dict):
            raise MalformedAnswer(f"WhatConverts answered {what} with a JSON {type(body).__name__}, not an object")
        if status == 401:
            raise WhatConvertsAuthError(
                f"WhatConverts authentication failed for API key {self.label}: {body.get('error_message', '')} "
                "Check WC_API_TOKEN and WC_API_SECRET."
            )
        if status >= 400:
            raise WhatConvertsError(f"WhatConverts {what} failed: HTTP {status} {body.get('error_message', '')}")
        return body

    # ---- leads -------------------------------------------------------------------------
    def lead_page(
        self, start: datetime, end: datetime, page: int, per_page: int = MAX_PER_PAGE, **filters: Any
    ) -> Page:
        """Page `page` of the leads created in [start, end], oldest first, every filter re-sent."""
        params = {
            **filters,
            "start_date": _iso(start),
            "end_date": _iso(end),
            "leads_per_page": min(per_page, MAX_PER_PAGE),
            "order": "asc",
            "page_number": page,
        }
        what = f"GET /leads page {page} ({_iso(start)} to {_iso(end)})"
        body = self.request("GET", "/leads", params=params)
        served = _count(body, "leads_per_page", what)
        return Page(
            page,
            _checked_leads(body, what),
            _count(body, "total_pages", what),
            _count(body, "total_leads", what),
            served or min(per_page, MAX_PER_PAGE),
        )

    def iter_pages(
        self,
        start: datetime,
        end: datetime,
        per_page: int = MAX_PER_PAGE,
        first_page: int = 1,
        received: int = 0,
        progress: Callable[[str, int, int], None] | None = None,
        **filters: Any,
    ) -> Iterator[Page]:
        """Pages of one window from `first_page` until the listing is complete.

        Pagination is checked, not trusted: paging goes on while `total_leads` says more exist than
        arrived, or (without a `total_leads`) while full pages arrive; when the server runs out of
        pages before `total_leads` is reached, the window fails loudly instead of losing leads.
        `received` is how many leads earlier pages (a resumed window) already brought; `progress`
        is called with (what, page, pages known so far) after each page (the CLI draws a bar).
        """
        page = first_page
        while True:
            got = self.lead_page(start, end, page, per_page, **filters)
            received += len(got.leads)
            if progress is not None:
                progress(
                    f"WhatConverts pages {_iso(start)[:10]}..{_iso(end)[:10]}", page, max(got.total_pages or 0, page)
                )
            yield got
            if not got.leads:
                break
            more_by_count = got.total_leads is not None and received < got.total_leads
            more_by_pages = got.total_pages is not None and page < got.total_pages
            full_unknown = got.total_leads is None and len(got.leads) >= got.per_page
            if not (more_by_count or more_by_pages or full_unknown):
                break
            page += 1
        if got.total_leads is not None and received < got.total_leads:
            raise MalformedAnswer(
                f"WhatConverts said {got.total_leads} leads for {_iso(start)} to {_iso(end)} but its pages ended "
                f"at page {page} with {received}; nothing from this window is kept as complete"
            )

    def iter_window(
        self,
        start: datetime,
        end: datetime,
        per_page: int = MAX_PER_PAGE,
        progress: Callable[[str, int, int], None] | None = None,
        **filters: Any,
    ) -> Iterator[dict[str, Any]]:
        """Every lead created in [start, end] (one window), page by page."""
        for page in self.iter_pages(start, end, per_page, progress=progress, **filters):
            yield from page.leads

    def iter_leads(self, start: datetime, end: datetime, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every lead created in [start, end], window by window, de-duplicated by lead_id."""
        seen: set[int] = set()
        for lo, hi in windows(start, end):
            for lead in self.iter_window(lo, hi, **filters):
                if lead["lead_id"] not in seen:
                    seen.add(lead["lead_id"])
                    yield lead

    def profiles(self) -> list[tuple[int, int]]:
        """(account_id, profile_id) of every profile a master (agency) key reaches.

        The account object lists its profiles (`profiles[]`, https://whatconverts.com/api/accounts), so
        `/accounts/{id}/profiles` is asked only for an account whose object does not carry the list.
        """
        found = []
        for account in self._all("/accounts", "accounts"):
            account_id = account.get("account_id")
            if isinstance(account_id, bool) or not LEAD_ID.fullmatch(str(account_id)):
                raise MalformedAnswer(f"WhatConverts answered GET /accounts with account_id {account_id!r}")
            listed = account.get("profiles")
            profiles = (
                listed
                if isinstance(listed, list)
                else self._all(f"/accounts/{quote(str(account_id), safe='')}/profiles", "profiles")
            )
            for profile in profiles:
                profile_id = profile.get("profile_id") if isinstance(profile, dict) else None
                if isinstance(profile_id, bool) or not LEAD_ID.fullmatch(str(profile_id)):
                    raise MalformedAnswer(
                        f"WhatConverts listed a profile of account {account_id} with id {profile_id!r}"
                    )
                found.append((int(str(account_id)), int(str(profile_id))))
        return found

    def _all(self, path: str, key: str) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            body = self.request("GET", path, params={f"{key}_per_page": 250, "page_number": page})
            what = f"GET {path} page {page}"
            yield from _lead_list(body, key, what)
            if page >= (_count(body, "total_pages", what) or 0):
                return
            page += 1

    def get_lead(self, lead_id: int | str) -> dict[str, Any]:
        """One lead; accepts the wrapped (`{"leads": [x]}`) and the bare shape."""
        path = lead_path(lead_id)
        body = self.request("GET", path)
        if isinstance(body.get("leads"), list):
            leads = _checked_leads(body, f"GET {path}")
            if leads:
                return leads[0]
        return body

    def update_lead(self, lead_id: int | str, **fields: Any) -> dict[str, Any]:
        """Edit quotable/quote_value/sales_value/lead_url (values overwrite what is there)."""
        path = lead_path(lead_id)
        payload = {k: v for k, v in fields.items() if v is not None}
        if not payload:
            raise ValueError("update_lead needs at least one field")
        return self.request("POST", path, data=payload)
