"""Extraction: API economy from the sandbox's request log, and Salesforce time and peak memory against size.

Run: .venv/bin/python benchmarks/bench_extract.py
    Serves a synthetic world with about 50,000 WhatConverts leads and 100,000 Salesforce records,
    extracts it with the real clients, and prints requests per service and endpoint.
Run: .venv/bin/python benchmarks/bench_extract.py --salesforce 100000 1000000 [--rest] [--bulk-page 50000]
    Serves an org of N Leads (a generated world's Leads repeated under new Ids) from the sandbox in
    this process; a fresh child process extracts it with the real simple-salesforce client
    (`sync_salesforce`: every page streamed into the state's Parquet partitions, Bulk API 2.0
    chunks of --bulk-page records above 10,000 rows, or REST pages of 2,000 with --rest), then
    loads the tables (`load_salesforce`, what the snapshot needs). Printed per N: the time of each
    step and the child's peak RSS during each (sampled every 10 ms inside it: ru_maxrss would
    count the parent's pages inherited at fork), and its whole process tree's peak RSS and PSS
    sampled from outside every 50 ms, as bench_reconcile measures.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from bench_reconcile import TreeMemory, machine, measured

from wcsf_recon import Config
from wcsf_recon.clients.salesforce import SalesforceCredentials, SalesforceReader
from wcsf_recon.extract import ExtractSettings, ExtractStats, extract, load_salesforce, sync_salesforce
from wcsf_recon.sandbox import Sandbox
from wcsf_recon.synth import generate_world

CREDENTIALS_ENV = "WCSF_BENCH_SF_CREDENTIALS"  # the sandbox's credentials, as JSON, for the child process


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--salesforce", type=int, nargs="*", help="time and memory of Salesforce extraction at N Leads")
    parser.add_argument("--rest", action="store_true", help="read through REST pages, not Bulk API 2.0")
    parser.add_argument("--bulk-page", type=int, default=50_000, help="records per Bulk API 2.0 result chunk")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # the measured extraction, into this state
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rest, args.bulk_page)
        return
    if args.salesforce:
        print(f"machine: {machine()}")
        for n in args.salesforce:
            salesforce_at(n, args.rest, args.bulk_page)
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    run(30_700)  # about 50,000 WhatConverts leads
    run(48_000)  # about 100,000 Salesforce records


def org_of(leads: int):
    """A generated world whose Salesforce Lead table is repeated to `leads` rows under new, unique Ids."""
    snapshot = generate_world(2_000, seed=5150).snapshot
    base = snapshot.sf_leads
    big = base.iloc[[i % len(base) for i in range(leads)]].reset_index(drop=True)
    numbers = pd.Series(range(leads)).astype(str).str.zfill(12)
    big["Id"] = "00Q" + numbers + "AAA"
    big["WhatConverts_Lead_ID__c"] = big["WhatConverts_Lead_ID__c"].where(big.index < len(base), None)
    big["ConvertedOpportunityId"] = big["ConvertedOpportunityId"].where(big.index < len(base), None)
    return dataclasses.replace(snapshot, sf_leads=big)


def salesforce_at(leads: int, rest: bool, bulk_page: int) -> None:
    """Serve an org of `leads` Leads; extract it in a measured child process; print its figures."""
    built = time.perf_counter()
    with Sandbox(org_of(leads)) as box, tempfile.TemporaryDirectory() as state:
        creds = box.salesforce_credentials()
        os.environ[CREDENTIALS_ENV] = json.dumps(
            {"login_url": creds.login_url, "id": creds.client_id, "secret": creds.client_secret, "ca": creds.verify}
        )
        print(f"\n{leads:,} Leads served (sandbox built in {time.perf_counter() - built:.0f} s)")
        cmd = [sys.executable, str(Path(__file__)), "--child", state, "--bulk-page", str(bulk_page)]
        cmd += ["--rest"] if rest else []
        wall, peak_rss, peak_pss, out = measured(cmd)
        os.environ.pop(CREDENTIALS_ENV)
    got = json.loads(out.strip().splitlines()[-1])
    print(
        f"  {got['method']}: {got['rows']:,} rows in {got['pages']} pages, at most {got['rows_held']:,} held at once; "
        f"streamed in {got['sync_s']:.1f} s ({got['rows'] / got['sync_s']:,.0f} rows/s), "
        f"peak RSS while streaming {got['sync_peak_mb']:.0f} MB"
    )
    print(
        f"  load_salesforce (the table as a DataFrame for the snapshot): {got['load_s']:.1f} s, "
        f"peak RSS while loading {got['load_peak_mb']:.0f} MB; whole child {wall:.1f} s, "
        f"tree peak RSS {peak_rss / 2**20:.0f} MB / PSS {peak_pss / 2**20:.0f} MB"
    )


def child(state: Path, rest: bool, bulk_page: int) -> None:
    """The measured extraction: stream every object into `state`, then load it; print figures as JSON."""
    given = json.loads(os.environ[CREDENTIALS_ENV])
    creds = SalesforceCredentials(
        login_url=given["login_url"], client_id=given["id"], client_secret=given["secret"], verify=given["ca"]
    )
    reader = SalesforceReader(creds, bulk_threshold=10**12 if rest else 10_000, bulk_page=bulk_page)
    stats = ExtractStats()
    start = time.perf_counter()
    with TreeMemory(os.getpid(), interval=0.01) as streaming:  # sampled: ru_maxrss would count the parent's pages
        columns = sync_salesforce(reader, Config(), ExtractSettings(state_dir=state), stats)
    sync_s = time.perf_counter() - start
    start = time.perf_counter()
    with TreeMemory(os.getpid(), interval=0.01) as loading:
        tables = load_salesforce(state, columns)
    load_s = time.perf_counter() - start
    figures = {
        "method": stats.sf_methods["Lead"],
        "rows": sum(stats.sf_rows_fetched.values()),
        "pages": sum(stats.sf_pages.values()),
        "rows_held": stats.sf_rows_held,
        "loaded": sum(len(t) for t in tables.values()),
        "sync_s": sync_s,
        "sync_peak_mb": streaming.peak_rss / 2**20,
        "load_s": load_s,
        "load_peak_mb": loading.peak_rss / 2**20,
    }
    print(json.dumps(figures))


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
