"""Credentials never reach the log, whichever library logs them, with every library's debug logging on."""

from __future__ import annotations

import base64
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from wcsf_recon.logs import add_secrets, setup_logging
from wcsf_recon.sandbox import Sandbox

LIBRARIES = ["httpx", "httpcore", "urllib3", "requests", "simple_salesforce"]


@pytest.fixture
def library_debug_logging():
    """Every library logger at DEBUG and our handler on root, undone afterwards (tests share a process)."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers), {n: logging.getLogger(n).level for n in LIBRARIES})
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_library_record_holding_a_secret_is_redacted_at_the_handler(library, library_debug_logging, capfd) -> None:
    secret = f"s3cr3t-{library}-value"
    setup_logging(secrets=[secret])
    log = logging.getLogger(f"{library}.inner")
    log.debug("proxy https://user:%s@proxy.example:3128", secret)
    try:
        raise ConnectionError(f"refused with {secret}")
    except ConnectionError:
        log.warning("request failed", exc_info=True)
    err = capfd.readouterr().err
    assert f"{library}.inner: proxy https://user:***@proxy.example:3128" in err
    assert "ConnectionError: refused with ***" in err
    assert secret not in err


def test_secrets_learned_at_run_time_are_redacted_too(library_debug_logging, capfd) -> None:
    setup_logging()
    add_secrets(["00DSB!access-token-learned-after-login"])
    logging.getLogger("urllib3.connectionpool").debug("Authorization: Bearer 00DSB!access-token-learned-after-login")
    err = capfd.readouterr().err
    assert "Bearer ***" in err and "access-token-learned" not in err


RUN = """
import logging, sys
for name in {libraries!r}:
    logging.getLogger(name).setLevel(logging.DEBUG)
from wcsf_recon.cli import app
app(sys.argv[1:], standalone_mode=False)
"""


def test_a_full_run_with_every_library_debugging_logs_no_credential(small_world, tmp_path: Path) -> None:
    with Sandbox(small_world.snapshot) as box:
        env = tmp_path / "s.env"
        env.write_text(box.env_text())
        args = ["run", "--apply", "--verbose", "--env-file", str(env), "--since", "2024-01-01"]
        args += ["--state-dir", str(tmp_path / "state"), "--runs-dir", str(tmp_path / "runs")]
        done = subprocess.run(
            [sys.executable, "-c", RUN.format(libraries=LIBRARIES), *args], capture_output=True, text=True, timeout=300
        )
        c = box.credentials
        issued = sorted(box.state.sessions)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-2000:]
    # the libraries really logged at DEBUG, through our handler
    assert "httpx: HTTP Request: POST" in log and "urllib3.connectionpool:" in log and "httpcore" in log
    basic = base64.b64encode(f"{c.wc_token}:{c.wc_secret}".encode()).decode()
    secrets = [c.wc_token, c.wc_secret, c.sf_client_secret, c.sf_password, c.sf_security_token, basic, *issued]
    assert issued  # the sandbox handed out access tokens the log must not show
    leaked = [s for s in secrets if s in log]
    assert not leaked
