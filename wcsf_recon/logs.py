"""Logging for the CLI: levelled, one line per event (text or JSON), secrets redacted everywhere."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Redact(logging.Filter):
    """Replace every known secret in a record's message (and arguments) with `***`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """`text` with every known secret replaced."""
        for secret in self.secrets:
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
    """Log to stderr at INFO (DEBUG with verbose, WARNING with quiet), redacting `secrets`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if json_lines else logging.Formatter(FORMAT))
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
