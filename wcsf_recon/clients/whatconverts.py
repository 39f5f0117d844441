"""WhatConverts REST client (httpx): paginated lead listing, get, edit — within the daily budget.

Follows ../shared/reference/whatconverts-api.md: Basic auth (token, secret); `GET /leads` with
`leads_per_page=2500` and `page_number` 1..`total_pages`, every filter re-sent on every page,
date ranges in windows of at most 400 days (UTC); edits are `POST /leads/{id}` form-encoded.
Retries 429 (except a daily-cap answer), 5xx, timeouts and connection errors with exponential
backoff and jitter, honouring `Retry-After`. Credentials never appear in messages or logs.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ..errors import WcsfError
from .backoff import backoff_delay
from .budget import QuotaExhausted, RequestBudget, key_label

log = logging.getLogger(__name__)
DEFAULT_BASE_URL = "https://app.whatconverts.com/api/v1"
MAX_PER_PAGE = 2500
MAX_WINDOW_DAYS = 400
RETRY_STATUSES = {429, 500, 502, 503, 504}


class WhatConvertsError(WcsfError):
    """An error the WhatConverts API answered with (its `error_message`)."""


class WhatConvertsAuthError(WhatConvertsError):
    """401: the token/secret pair was refused."""


class WrongBaseUrl(WhatConvertsError):
    """The server answered with an HTML page: the base URL does not point at the API."""


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
    ) -> None:
        self.label = key_label(token)
        self.base_url = base_url.rstrip("/")
        self.budget = budget or RequestBudget(token, 1000)
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.requests_sent = 0
        # a str is a CA file (the sandbox's certificate)
        trust = ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
        self._http = httpx.Client(
            auth=(token, secret), verify=trust, timeout=timeout_s, headers={"Accept": "application/json"}
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
        """One API call with budget accounting and retries; returns the JSON body."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        for attempt in range(self.max_retries + 1):
            self.budget.spend()
            self.requests_sent += 1
            try:
                response = self._http.request(method, url, params=params, data=data)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if attempt == self.max_retries:
                    raise WhatConvertsError(
                        f"WhatConverts did not answer {method} {path}: {type(exc).__name__}"
                    ) from None
                self._sleep(attempt, None)
                continue
            if response.status_code in RETRY_STATUSES:
                message = self._message(response)
                if response.status_code == 429 and "limit" in message.lower() and "day" in message.lower():
                    raise QuotaExhausted(
                        f"WhatConverts refused key {self.label}: {message} (the daily limit resets at 00:00 UTC)"
                    )
                if attempt == self.max_retries:
                    raise WhatConvertsError(
                        f"WhatConverts kept failing {method} {path}: HTTP {response.status_code} {message}"
                    )
                self._sleep(attempt, response.headers.get("Retry-After"))
                continue
            return self._body(response, method, path)
        raise AssertionError("unreachable")  # pragma: no cover

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        time.sleep(
            float(retry_after) if retry_after and retry_after.isdigit() else backoff_delay(attempt, self.backoff_s)
        )

    @staticmethod
    def _message(response: httpx.Response) -> str:
        try:
            return str(response.json().get("error_message", "")).strip()
        except ValueError:
            return response.text[:80].strip()

    def _body(self, response: httpx.Response, method: str, path: str) -> dict[str, Any]:
        kind = response.headers.get("content-type", "")
        if "json" not in kind:
            if response.status_code == 404 or "html" in kind:
                raise WrongBaseUrl(
                    f"WhatConverts answered {method} {path} with an HTML page (HTTP {response.status_code}): "
                    f"check the base URL {self.base_url} (expected like {DEFAULT_BASE_URL})"
                )
            raise WhatConvertsError(f"WhatConverts answered {method} {path} with {kind or 'no content type'}")
        body = response.json()
        if response.status_code == 401:
            raise WhatConvertsAuthError(
                f"WhatConverts authentication failed for API key {self.label}: {body.get('error_message', '')} "
                "Check WC_API_TOKEN and WC_API_SECRET."
            )
        if response.status_code >= 400:
            raise WhatConvertsError(
                f"WhatConverts {method} {path} failed: HTTP {response.status_code} {body.get('error_message', '')}"
            )
        return body

    # ---- leads -------------------------------------------------------------------------
    def iter_window(
        self,
        start: datetime,
        end: datetime,
        per_page: int = MAX_PER_PAGE,
        progress: Callable[[str, int, int], None] | None = None,
        **filters: Any,
    ) -> Iterator[dict[str, Any]]:
        """Every lead created in [start, end] (at most 400 days), page by page, filters re-sent each time.

        After the first page the remaining pages are known: the budget must cover them all,
        so a window is never left half-fetched.
        """
        params = {
            **filters,
            "start_date": _iso(start),
            "end_date": _iso(end),
            "leads_per_page": min(per_page, MAX_PER_PAGE),
            "order": "asc",
        }
        page = 1
        while True:
            body = self.request("GET", "/leads", params={**params, "page_number": page})
            yield from body.get("leads") or []
            total = int(body.get("total_pages") or 0)
            if progress is not None:  # (what, done, total): the CLI draws a bar of pages
                progress(f"WhatConverts pages {_iso(start)[:10]}..{_iso(end)[:10]}", page, max(total, page))
            if page == 1 and total > 1:
                self.budget.ensure(total - 1, f"leads {_iso(start)} to {_iso(end)} ({total} pages)")
            if page >= total:
                return
            page += 1

    def iter_leads(self, start: datetime, end: datetime, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every lead created in [start, end], window by window, de-duplicated by lead_id."""
        seen: set[object] = set()
        for lo, hi in windows(start, end):
            for lead in self.iter_window(lo, hi, **filters):
                if lead.get("lead_id") not in seen:
                    seen.add(lead.get("lead_id"))
                    yield lead

    def profiles(self) -> list[tuple[int, int]]:
        """(account_id, profile_id) of every profile a master (agency) key reaches, paging both lists."""
        found = []
        for account in self._all("/accounts", "accounts"):
            for profile in self._all(f"/accounts/{account['account_id']}/profiles", "profiles"):
                found.append((int(account["account_id"]), int(profile["profile_id"])))
        return found

    def _all(self, path: str, key: str) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            body = self.request("GET", path, params={f"{key}_per_page": 250, "page_number": page})
            yield from body.get(key) or []
            if page >= int(body.get("total_pages") or 0):
                return
            page += 1

    def get_lead(self, lead_id: int | str) -> dict[str, Any]:
        """One lead; accepts the wrapped (`{"leads": [x]}`) and the bare shape."""
        body = self.request("GET", f"/leads/{lead_id}")
        return body["leads"][0] if isinstance(body.get("leads"), list) and body["leads"] else body

    def update_lead(self, lead_id: int | str, **fields: Any) -> dict[str, Any]:
        """Edit quotable/quote_value/sales_value/lead_url (values overwrite what is there)."""
        payload = {k: v for k, v in fields.items() if v is not None}
        if not payload:
            raise ValueError("update_lead needs at least one field")
        return self.request("POST", f"/leads/{lead_id}", data=payload)
