"""The WhatConverts API as the reference describes it: Basic auth, paginated /leads with filters, get, create, edit.

Strict where the documentation is: a date range may "include up to 400 days" (the start_date/end_date
descriptions of https://www.whatconverts.com/api/leads/, as PipedreamHQ/pipedream components/whatconverts
quotes them), counted here as calendar dates with both ends included, so 401 dates are refused; the
account object lists its profiles (`profiles[]`, https://whatconverts.com/api/accounts).
"""

from __future__ import annotations

import base64
import math
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .state import SandboxState

DISPLAY_TYPES = {
    "appointment": "Appointment",
    "chat": "Chat",
    "email": "Email",
    "event": "Event",
    "other": "Other",
    "phone_call": "Phone Call",
    "text_message": "Text Message",
    "transaction": "Transaction",
    "web_form": "Web Form",
}
QUOTABLE = {"yes": "Yes", "no": "No", "pending": "Pending", "not_set": "Not Set"}
MAX_PER_PAGE = 2500
MAX_RANGE_DATES = 400


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error_message": message}, status_code=status)


def _parse_date(text: str, end: bool) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if end and len(text) == 10:  # a bare end date covers the whole day
        value = value.replace(hour=23, minute=59, second=59)
    return value


@lru_cache(maxsize=1 << 20)
def _created(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _gate(state: SandboxState, request: Request) -> Response | None:
    """Auth, daily cap and injected faults; None when the request may proceed."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return _error(401, "Authentication not provided.")
    try:
        token, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return _error(401, "Authentication failed.")
    creds = state.credentials
    if (token, secret) != (creds.wc_token, creds.wc_secret):
        return _error(401, "Authentication failed.")
    with state.lock:
        cap = state.faults.wc_daily_cap
        if cap is not None and state.wc_requests_today >= cap:
            return _error(429, state.faults.wc_cap_message)
        state.wc_requests_today += 1
    status = state.faults.roll_error()
    if status == 429:
        return _error(429, "Too many requests.")
    if status is not None:
        return _error(status, "Service unavailable.")
    return None


def list_leads(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if (denied := _gate(state, request)) is not None:
        return denied
    q = request.query_params
    try:
        per_page = min(int(q.get("leads_per_page", 25)), MAX_PER_PAGE)
        page = max(int(q.get("page_number", 1)), 1)
        start = _parse_date(q["start_date"], end=False) if "start_date" in q else None
        end = _parse_date(q["end_date"], end=True) if "end_date" in q else None
    except ValueError:
        return _error(400, "Invalid parameter.")
    if start and end and (end.astimezone(UTC).date() - start.astimezone(UTC).date()).days + 1 > MAX_RANGE_DATES:
        return _error(400, "Date range cannot exceed 400 days.")
    with state.lock:
        state.wc_pages.append((q.get("start_date", ""), q.get("end_date", ""), page))
        leads = list(state.wc_leads.values())
    wanted_type = DISPLAY_TYPES.get(q.get("lead_type", ""))

    def keep(lead: dict[str, Any]) -> bool:
        created = _created(lead["date_created"])
        if (start and created < start) or (end and created > end):
            return False
        if wanted_type and lead.get("lead_type") != wanted_type:
            return False
        if q.get("spam") == "true" and not lead.get("spam"):
            return False
        if q.get("duplicate") == "true" and not lead.get("duplicate"):
            return False
        if "profile_id" in q and state.credentials.wc_master and str(lead.get("profile_id")) != q["profile_id"]:
            return False
        for key in ("phone_number", "email_address", "user_id"):
            if key in q and lead.get(key) != q[key]:
                return False
        return not ("lead_status" in q and lead.get("lead_status", "").lower() != q["lead_status"].lower())

    chosen = sorted(
        (lead for lead in leads if keep(lead)),
        key=lambda x: (x["date_created"], x["lead_id"]),
        reverse=q.get("order", "desc") != "asc",
    )
    total_pages = math.ceil(len(chosen) / per_page) if chosen else 0
    page_rows = chosen[(page - 1) * per_page : page * per_page]
    return JSONResponse(
        {
            "page_number": page,
            "leads_per_page": per_page,
            "total_pages": total_pages,
            "total_leads": len(chosen),
            "leads": page_rows,
        }
    )


async def one_lead(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if (denied := _gate(state, request)) is not None:
        return denied
    try:
        lead_id = int(request.path_params["lead_id"])
    except ValueError:
        return _error(400, "Invalid lead ID.")
    with state.lock:
        lead = state.wc_leads.get(lead_id)
    if lead is None:
        return _error(400, "Invalid lead ID.")
    if request.method == "GET":
        return JSONResponse({"leads": [lead]})
    form = await request.form()
    changes: dict[str, Any] = {}
    if "quotable" in form:
        if form["quotable"] not in QUOTABLE:
            return _error(400, "Invalid quotable value.")
        changes["quotable"] = QUOTABLE[str(form["quotable"])]
    for key in ("quote_value", "sales_value"):
        if key in form:
            try:
                changes[key] = float(str(form[key]))
            except ValueError:
                return _error(400, f"Invalid {key}.")
    if "lead_url" in form:
        changes["lead_url"] = str(form["lead_url"])
    if not changes:
        return _error(400, "No editable fields were provided.")
    with state.lock:
        lead.update(changes)
        lead["last_updated"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return JSONResponse({"leads": [lead]})


async def create_lead(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if (denied := _gate(state, request)) is not None:
        return denied
    form = await request.form()
    if form.get("lead_type") not in DISPLAY_TYPES:
        return _error(400, "Invalid lead type.")
    with state.lock:
        lead_id = state.next_lead_id
        state.next_lead_id += 1
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        lead = {
            "lead_id": lead_id,
            "lead_type": DISPLAY_TYPES[str(form["lead_type"])],
            "date_created": now,
            "last_updated": now,
            "spam": False,
            "duplicate": False,
            "quotable": "Not Set",
            "quote_value": None,
            "sales_value": None,
            "additional_fields": [],
        }
        for key, value in form.items():
            if key not in ("lead_type", "send_notification", "profile_id"):
                lead[key] = str(value)
        state.wc_leads[lead_id] = lead
    return JSONResponse({"lead_id": lead_id})


def _master_gate(state: SandboxState, request: Request) -> Response | None:
    """`_gate`, and account listings answer a master (agency) key only."""
    if (denied := _gate(state, request)) is not None:
        return denied
    if not state.credentials.wc_master:
        return _error(401, "Agency Key is required to access this resource.")
    return None


def list_accounts(request: Request) -> Response:
    """Accounts of the master key (each lead carries account_id/account)."""
    state: SandboxState = request.app.state.sandbox
    if (denied := _master_gate(state, request)) is not None:
        return denied
    with state.lock:
        accounts = {lead.get("account_id"): lead.get("account") for lead in state.wc_leads.values()}
    rows = [
        {"account_id": k, "account_name": v, "date_created": "2024-01-01T00:00:00Z", "profiles": _profiles(state, k)}
        for k, v in sorted(accounts.items())
    ]
    return JSONResponse(
        {"page_number": 1, "accounts_per_page": 250, "total_pages": 1, "total_accounts": len(rows), "accounts": rows}
    )


def _profiles(state: SandboxState, account: object) -> list[dict[str, Any]]:
    with state.lock:
        profiles = {
            lead.get("profile_id"): lead.get("profile")
            for lead in state.wc_leads.values()
            if lead.get("account_id") == account
        }
    return [
        {"profile_id": k, "profile_name": v, "date_created": "2024-01-01T00:00:00Z"}
        for k, v in sorted(profiles.items())
    ]


def list_profiles(request: Request) -> Response:
    """Profiles of one account."""
    state: SandboxState = request.app.state.sandbox
    if (denied := _master_gate(state, request)) is not None:
        return denied
    try:
        account = int(request.path_params["account_id"])
    except ValueError:
        return _error(400, "Invalid account ID.")
    rows = _profiles(state, account)
    return JSONResponse(
        {"page_number": 1, "profiles_per_page": 250, "total_pages": 1, "total_profiles": len(rows), "profiles": rows}
    )


def not_found(request: Request) -> Response:
    """Unknown paths get the web app's HTML 404 page, not JSON (as the real service does)."""
    return HTMLResponse(
        "<!DOCTYPE html><html><head><title>Page Not Found</title></head>"
        "<body><h1>404</h1><p>Sorry, this page does not exist.</p></body></html>",
        status_code=404,
    )


ROUTES = [
    Route("/api/v1/accounts", list_accounts, methods=["GET"]),
    Route("/api/v1/accounts/{account_id}/profiles", list_profiles, methods=["GET"]),
    Route("/api/v1/leads", list_leads, methods=["GET"]),
    Route("/api/v1/leads", create_lead, methods=["POST"]),
    Route("/api/v1/leads/{lead_id}", one_lead, methods=["GET", "POST"]),
]
