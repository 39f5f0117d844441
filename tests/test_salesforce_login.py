"""Salesforce login flows, My Domain, certificate failures and deadlines (sandbox and hostile servers on 127.0.0.1)."""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from wcsf_recon import ConfigError
from wcsf_recon.clients.salesforce import (
    SalesforceAuthError,
    SalesforceCertificateError,
    SalesforceCredentials,
    SalesforceReader,
    connect,
)
from wcsf_recon.clients.salesforce_login import jwt_audience, login_flow, my_domain_url
from wcsf_recon.credentials import salesforce_credentials
from wcsf_recon.errors import WcsfError
from wcsf_recon.sandbox import Credentials, Sandbox
from wcsf_recon.sandbox.tls import make_certificate


def test_client_credentials_need_a_my_domain_url() -> None:
    base = {"SF_CLIENT_ID": "3MVGapp", "SF_CLIENT_SECRET": "shh"}
    for extra in ({}, {"SF_LOGIN_URL": "https://login.salesforce.com"}, {"SF_DOMAIN": "test"}):
        creds = salesforce_credentials({**base, **extra})
        with pytest.raises(ConfigError, match="SF_DOMAIN") as info:
            connect(creds)  # refused before any request: there is no network here to reach
        assert "My Domain" in str(info.value) and "shh" not in str(info.value)


def test_my_domain_forms_and_jwt_audience() -> None:
    assert my_domain_url("acme.my") == "https://acme.my.salesforce.com"
    assert my_domain_url("acme.my.salesforce.com") == "https://acme.my.salesforce.com"
    assert (
        my_domain_url("https://acme--dev.sandbox.my.salesforce.com/") == "https://acme--dev.sandbox.my.salesforce.com"
    )
    creds = salesforce_credentials({"SF_DOMAIN": "acme--dev.sandbox.my", "SF_CLIENT_ID": "a", "SF_CLIENT_SECRET": "b"})
    assert creds.login_url == "https://acme--dev.sandbox.my.salesforce.com"
    assert login_flow(creds) == "client_credentials"
    assert jwt_audience("https://acme--dev.sandbox.my.salesforce.com") == "https://test.salesforce.com"
    assert jwt_audience("https://test.salesforce.com") == "https://test.salesforce.com"
    assert jwt_audience("https://acme.my.salesforce.com") == "https://login.salesforce.com"
    assert jwt_audience("https://login.salesforce.com") == "https://login.salesforce.com"


@pytest.fixture(scope="module")
def jwt_box(sample_snapshot, tmp_path_factory):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    folder = tmp_path_factory.mktemp("jwt")
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (folder / "server.key").write_bytes(pem)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with Sandbox(sample_snapshot, credentials=Credentials(sf_jwt_public_key=public)) as box:
        yield box, folder / "server.key"


def test_jwt_bearer_logs_in_at_the_given_url(jwt_box) -> None:
    box, key_file = jwt_box
    c = box.credentials
    creds = SalesforceCredentials(
        login_url=box.url,
        username=c.sf_username,
        client_id=c.sf_client_id,
        private_key_file=str(key_file),
        verify=str(box.ca_file),
    )
    assert login_flow(creds) == "jwt_bearer"
    reader = SalesforceReader(creds)
    assert "LastName" in reader.fields("Lead")


def test_retiring_flows_warn_and_a_refusal_says_what_to_set(jwt_box, caplog) -> None:
    box, _ = jwt_box
    c = box.credentials
    soap = SalesforceCredentials(
        login_url=box.url,
        username=c.sf_username,
        password=c.sf_password,
        security_token=c.sf_security_token,
        verify=str(box.ca_file),
    )
    with caplog.at_level(logging.WARNING):
        SalesforceReader(soap)
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "SOAP login()" in warned and "Summer '27" in warned and "SF_PRIVATE_KEY_FILE" in warned
    soap.password = "wrong"
    with pytest.raises(SalesforceAuthError) as info:
        SalesforceReader(soap)
    text = str(info.value)
    assert "SOAP login()" in text and "INVALID_LOGIN" in text and "SF_CLIENT_ID + SF_CLIENT_SECRET + SF_DOMAIN" in text
    wrong_app = SalesforceCredentials(
        login_url=box.url, client_id=c.sf_client_id, client_secret="nope", verify=str(box.ca_file)
    )
    with pytest.raises(SalesforceAuthError, match=r"client credentials flow.*Run As user"):
        SalesforceReader(wrong_app)


def test_an_untrusted_certificate_is_reported_and_not_retried(jwt_box) -> None:
    box, _ = jwt_box
    before = len(box.state.log)
    creds = box.salesforce_credentials()
    creds.verify = True  # the sandbox's certificate is not in the system store
    started = time.monotonic()
    with pytest.raises(SalesforceCertificateError, match="certificate"):
        SalesforceReader(creds)
    assert time.monotonic() - started < 5
    assert len(box.state.log) == before  # the handshake failed: nothing reached the API


class _HostileServer:
    """TLS on 127.0.0.1 that reads a request, then never answers (`drip_s` None) or drips the body."""

    def __init__(self, folder: Path, drip_s: float | None) -> None:
        tls = make_certificate(folder)
        self.cert = tls.ca_file  # what the client trusts
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(tls.cert_file, tls.key_file)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.drip_s = drip_s
        self.stop = threading.Event()
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                raw, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by close()
                return
            self.accepted += 1
            threading.Thread(target=self._answer, args=(raw,), daemon=True).start()

    def _answer(self, raw: socket.socket) -> None:
        try:
            conn = self.context.wrap_socket(raw, server_side=True)
            conn.recv(65536)
            if self.drip_s is not None:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n")
            while not self.stop.wait(self.drip_s or 0.2):
                if self.drip_s is not None:
                    conn.sendall(b" ")
        except OSError:
            pass
        finally:
            raw.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.mark.parametrize("drip_s", [None, 0.2], ids=["never-answers", "drips-one-byte"])
def test_a_server_that_holds_the_request_cannot_hold_the_run(tmp_path: Path, drip_s) -> None:
    server = _HostileServer(tmp_path, drip_s)
    creds = SalesforceCredentials(
        instance_url=f"https://127.0.0.1:{server.port}",
        session_id="00Dx!token",
        verify=str(server.cert),
        read_timeout_s=1.0,
        deadline_s=1.5,
    )
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            SalesforceReader(creds, max_retries=1, backoff_s=0.01).describe("Lead")
            outcome.append(None)
        except BaseException as exc:  # recorded for the assertion
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(timeout=20)
    server.close()
    assert not worker.is_alive(), "the request was still waiting after 20 s"
    assert time.monotonic() - started < 10
    assert isinstance(outcome[0], WcsfError) and "kept failing describe Lead" in str(outcome[0])
    assert server.accepted == 2  # one try and one retry, each cut off
