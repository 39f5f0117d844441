"""Salesforce login flows: which one the settings select, where it logs in, and what a refusal means.

Salesforce's recommended server-to-server flows come first:
- **client credentials** (`SF_CLIENT_ID` + `SF_CLIENT_SECRET`, no username): must be sent to the
  org's My Domain — "The client credentials flow doesn't support calls to login.salesforce.com or
  test.salesforce.com" (Salesforce help article 000886201), so a My Domain URL is required;
- **JWT bearer** (`SF_USERNAME` + `SF_CLIENT_ID` + `SF_PRIVATE_KEY_FILE`): the assertion's `aud` is
  `https://login.salesforce.com` for production and `https://test.salesforce.com` for sandboxes
  (Salesforce help "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration"); a sandbox My
  Domain (`acme--dev.sandbox.my.salesforce.com`) is a sandbox, so it gets `test`.
Kept, with a warning naming the replacement: the OAuth username-password flow (deprecated and
blocked by default in new orgs) and SOAP `login()` (disabled by default for orgs created Winter '26
or later, removed in Summer '27 — SOAP API Developer Guide, login()).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from ..errors import ConfigError, WcsfError

if TYPE_CHECKING:
    from .salesforce import SalesforceCredentials

log = logging.getLogger(__name__)

GENERIC_HOSTS = {"login.salesforce.com": "login", "test.salesforce.com": "test"}
RECOMMENDED = (
    "SF_CLIENT_ID + SF_CLIENT_SECRET + SF_DOMAIN (client credentials, to your My Domain) or "
    "SF_USERNAME + SF_CLIENT_ID + SF_PRIVATE_KEY_FILE (JWT bearer)"
)
FLOW_LABELS = {
    "session": "existing session (SF_SESSION_ID + SF_INSTANCE_URL)",
    "client_credentials": "OAuth client credentials",
    "jwt_bearer": "OAuth JWT bearer",
    "oauth_password": "OAuth username-password (deprecated)",
    "soap_password": "SOAP login() (being retired)",
}
RETIRING = {
    "oauth_password": "the OAuth username-password flow is deprecated and blocked by default in new orgs",
    "soap_password": "SOAP login() is disabled by default in orgs created Winter '26 or later and removed in "
    "Summer '27",
}


class SalesforceAuthError(WcsfError):
    """Login was refused."""


class SalesforceCertificateError(WcsfError):
    """The server's TLS certificate could not be verified: retrying cannot help."""


def my_domain_url(domain: str) -> str:
    """`SF_DOMAIN` as a login URL: `acme.my` / `acme.my.salesforce.com` / a URL -> `https://acme.my.salesforce.com`."""
    text = domain.strip().rstrip("/")
    if "://" in text:
        return text
    if text in ("login", "test"):
        return f"https://{text}.salesforce.com"
    host = text if "." in text and text.endswith((".com", ".mil", ".cn")) else f"{text}.salesforce.com"
    return f"https://{host}"


def is_generic_login(url: str | None) -> bool:
    """Is `url` login.salesforce.com or test.salesforce.com (not an org's My Domain)?"""
    return url is not None and (urlsplit(url).hostname or "").lower() in GENERIC_HOSTS


def jwt_audience(login_url: str) -> str:
    """`https://test.salesforce.com` for sandboxes (test.salesforce.com, `*.sandbox.my.salesforce.com`), else login."""
    host = (urlsplit(login_url).hostname or "").lower()
    sandbox = host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com")
    return "https://test.salesforce.com" if sandbox else "https://login.salesforce.com"


def login_flow(creds: SalesforceCredentials) -> str:
    """The flow these settings select (see the module docstring for the order)."""
    if creds.session_id and creds.instance_url:
        return "session"
    if creds.username and creds.client_id and creds.private_key_file:
        return "jwt_bearer"
    if creds.client_id and creds.client_secret and not creds.username:
        return "client_credentials"
    if creds.client_id and creds.client_secret and creds.username and creds.password:
        return "oauth_password"
    if creds.username and creds.password and not creds.client_id:
        return "soap_password"
    raise ConfigError(
        f"Salesforce credentials incomplete: set {RECOMMENDED}; or SF_SESSION_ID + SF_INSTANCE_URL for an "
        "existing session"
    )


