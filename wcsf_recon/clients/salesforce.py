"""Salesforce connection and extraction through simple-salesforce (REST query_all_iter, Bulk API 2.0).

Login: an existing session (session id + instance URL), OAuth 2.0 username-password or
client-credentials against `login_url` (https://login.salesforce.com, https://test.salesforce.com
for sandboxes), or JWT bearer through simple-salesforce. Credentials come from the environment
or a `.env` file, never from the command line, and never reach logs or messages.
"""

from __future__ import annotations

import csv
import io
import logging
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceOperationError,
    SalesforceRefusedRequest,
)
from simple_salesforce.login import SalesforceLogin

from ..errors import ConfigError, WcsfError
from ..logs import add_secrets
from .backoff import backoff_delay
from .budget import QuotaExhausted

log = logging.getLogger(__name__)
API_VERSION = "59.0"


class SalesforceAuthError(WcsfError):
    """Login was refused."""


@dataclass
class SalesforceCredentials:
    """One way to log in; secrets are kept out of `repr`."""

    login_url: str = "https://login.salesforce.com"
    instance_url: str | None = None
    session_id: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security_token: str | None = field(default=None, repr=False)
    client_id: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    private_key_file: str | None = None
    verify: bool | str = True  # a CA file for the sandbox's certificate

    def secrets(self) -> list[str]:
        """Values to redact wherever text leaves the process."""
        return [s for s in (self.session_id, self.password, self.security_token, self.client_secret) if s]


def _ssl(verify: bool | str) -> bool | ssl.SSLContext:
    return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify


def _session(verify: bool | str) -> requests.Session:
    session = requests.Session()
    session.verify = verify
    if verify is not True:
        session.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise override the sandbox CA
    return session


def connect(creds: SalesforceCredentials) -> Salesforce:
    """A logged-in simple-salesforce client."""
    session = _session(creds.verify)
    if creds.session_id and creds.instance_url:
        return Salesforce(
            instance_url=creds.instance_url, session_id=creds.session_id, session=session, version=API_VERSION
        )
    if creds.client_id and creds.client_secret and ((creds.username and creds.password) or not creds.private_key_file):
        grant = (
            {
                "grant_type": "password",
                "username": creds.username,
                "password": (creds.password or "") + (creds.security_token or ""),
            }
            if creds.username
            else {"grant_type": "client_credentials"}
        )
        data = {**grant, "client_id": creds.client_id, "client_secret": creds.client_secret}
        try:
            response = httpx.post(
                f"{creds.login_url.rstrip('/')}/services/oauth2/token", data=data, verify=_ssl(creds.verify), timeout=60
            )
        except httpx.HTTPError as exc:
            raise SalesforceAuthError(f"Salesforce login at {creds.login_url} failed: {type(exc).__name__}") from None
        if response.status_code != 200:
            detail = (
                response.json().get("error_description", "")
                if "json" in response.headers.get("content-type", "")
                else ""
            )
            raise SalesforceAuthError(
                f"Salesforce authentication failed for {creds.username or 'the connected app'} at "
                f"{creds.login_url}: {detail or response.status_code}"
            )
        token = response.json()
        return Salesforce(
            instance_url=token["instance_url"], session_id=token["access_token"], session=session, version=API_VERSION
        )
    if creds.username and creds.password and not creds.client_id:
        try:  # the partner SOAP login, sent to `login_url` (login.salesforce.com, test.salesforce.com, ...)
            session_id, instance = SalesforceLogin(
                username=creds.username,
                password=creds.password,
                security_token=creds.security_token or "",
                scratch_url=creds.login_url.rstrip("/"),
                session=session,
                sf_version=API_VERSION,
            )
        except SalesforceAuthenticationFailed as exc:
            raise SalesforceAuthError(
                f"Salesforce authentication failed for {creds.username} at {creds.login_url}: {exc.code}"
            ) from None
        return Salesforce(instance=instance, session_id=session_id, session=session, version=API_VERSION)
    if creds.username and creds.client_id and creds.private_key_file:
        domain = "test" if "test." in creds.login_url else "login"
        return Salesforce(
            username=creds.username,
            consumer_key=creds.client_id,
            privatekey_file=creds.private_key_file,
            domain=domain,
            session=session,
            version=API_VERSION,
        )
    raise ConfigError(
        "Salesforce credentials incomplete: set SF_SESSION_ID + SF_INSTANCE_URL, or SF_CLIENT_ID + SF_CLIENT_SECRET "
        "(+ SF_USERNAME, SF_PASSWORD, SF_SECURITY_TOKEN), or SF_USERNAME + SF_CLIENT_ID + SF_PRIVATE_KEY_FILE"
    )


