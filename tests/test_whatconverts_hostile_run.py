"""`run` against a WhatConverts server that answers malformed JSON (plain HTTP on 127.0.0.1, bounded):
one clear error naming the request, exit 2, and the run recorded as failed (not left `running`)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from wcsf_recon import Config
from wcsf_recon.runs import RunLog, run_cycle
from wcsf_recon.sandbox import Sandbox
from wcsf_recon.synth import generate_world

BODIES = {
    "truncated": b'{"page_number": 1, "total_pages": 1, "leads": [{"lead_id": 17',
    "bad id": b'{"page_number": 1, "total_pages": 1, "total_leads": 1, "leads": [{"lead_id": "abc"}]}',
}


class _Malformed(BaseHTTPRequestHandler):
    body = b""
    served = 0

    def do_GET(self) -> None:
        type(self).served += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("case", list(BODIES))
def test_run_records_a_malformed_answer_as_failed(tmp_path: Path, case: str) -> None:
    handler = type("Handler", (_Malformed,), {"body": BODIES[case], "served": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        with Sandbox(generate_world(20, seed=2).snapshot) as box:  # Salesforce side only
            env = tmp_path / "s.env"
            env.write_text(
                box.env_text().replace(box.whatconverts_url, f"http://127.0.0.1:{server.server_port}/api/v1")
            )
            state = tmp_path / "state"
            outcome = run_cycle(Config(), env, state, tmp_path / "runs", apply=False)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert outcome.exit_code == 2 and outcome.status == "failed"
    assert "GET /leads page 1" in outcome.summary["error"]
    assert handler.served == 1  # not retried: the answer is not going to improve
    log = RunLog(state)
    try:
        assert [row["status"] for row in log.rows()] == ["failed"]
    finally:
        log.close()
