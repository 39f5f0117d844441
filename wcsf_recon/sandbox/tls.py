"""Certificates for 127.0.0.1 made with trustme, so the real clients speak HTTPS to the sandbox.

simple-salesforce always builds `https://` URLs; the sandbox therefore serves TLS with a
certificate issued at start-up by a throwaway trustme CA, and the clients trust exactly that CA.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import trustme


class SandboxTLS(NamedTuple):
    """PEM files: the CA the clients trust, and the server's certificate chain and key."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def make_certificate(folder: Path) -> SandboxTLS:
    """A fresh CA and a server certificate for 127.0.0.1 and localhost, written into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="wcsf-recon sandbox")
    server = ca.issue_cert("127.0.0.1", "localhost")
    tls = SandboxTLS(folder / "sandbox-ca.pem", folder / "sandbox-cert.pem", folder / "sandbox-key.pem")
    ca.cert_pem.write_to_path(str(tls.ca_file))
    server.cert_chain_pems[0].write_to_path(str(tls.cert_file))
    for extra in server.cert_chain_pems[1:]:
        extra.write_to_path(str(tls.cert_file), append=True)
    server.private_key_pem.write_to_path(str(tls.key_file))
    return tls
