"""Logging for the CLI: levelled, one line per event (text or JSON), secrets redacted everywhere.

The handler sits on the root logger and redacts every record it writes, whichever logger made
it: ours, httpx/httpcore, urllib3/requests, simple-salesforce. Turning a library's debug logging
on (`logging.getLogger("httpx").setLevel(logging.DEBUG)`) therefore cannot print a credential.
Secrets learned at run time (a Salesforce access token) are added with `add_secrets`.
"""

from __future__ import annotations

import base64
import json
import logging
import sys
from collections.abc import Iterable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_RUNTIME_SECRETS: set[str] = set()  # e.g. access tokens, added after login; every Redact sees them


def add_secrets(values: Iterable[str | None]) -> None:
    """Redact these values too, from now on, in every handler `setup_logging` installed."""
    _RUNTIME_SECRETS.update(v for v in values if v and len(v) >= 4)


class Redact(logging.Filter):
    """Replace every known secret in a record's message (and arguments) with `***`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = {s for s in secrets if s and len(s) >= 4}

    def redact(self, text: str) -> str:
        """`text` with every known secret replaced (longest first, so no secret's tail survives)."""
        for secret in sorted(self.secrets | _RUNTIME_SECRETS, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info:  # tracebacks are rendered here, once, so they are redacted too
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonLines(logging.Formatter):
    """One JSON object per event (`time`, `level`, `logger`, `message`, `exception`) for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            event["exception"] = record.exc_text
        return json.dumps(event, ensure_ascii=False)


def setup_logging(
    verbose: bool = False, quiet: bool = False, secrets: Iterable[str] = (), json_lines: bool = False
) -> logging.Handler:
    """Log to stderr: ours at INFO (DEBUG with verbose, WARNING with quiet), libraries' at WARNING
    unless their logger is set lower; every record is redacted of `secrets` at the handler."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if json_lines else logging.Formatter(FORMAT))
    handler.addFilter(Redact(secrets))
    handler.set_name("wcsf_recon")
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if h.get_name() != "wcsf_recon"] + [handler]
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    ours = logging.getLogger("wcsf_recon")
    ours.handlers[:] = []
    ours.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    ours.propagate = True
    return handler


def env_secrets(env: dict[str, str]) -> list[str]:
    """The values of credential variables, to redact (and the Basic-auth header WhatConverts gets)."""
    names = ("WC_API_TOKEN", "WC_API_SECRET", "SF_SESSION_ID", "SF_PASSWORD", "SF_SECURITY_TOKEN", "SF_CLIENT_SECRET")
    found = [env[n] for n in names if env.get(n)]
    if env.get("WC_API_TOKEN") and env.get("WC_API_SECRET"):
        found.append(base64.b64encode(f"{env['WC_API_TOKEN']}:{env['WC_API_SECRET']}".encode()).decode())
    if env.get("SF_PASSWORD") and env.get("SF_SECURITY_TOKEN"):
        found.append(env["SF_PASSWORD"] + env["SF_SECURITY_TOKEN"])
    return found
