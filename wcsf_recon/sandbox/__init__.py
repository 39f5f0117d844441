"""A loopback sandbox of both APIs, served from a snapshot, for tests, demos and benchmarks.

`Sandbox(snapshot).start()` serves WhatConverts (`/api/v1/...`) and Salesforce (`/services/...`)
over HTTPS on 127.0.0.1 and a free port, so the real clients (httpx, simple-salesforce)
talk to it unmodified; `ca_file` is the certificate to trust. Faults are injected per
`Faults`; `state.log` records every request.
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

try:
    import trustme  # noqa: F401  (used by .tls; checked here so the message below covers it)
    import uvicorn
    from starlette.applications import Starlette
    from starlette.middleware.base import BaseHTTPMiddleware
    from starlette.requests import Request
    from starlette.responses import Response
except ImportError as exc:  # the sandbox is test infrastructure, kept out of the runtime install
    raise ImportError(
        f"wcsf_recon.sandbox needs the sandbox extra ({exc.name} is not installed): pip install 'wcsf-recon[sandbox]'"
    ) from exc

from ..clients.budget import RequestBudget
from ..clients.salesforce import API_VERSION, SalesforceCredentials
from ..clients.whatconverts import WhatConvertsClient
from ..config import DEFAULT_LEAD_FIELDS, DEFAULT_WC_ID_FIELD
from ..tables.snapshot import Snapshot
from . import salesforce_api, salesforce_write, whatconverts_api
from .faults import Faults
from .org import OrgSetup
from .state import Credentials, SandboxState
from .tls import make_certificate

__all__ = ["API_VERSION", "ORG_FIELDS", "Credentials", "Faults", "OrgSetup", "Sandbox"]

# fields an org set up for WhatConverts has beyond what a snapshot carries (the default lead mapping)
ORG_FIELDS = {"Lead": [*DEFAULT_LEAD_FIELDS, "Status", "LeadSource"]}


def _listening_socket(port: int | None) -> socket.socket:
    """A socket bound to 127.0.0.1 (a free port unless given), held until the server takes it over:
    no other process (a parallel test worker) can take the port between choosing and serving it."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port or 0))
    return sock


def build_app(state: SandboxState) -> Starlette:
    """The ASGI app serving both APIs over `state`."""

    async def log_requests(request: Request, call_next) -> Response:
        if state.faults.latency_s:
            await asyncio.sleep(state.faults.latency_s)
        if request.url.path.startswith("/api/") and state.faults.roll_slow():
            await asyncio.sleep(state.faults.slow_s)
        try:
            response = await call_next(request)
        except Exception:  # pragma: no cover - a handler bug should still be logged and visible
            state.record(_service(request.url.path), request.method, request.url.path, 500)
            raise
        if (
            response.status_code == 404
            and request.url.path.startswith("/api/")
            and "json" not in (response.headers.get("content-type", ""))
        ):
            response = whatconverts_api.not_found(request)
        if not _is_login(request.url.path) and state.faults.roll_reset():
            # the work is done but the answer is lost: the connection drops mid-body
            state.record(_service(request.url.path), request.method, request.url.path, 0)
            return Response(b'{"cut', status_code=response.status_code, headers={"content-length": "4096"})
        state.record(_service(request.url.path), request.method, request.url.path, response.status_code)
        return response

    app = Starlette(routes=[*whatconverts_api.ROUTES, *salesforce_api.ROUTES, *salesforce_write.ROUTES])
    app.add_middleware(BaseHTTPMiddleware, dispatch=log_requests)
    app.state.sandbox = state
    return app


def _is_login(path: str) -> bool:
    return path.startswith(("/services/oauth2/", "/services/Soap/"))


def _service(path: str) -> str:
    return "whatconverts" if path.startswith("/api/") else "salesforce"


class Sandbox:
    """Both APIs on 127.0.0.1 over TLS, in a background thread."""

    def __init__(
        self,
        snapshot: Snapshot,
        faults: Faults | None = None,
        credentials: Credentials | None = None,
        wc_id_field: str = DEFAULT_WC_ID_FIELD,
        id_field_is_external: bool = True,
        port: int | None = None,
        extra_fields: dict[str, list[str]] | None = None,
        org: OrgSetup | None = None,
    ) -> None:
        self.credentials = credentials or Credentials()
        self.faults = faults or Faults()
        self.state = SandboxState(
            snapshot,
            self.credentials,
            self.faults,
            wc_id_field,
            id_field_is_external,
            extra_fields if extra_fields is not None else ORG_FIELDS,
            org,
        )
        self._socket = _listening_socket(port)
        self.port: int = self._socket.getsockname()[1]
        self._dir = tempfile.TemporaryDirectory(prefix="wcsf-sandbox-")
        self._tls = make_certificate(Path(self._dir.name))
        self.ca_file = self._tls.ca_file  # what the clients trust
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL of the server (also the Salesforce instance URL and login URL)."""
        return f"https://127.0.0.1:{self.port}"

    @property
    def whatconverts_url(self) -> str:
        """Base URL for the WhatConverts client."""
        return f"{self.url}/api/v1"

    def salesforce_credentials(self) -> SalesforceCredentials:
        """OAuth client credentials for this sandbox's connected app, trusting its certificate."""
        c = self.credentials
        return SalesforceCredentials(
            login_url=self.url, client_id=c.sf_client_id, client_secret=c.sf_client_secret, verify=str(self.ca_file)
        )

    def whatconverts_client(
        self, daily_limit: int = 1000, budget_file: Path | None = None, **options: Any
    ) -> WhatConvertsClient:
        """A WhatConverts client for this sandbox, trusting its certificate, with its own daily budget."""
        c = self.credentials
        budget = RequestBudget(c.wc_token, daily_limit, budget_file)
        return WhatConvertsClient(
            c.wc_token, c.wc_secret, self.whatconverts_url, budget, verify=str(self.ca_file), **options
        )

    def env_text(self, wc_secret: str | None = None) -> str:
        """A `.env` file's text pointing both clients at this sandbox (`wc_secret` to test a wrong one)."""
        c = self.credentials
        return (
            f"WC_API_TOKEN={c.wc_token}\nWC_API_SECRET={wc_secret or c.wc_secret}\n"
            f"WC_BASE_URL={self.whatconverts_url}\n"
            f"WC_CA_FILE={self.ca_file}\nSF_LOGIN_URL={self.url}\nSF_CLIENT_ID={c.sf_client_id}\n"
            f"SF_CLIENT_SECRET={c.sf_client_secret}\nSF_CA_FILE={self.ca_file}\n"
        )

    def start(self) -> Sandbox:
        """Serve in a background thread; returns once the port answers."""
        config = uvicorn.Config(
            build_app(self.state),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ssl_certfile=str(self._tls.cert_file),
            ssl_keyfile=str(self._tls.key_file),
            access_log=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="wcsf-sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("sandbox server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Stop serving and remove the certificate."""
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True  # do not wait for clients to hang up their keep-alive connections
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()
        self._dir.cleanup()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
