"""API economy of extraction, counted from the sandbox's request log.

Run: .venv/bin/python benchmarks/bench_extract.py
Serves a synthetic world with about 50,000 WhatConverts leads and 100,000 Salesforce records,
extracts it with the real clients, and prints requests per service and endpoint.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from wcsf_recon import Config
from wcsf_recon.clients.salesforce import SalesforceReader
from wcsf_recon.extract import ExtractSettings, extract
from wcsf_recon.sandbox import Sandbox
from wcsf_recon.synth import generate_world


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    run(30_700)  # about 50,000 WhatConverts leads
    run(48_000)  # about 100,000 Salesforce records


def run(persons: int) -> None:
    """Extract one world from the sandbox and print the request counts."""
    world = generate_world(persons, seed=5150)
    counts = world.snapshot.counts()
    sf_records = sum(v for k, v in counts.items() if k.startswith("sf_"))
    print(
        f"\nworld of {persons:,} people: {counts['wc_leads']:,} WhatConverts leads, {sf_records:,} Salesforce records"
    )
    with Sandbox(world.snapshot) as box, tempfile.TemporaryDirectory() as state:
        client = box.whatconverts_client(1000, Path(state) / "b.json")
        reader = SalesforceReader(box.salesforce_credentials())
        start = time.perf_counter()
        settings = ExtractSettings(state_dir=Path(state), history_start=datetime(2024, 10, 1, tzinfo=UTC))
        _, stats = extract(client, reader, Config(), settings)
        took = time.perf_counter() - start
        print(f"extracted in {took:.1f} s; Salesforce read by: {stats.sf_methods}")
        print(f"WhatConverts requests: {box.state.count('whatconverts')} for {counts['wc_leads']:,} leads")
        print(f"Salesforce requests: {box.state.count('salesforce')} for {sf_records:,} records")
        for route, n in sorted(box.state.counters.items()):
            if not route.startswith("id:"):
                print(f"  {n:5d}  {route}")


if __name__ == "__main__":
    main()
