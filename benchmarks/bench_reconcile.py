"""Reconciliation time and peak memory per stage on synthetic worlds of 100,000 and 1,000,000 people.

Run: .venv/bin/python benchmarks/bench_reconcile.py [--persons 100000 1000000]
Worlds are generated once and cached as Parquet snapshots under bench-data/ (not timed).
Each size runs in a fresh process so peak memory (ru_maxrss) belongs to that size alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

CACHE = Path(__file__).resolve().parents[1] / "bench-data"


def machine() -> str:
    """One line describing where the figures come from."""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def _rss_mib() -> float:
    """Peak resident memory of this process, or of a forked worker if that was higher.

    Matching forks one worker (copy-on-write); its pages shared with this process are counted
    in both, so the larger of the two is the honest peak for the machine.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, child) / 1024


def run_one(persons: int) -> dict:
    """Load (or build) the world, then time each stage; called in a child process."""
    from wcsf_recon import Config, read_snapshot
    from wcsf_recon.match import match_snapshot
    from wcsf_recon.normalize import normalize_snapshot
    from wcsf_recon.plan import build_plan
    from wcsf_recon.reports import build_reports

    folder = CACHE / f"world-{persons}"
    figures: dict = {"persons": persons}
    start = time.perf_counter()
    snap = read_snapshot(folder)
    figures["load_s"] = time.perf_counter() - start
    figures["rows"] = snap.counts()
    base_rss = _rss_mib()
    config = Config()
    stages = {}
    total = time.perf_counter()
    start = time.perf_counter()
    norm = normalize_snapshot(snap, config)
    stages["normalize"] = (time.perf_counter() - start, _rss_mib())
    start = time.perf_counter()
    match = match_snapshot(norm, config)
    stages["match"] = (time.perf_counter() - start, _rss_mib())
    start = time.perf_counter()
    plan, not_creatable = build_plan(match, config)
    stages["plan"] = (time.perf_counter() - start, _rss_mib())
    start = time.perf_counter()
    build_reports(match, plan, not_creatable)
    stages["reports"] = (time.perf_counter() - start, _rss_mib())
    figures["reconcile_s"] = time.perf_counter() - total
    figures["stages"] = {k: {"seconds": round(s, 2), "peak_rss_mib": round(m)} for k, (s, m) in stages.items()}
    figures["rss_after_load_mib"] = round(base_rss)
    figures["peak_rss_mib"] = round(_rss_mib())
    return figures


def make_world(persons: int) -> None:
    """Generate and cache the world for `persons` (its own process: not measured)."""
    from wcsf_recon.synth import generate_world, write_world

    folder = CACHE / f"world-{persons}"
    if not (folder / "manifest.json").exists():
        write_world(generate_world(persons, seed=4242), folder, fmt="parquet")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--make", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make_world(args.make)
        return
    if args.child:
        print(json.dumps(run_one(args.child)))
        return
    print(f"machine: {machine()}")
    results = []
    for persons in args.persons:
        subprocess.run([sys.executable, __file__, "--make", str(persons)], check=True)
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(persons)], capture_output=True, text=True, check=True
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(figures)
        rows = figures["rows"]
        print(
            f"\n{persons:,} people: {rows['wc_leads']:,} WhatConverts leads vs "
            f"{rows['sf_leads'] + rows['sf_contacts'] + rows['sf_opportunities'] + rows['sf_accounts']:,} "
            f"Salesforce records (load {figures['load_s']:.1f} s, not counted)"
        )
        for stage, f in figures["stages"].items():
            print(f"  {stage:10s} {f['seconds']:7.2f} s   peak RSS {f['peak_rss_mib']:7,} MiB")
        print(f"  {'total':10s} {figures['reconcile_s']:7.2f} s   peak RSS {figures['peak_rss_mib']:7,} MiB")
    if len(results) > 1:
        a, b = results[0], results[-1]
        print(f"\ntime ratio {b['reconcile_s'] / a['reconcile_s']:.1f}x for {b['persons'] / a['persons']:.0f}x people")


if __name__ == "__main__":
    main()
