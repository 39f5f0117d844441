"""Logging for the CLI: levelled, one line per event, secrets redacted from every message."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Redact(logging.Filter):
    """Replace every known secret in a record's message (and arguments) with `***`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for secret in self.secrets:
            message = message.replace(secret, "***")
        record.msg, record.args = message, None
        return True


def setup_logging(verbose: bool = False, quiet: bool = False, secrets: Iterable[str] = ()) -> logging.Handler:
    """Log to stderr at INFO (DEBUG with verbose, WARNING with quiet), redacting `secrets`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(Redact(secrets))
    root = logging.getLogger("wcsf_recon")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    root.propagate = False
    return handler


def env_secrets(env: dict[str, str]) -> list[str]:
    """The values of credential variables, to redact."""
    names = ("WC_API_TOKEN", "WC_API_SECRET", "SF_SESSION_ID", "SF_PASSWORD", "SF_SECURITY_TOKEN", "SF_CLIENT_SECRET")
    return [env[n] for n in names if env.get(n)]
