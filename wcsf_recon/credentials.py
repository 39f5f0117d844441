"""Credentials from the environment or a `.env` file — never from the command line, never logged.

WhatConverts: WC_API_TOKEN, WC_API_SECRET, WC_BASE_URL, WC_KEY_TYPE (profile|master), WC_CA_FILE.
Salesforce: SF_DOMAIN (the org's My Domain, e.g. acme.my.salesforce.com) or SF_LOGIN_URL; then
SF_CLIENT_ID + SF_CLIENT_SECRET (client credentials), or SF_USERNAME + SF_CLIENT_ID +
SF_PRIVATE_KEY_FILE (JWT bearer) — the recommended flows; SF_INSTANCE_URL + SF_SESSION_ID; or,
being retired, SF_USERNAME + SF_PASSWORD (+ SF_SECURITY_TOKEN, + SF_CLIENT_ID/SECRET for OAuth).
SF_CA_FILE for a private certificate (the sandbox's). Which flow is used: `clients.salesforce_login`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from .clients.salesforce import SalesforceCredentials
from .clients.salesforce_login import my_domain_url
from .clients.whatconverts import DEFAULT_BASE_URL
from .errors import ConfigError


@dataclass
class WhatConvertsCredentials:
    """A WhatConverts API key; the secret stays out of `repr`."""

    token: str
    secret: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    key_type: str = "profile"
    verify: bool | str = True


def load_env(env_file: Path | None) -> dict[str, str]:
    """The process environment, with a `.env` file's values filling what it lacks."""
    values: dict[str, str] = {}
    if env_file is not None:
        if not env_file.exists():
            raise ConfigError(f"{env_file}: env file not found")
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update({k: v for k, v in os.environ.items() if k.startswith(("WC_", "SF_"))})
    return values


def whatconverts_credentials(env: dict[str, str]) -> WhatConvertsCredentials:
    """WC_* settings; a clear error names what is missing."""
    missing = [k for k in ("WC_API_TOKEN", "WC_API_SECRET") if not env.get(k)]
    if missing:
        raise ConfigError(f"WhatConverts credentials missing: set {' and '.join(missing)} (environment or .env)")
    key_type = env.get("WC_KEY_TYPE", "profile")
    if key_type not in ("profile", "master"):
        raise ConfigError(f"WC_KEY_TYPE must be 'profile' or 'master', got {key_type!r}")
    return WhatConvertsCredentials(
        env["WC_API_TOKEN"],
        env["WC_API_SECRET"],
        env.get("WC_BASE_URL", DEFAULT_BASE_URL),
        key_type,
        env.get("WC_CA_FILE") or True,
    )


def salesforce_credentials(env: dict[str, str]) -> SalesforceCredentials:
    """SF_* settings (which login is used is decided by `clients.salesforce_login.login_flow`).

    SF_LOGIN_URL wins over SF_DOMAIN when both are set; neither set leaves the login URL to the
    flow (login.salesforce.com for JWT, an error for client credentials, which needs My Domain).
    """
    domain = env.get("SF_DOMAIN")
    return SalesforceCredentials(
        login_url=env.get("SF_LOGIN_URL") or (my_domain_url(domain) if domain else None),
        instance_url=env.get("SF_INSTANCE_URL"),
        session_id=env.get("SF_SESSION_ID"),
        username=env.get("SF_USERNAME"),
        password=env.get("SF_PASSWORD"),
        security_token=env.get("SF_SECURITY_TOKEN"),
        client_id=env.get("SF_CLIENT_ID"),
        client_secret=env.get("SF_CLIENT_SECRET"),
        private_key_file=env.get("SF_PRIVATE_KEY_FILE"),
        verify=env.get("SF_CA_FILE") or True,
    )
