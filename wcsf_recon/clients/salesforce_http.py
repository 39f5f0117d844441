"""The HTTP session every Salesforce request goes through: connect/read timeouts and an overall deadline.

simple-salesforce has no timeout option of its own but takes a `requests.Session` (SRC-SS-api,
`Salesforce(session=...)`; the bulk2 handlers reuse it), so the limits live here. requests'
`timeout` bounds the connect and each read, not the whole answer: a body dripped one byte at a
time would never end, so the body is read with `read1` and cut off at the deadline. Salesforce's
own REST/SOAP call limit is 10 minutes (salesforce-app-limits cheat sheet, "API Request Limits"),
the default deadline here.
"""

from __future__ import annotations

import time
from typing import Any

import requests
import urllib3

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 120.0
DEADLINE_S = 600.0


class DeadlineSession(requests.Session):
    """A requests session whose every request has a connect/read timeout and an overall deadline."""

    def __init__(
        self,
        verify: bool | str = True,
        connect_s: float = CONNECT_TIMEOUT_S,
        read_s: float = READ_TIMEOUT_S,
        deadline_s: float = DEADLINE_S,
    ) -> None:
        super().__init__()
        self.verify = verify
        if verify is not True:
            self.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise override a private CA (the sandbox's)
        self.timeouts = (connect_s, read_s)
        self.deadline_s = deadline_s

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send with the session's timeouts; read the whole body before the deadline or raise `requests.Timeout`."""
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeouts
        stream = kwargs.pop("stream", False)
        started = time.monotonic()
        response = super().send(request, stream=True, **kwargs)
        if stream:
            return response
        chunks: list[bytes] = []
        try:
            while True:
                if time.monotonic() - started > self.deadline_s:
                    raise requests.Timeout(f"no complete answer within {self.deadline_s:g} s")
                chunk = response.raw.read1(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except requests.Timeout:
            response.close()
            raise
        except urllib3.exceptions.ReadTimeoutError as exc:
            response.close()
            raise requests.ReadTimeout(str(exc)) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:  # dropped mid-body: requests' own meaning
            response.close()
            raise requests.exceptions.ChunkedEncodingError(str(exc)) from None
        response._content = b"".join(chunks)
        response._content_consumed = True  # type: ignore[attr-defined]
        response.raw.release_conn()  # read to the end: the connection can be reused
        return response