def login_url_for(creds: SalesforceCredentials, flow: str) -> str:
    """Where `flow` logs in; the client-credentials flow refuses anything but a My Domain URL."""
    url = creds.login_url
    if flow == "client_credentials" and (url is None or is_generic_login(url)):
        raise ConfigError(
            "the Salesforce client credentials flow must log in at your org's My Domain: set SF_DOMAIN "
            "(e.g. acme.my.salesforce.com, or acme--dev.sandbox.my.salesforce.com for a sandbox) or SF_LOGIN_URL "
            f"to it{'' if url is None else f', not {url}'} (Salesforce help 000886201: the flow does not "
            "support login.salesforce.com or test.salesforce.com)"
        )
    return (url or "https://login.salesforce.com").rstrip("/")


def warn_if_retiring(flow: str) -> None:
    """A warning naming the replacement when the flow is deprecated or being retired."""
    if flow in RETIRING:
        log.warning("Salesforce login: %s; set %s instead", RETIRING[flow], RECOMMENDED)


def refused(creds: SalesforceCredentials, flow: str, url: str, detail: str) -> SalesforceAuthError:
    """The error for a refused login: which flow was tried, where, and what to set instead."""
    who = creds.username or "the connected app"
    advice = {
        "client_credentials": "check SF_CLIENT_ID/SF_CLIENT_SECRET, that the connected app enables the client "
        "credentials flow with a Run As user, and that SF_DOMAIN is this org's My Domain",
        "jwt_bearer": "check that SF_USERNAME is pre-authorized for the connected app, that its certificate matches "
        "SF_PRIVATE_KEY_FILE, and that SF_DOMAIN points at production or a sandbox as intended",
        "session": "the session may have expired: set a fresh SF_SESSION_ID, or use " + RECOMMENDED,
    }.get(flow, f"this flow is being retired; set {RECOMMENDED} instead")
    return SalesforceAuthError(
        f"Salesforce authentication failed for {who} at {url} ({FLOW_LABELS[flow]} flow): {detail}. {advice}"
    )


def _ssl_context(verify: bool | str) -> Any:
    import ssl

    return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify


def oauth_token(creds: SalesforceCredentials, flow: str, url: str, timeout: httpx.Timeout) -> dict[str, Any]:
    """POST the flow's grant to `url/services/oauth2/token`; the token JSON, or a clear error."""
    if flow == "client_credentials":
        data = {"grant_type": "client_credentials", "client_id": creds.client_id, "client_secret": creds.client_secret}
    elif flow == "oauth_password":
        data = {
            "grant_type": "password",
            "username": creds.username,
            "password": (creds.password or "") + (creds.security_token or ""),
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
        }
    else:  # jwt_bearer: RS256 assertion, iss = consumer key, sub = username, exp within 3 minutes
        import jwt

        key = Path(str(creds.private_key_file)).read_bytes()
        expires = int(time.time()) + 180
        claims = {"iss": creds.client_id, "sub": creds.username, "aud": jwt_audience(url), "exp": expires}
        data = {
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": jwt.encode(claims, key, algorithm="RS256"),
        }
    try:
        response = httpx.post(
            f"{url}/services/oauth2/token", data=data, verify=_ssl_context(creds.verify), timeout=timeout
        )
    except httpx.ConnectError as exc:
        if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "certificate" in str(exc).lower():
            raise SalesforceCertificateError(
                f"Salesforce login at {url}: the server's TLS certificate could not be verified ({exc}); "
                "not retried. Check the URL, or SF_CA_FILE for a private certificate"
            ) from None
        raise refused(creds, flow, url, f"cannot connect ({type(exc).__name__})") from None
    except httpx.HTTPError as exc:
        raise refused(creds, flow, url, f"no answer ({type(exc).__name__})") from None
    if response.status_code != 200:
        body = response.json() if "json" in response.headers.get("content-type", "") else {}
        detail = " ".join(str(body.get(k, "")) for k in ("error", "error_description")).strip()
        raise refused(creds, flow, url, detail or f"HTTP {response.status_code}")
    return response.json()
