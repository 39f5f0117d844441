"""Salesforce connection and extraction through simple-salesforce (REST query pages, Bulk API 2.0 chunks).

Login: the flows of `salesforce_login` (client credentials to the org's My Domain and JWT bearer
first; username-password and SOAP login() with a warning). Every request has a connect/read
timeout and an overall deadline (`salesforce_http`). Credentials come from the environment or a
`.env` file, never from the command line, and never reach logs or messages.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pyarrow as pa
import requests
import urllib3
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)
from simple_salesforce.login import SalesforceLogin

from ..errors import WcsfError
from ..logs import add_secrets
from .backoff import backoff_delay
from .budget import QuotaExhausted
from .salesforce_http import CONNECT_TIMEOUT_S, DEADLINE_S, READ_TIMEOUT_S, DeadlineSession
from .salesforce_login import (
    SalesforceAuthError,
    SalesforceCertificateError,
    login_flow,
    login_url_for,
    oauth_token,
    refused,
    warn_if_retiring,
)
from .salesforce_query import REST_PAGE_MAX, REST_PAGE_MIN, Cursor
from .salesforce_query import pages as query_pages

log = logging.getLogger(__name__)
API_VERSION = "59.0"


class SalesforceInDoubt(WcsfError):
    """A request that is not safe to repeat (a create) got no clear answer: Salesforce may have done the work."""


@dataclass
class SalesforceCredentials:
    """One way to log in; secrets are kept out of `repr`. `login_url` None = not set (see `salesforce_login`)."""

    login_url: str | None = None
    instance_url: str | None = None
    session_id: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security_token: str | None = field(default=None, repr=False)
    client_id: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    private_key_file: str | None = None
    verify: bool | str = True  # a CA file for the sandbox's certificate
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    read_timeout_s: float = READ_TIMEOUT_S
    deadline_s: float = DEADLINE_S  # one request, start to last byte

    def secrets(self) -> list[str]:
        """Values to redact wherever text leaves the process."""
        return [s for s in (self.session_id, self.password, self.security_token, self.client_secret) if s]

    def session(self) -> DeadlineSession:
        """The HTTP session for this org: certificate trust, timeouts and the per-request deadline."""
        return DeadlineSession(self.verify, self.connect_timeout_s, self.read_timeout_s, self.deadline_s)


def connect(creds: SalesforceCredentials) -> Salesforce:
    """A logged-in simple-salesforce client, by the flow the settings select (`salesforce_login.login_flow`)."""
    flow = login_flow(creds)
    session = creds.session()
    if flow == "session":
        return Salesforce(
            instance_url=creds.instance_url, session_id=creds.session_id, session=session, version=API_VERSION
        )
    url = login_url_for(creds, flow)
    warn_if_retiring(flow)
    if flow == "soap_password":  # the partner SOAP login, sent to `url`
        try:
            session_id, instance = SalesforceLogin(
                username=creds.username,
                password=creds.password,
                security_token=creds.security_token or "",
                scratch_url=url,
                session=session,
                sf_version=API_VERSION,
            )
        except SalesforceAuthenticationFailed as exc:
            raise refused(creds, flow, url, str(exc.code)) from None
        except requests.exceptions.SSLError as exc:
            raise _certificate(url, exc) from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise refused(creds, flow, url, f"no answer ({type(exc).__name__})") from None
        return Salesforce(instance=instance, session_id=session_id, session=session, version=API_VERSION)
    timeout = httpx.Timeout(creds.read_timeout_s, connect=creds.connect_timeout_s)
    token = oauth_token(creds, flow, url, timeout)
    return Salesforce(
        instance_url=token["instance_url"], session_id=token["access_token"], session=session, version=API_VERSION
    )


def _certificate(url: str, exc: Exception) -> SalesforceCertificateError:
    return SalesforceCertificateError(
        f"Salesforce at {url}: the server's TLS certificate could not be verified ({str(exc)[:200]}); not retried. "
        "Check the URL, or SF_CA_FILE for a private certificate"
    )


class SalesforceReader:
    """Reads objects page by page with retries, re-login on an expired session and REST/Bulk selection by size."""

    def __init__(
        self,
        creds: SalesforceCredentials,
        bulk_threshold: int = 10_000,
        max_retries: int = 6,
        backoff_s: float = 0.5,
        bulk_page: int = 50_000,
        rest_page: int = REST_PAGE_MAX,
    ) -> None:
        if not REST_PAGE_MIN <= rest_page <= REST_PAGE_MAX:  # Salesforce's batchSize bounds (SRC-REST-qopts)
            raise ValueError(f"rest_page must be {REST_PAGE_MIN}-{REST_PAGE_MAX}, not {rest_page}")
        self.creds = creds
        self.bulk_threshold = bulk_threshold
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.bulk_page = bulk_page  # records per Bulk 2.0 result chunk (maxRecords)
        self.rest_page = rest_page  # records per REST page (Sforce-Query-Options batchSize)
        self.sf = connect(creds)
        add_secrets([self.sf.session_id])  # the access token is a credential too: never in a log line
        self.logins = 1
        self._described: dict[str, dict[str, Any]] = {}

    def call(self, action: Callable[[Salesforce], Any], what: str, idempotent: bool = True) -> Any:
        """Run `action(sf)`, logging in again on an expired session, backing off on limits and 5xx.

        A request that is not `idempotent` (a create) is repeated only when Salesforce surely did
        not act on it (refused, or never connected); any other failure raises `SalesforceInDoubt`
        so the caller looks the records up first. A certificate failure is never retried.
        """
        for attempt in range(self.max_retries + 1):
            try:
                return action(self.sf)
            except SalesforceExpiredSession:
                log.info("salesforce session expired during %s; logging in again", what)
                self.sf = connect(self.creds)  # a fresh client: bulk handlers keep the old session otherwise
                add_secrets([self.sf.session_id])
                self.logins += 1
            except requests.exceptions.SSLError as exc:
                raise _certificate(self.sf.sf_instance, exc) from None
            except (
                SalesforceRefusedRequest,  # 403 REQUEST_LIMIT_EXCEEDED; the daily cap is singled out below
                SalesforceGeneralError,
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,  # the connection dropped mid-answer
            ) as exc:
                if isinstance(exc, SalesforceRefusedRequest) and "TotalRequests" in str(exc.content):
                    raise QuotaExhausted(  # the org's rolling 24-hour allowance: waiting won't help
                        f"Salesforce refused {what}: the org's daily API allowance is used up (REQUEST_LIMIT_EXCEEDED"
                        " TotalRequests); it is a rolling 24-hour limit, so run again later"
                    ) from None
                if not idempotent and not _surely_not_done(exc):
                    raise SalesforceInDoubt(
                        f"Salesforce gave no clear answer to {what} ({type(exc).__name__}); it may have done the work"
                    ) from None
                if attempt == self.max_retries:
                    raise WcsfError(f"Salesforce kept failing {what}: {type(exc).__name__}") from None
                time.sleep(backoff_delay(attempt, self.backoff_s))
        raise WcsfError(f"Salesforce kept expiring the session during {what}")

    @property
    def api_usage(self) -> str:
        """`used/limit` from the last Sforce-Limit-Info header, when Salesforce sent one."""
        usage = getattr(self.sf, "api_usage", {}).get("api-usage")
        return f"{usage.used}/{usage.total}" if usage else "unknown"

    def describe(self, sobject: str) -> dict[str, Any]:
        """describe() of an object, fetched once per reader (an org's fields do not change mid-run)."""
        if sobject not in self._described:
            self._described[sobject] = self.call(lambda sf: getattr(sf, sobject).describe(), f"describe {sobject}")
        return self._described[sobject]

    def fields(self, sobject: str) -> list[str]:
        """Field names of an object, from describe()."""
        return [f["name"] for f in self.describe(sobject)["fields"]]

    def field(self, sobject: str, name: str) -> dict[str, Any] | None:
        """The describe entry of one field, by a case-insensitive name (Salesforce API names are, issue 13 #14:
        `whatconverts_lead_id__c` in a config finds the org's `WhatConverts_Lead_ID__c`)."""
        wanted = name.lower()
        return next((f for f in self.describe(sobject)["fields"] if f["name"].lower() == wanted), None)

    def field_name(self, sobject: str, name: str) -> str | None:
        """The org's own spelling of a field name, or None when the object has no such field."""
        found = self.field(sobject, name)
        return found["name"] if found else None

    def count(self, sobject: str, where: str = "") -> int:
        """Rows a query would return (deleted ones included)."""
        soql = f"SELECT COUNT() FROM {sobject}{where}"
        return int(self.call(lambda sf: sf.query(soql, include_deleted=True), f"count {sobject}")["totalSize"])

    def start(self, sobject: str, fields: list[str], where: list[str] | None = None) -> Cursor:
        """A read of `fields` of every row matching `where` (deleted ones included, `IsDeleted` true), not yet
        begun: through Bulk API 2.0 above `bulk_threshold` rows, else REST. Pages come from `pages(cursor)`."""
        cursor = Cursor(sobject, list(fields), list(where or []))
        return replace(
            cursor, method="bulk2" if self.count(sobject, cursor.where_clause()) > self.bulk_threshold else "rest"
        )

    def pages(self, cursor: Cursor) -> Iterator[tuple[pa.Table, Cursor]]:
        """Each page of a read as (text table, the cursor after it); a saved cursor continues where it stopped."""
        return query_pages(self, cursor)


def _surely_not_done(exc: Exception) -> bool:
    """Did Salesforce certainly not act on the request (refused it, or it never reached the server)?"""
    if isinstance(exc, (SalesforceRefusedRequest, requests.ConnectTimeout)):
        return True
    cause = exc.args[0] if exc.args else None
    reason = getattr(cause, "reason", None)
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, ConnectionRefusedError))


__all__ = [
    "SalesforceAuthError",
    "SalesforceCertificateError",
    "SalesforceCredentials",
    "SalesforceInDoubt",
    "SalesforceMalformedRequest",
    "SalesforceReader",
    "connect",
]
