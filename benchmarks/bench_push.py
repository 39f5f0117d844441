"""API economy of push, counted from the sandbox's request log.

Run: .venv/bin/python benchmarks/bench_push.py
Pushes about 3,000 Salesforce lead creates through sObject Collections and again through one
Bulk API 2.0 job, and the WhatConverts updates, then prints calls per 1,000 creates and
requests per changed and unchanged lead.
"""

from __future__ import annotations

import os
import platform
import tempfile
from pathlib import Path

import pandas as pd

from wcsf_recon import Config, reconcile
from wcsf_recon.clients.salesforce import SalesforceReader
from wcsf_recon.push import PushSettings, push
from wcsf_recon.sandbox import Sandbox
from wcsf_recon.synth import generate_world


def run(world, bulk_threshold: int, label: str) -> None:
    with tempfile.TemporaryDirectory() as tmp, Sandbox(world.snapshot) as box:
        out = Path(tmp) / "out"
        reconcile(world.snapshot).write(out)
        wc = box.whatconverts_client(10_000, Path(tmp) / "b.json")
        sf = SalesforceReader(box.salesforce_credentials())
        result = push(out / "plan", Config(), wc, sf, PushSettings(apply=True, bulk_threshold=bulk_threshold))
        creates = result.confirmed["salesforce_creates"]
        sf_calls = box.state.count("salesforce")
        updates = len(pd.read_csv(out / "plan" / "whatconverts_lead_updates.csv"))
        leads = len(world.snapshot.wc_leads)
        print(
            f"\n{label}: {creates:,} leads created, {sf_calls} Salesforce calls in all "
            f"({1000 * sf_calls / creates:.1f} per 1,000 creates, login and describe included)"
        )
        print(f"  bulk ingest jobs: {box.state.counters['salesforce POST /services/data/v59.0/jobs/ingest']}")
        print(
            f"  WhatConverts: {result.wc_requests} requests for {updates:,} changed leads "
            f"({result.wc_requests / updates:.2f} per changed lead); {leads - updates:,} unchanged leads: "
            f"{box.state.count('whatconverts') - result.wc_requests} requests"
        )


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    world = generate_world(12_000, seed=31)
    run(world, bulk_threshold=100_000, label="sObject Collections")
    run(world, bulk_threshold=1_000, label="Bulk API 2.0 above 1,000 creates")


if __name__ == "__main__":
    main()