class SalesforceReader:
    """Reads objects with retries, re-login on an expired session and REST/Bulk selection by size."""

    def __init__(
        self,
        creds: SalesforceCredentials,
        bulk_threshold: int = 10_000,
        max_retries: int = 6,
        backoff_s: float = 0.5,
        bulk_page: int = 50_000,
    ) -> None:
        self.creds = creds
        self.bulk_threshold = bulk_threshold
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.bulk_page = bulk_page
        self.sf = connect(creds)
        add_secrets([self.sf.session_id])  # the access token is a credential too: never in a log line
        self.logins = 1
        self._described: dict[str, dict[str, Any]] = {}

    def call(self, action: Callable[[Salesforce], Any], what: str) -> Any:
        """Run `action(sf)`, logging in again on an expired session, backing off on limits and 5xx."""
        for attempt in range(self.max_retries + 1):
            try:
                return action(self.sf)
            except SalesforceExpiredSession:
                log.info("salesforce session expired during %s; logging in again", what)
                self.sf = connect(self.creds)  # a fresh client: bulk handlers keep the old session otherwise
                add_secrets([self.sf.session_id])
                self.logins += 1
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

    def count(self, sobject: str, where: str = "") -> int:
        """Rows a query would return (deleted ones included)."""
        soql = f"SELECT COUNT() FROM {sobject}{where}"
        return int(self.call(lambda sf: sf.query(soql, include_deleted=True), f"count {sobject}")["totalSize"])

    def read(self, sobject: str, fields: list[str], where: str = "") -> tuple[list[dict[str, Any]], str]:
        """All rows (deleted ones included, `IsDeleted` true), as text like a CSV; and the API used."""
        soql = f"SELECT {', '.join(fields)} FROM {sobject}{where}"
        if self.count(sobject, where) > self.bulk_threshold:
            try:
                return self.call(lambda sf: list(self._bulk(sf, sobject, soql)), f"bulk query {sobject}"), "bulk2"
            except SalesforceOperationError as exc:  # a failed Bulk job: read the same rows through REST
                log.warning("bulk query of %s failed (%s); reading it through REST", sobject, str(exc)[:200])
        return self.call(
            lambda sf: [_text_row(r, fields) for r in sf.query_all_iter(soql, include_deleted=True)], f"query {sobject}"
        ), "rest"

    def _bulk(self, sf: Salesforce, sobject: str, soql: str) -> Iterator[dict[str, Any]]:
        handler = getattr(sf.bulk2, sobject)
        for page in handler.query_all(soql, max_records=self.bulk_page, wait=0.1):
            yield from csv.DictReader(io.StringIO(page))


def _text_row(record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """A REST record as CSV-like text: true/false, numbers as written, empty = null."""
    out: dict[str, Any] = {}
    for name in fields:
        value = record.get(name)
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif value is None:
            out[name] = ""
        elif isinstance(value, float) and value.is_integer():
            out[name] = repr(value)
        else:
            out[name] = str(value)
    return out


__all__ = ["SalesforceAuthError", "SalesforceCredentials", "SalesforceMalformedRequest", "SalesforceReader", "connect"]
