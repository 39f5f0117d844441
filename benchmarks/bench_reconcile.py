"""What the user waits for: the pure pipeline and the end-to-end CLI, side by side, with the machine's peak memory.

Run: .venv/bin/python benchmarks/bench_reconcile.py [--persons 100000 1000000] [--repeat 1]

With two or more sizes it ends with the growth exponent of the CLI time (time ~ n^k) beside n log n's.

Per size (worlds generated once and cached as Parquet snapshots under bench-data/, not timed):
- pipeline: a fresh process loads the snapshot, runs each stage of `reconcile()` and then writes every
  output `wcsf-recon reconcile` writes (`Reconciliation.write`: links, plan, report CSVs, workbook);
- CLI: `wcsf-recon reconcile --snapshot W --out O` as a subprocess (load + reconcile + write), timed
  from outside.
Both run with Python's compiled-module cache on (`PYTHONDONTWRITEBYTECODE` removed from their
environment, as the Makefile does), after one untimed import of the CLI's modules: an installed
package has its bytecode (pip compiles it; Python caches it on the first run), and a shell that sets
the variable made every timed run compile pandas, DuckDB, ... from source again (3-4 s of each CLI run).
Peak memory is the machine's: every 50 ms the resident set sizes of the process and all its descendants
are summed and the largest sum kept; near that peak, at most once a second, their proportional set sizes
too (PSS: a page shared by a forked worker counts once, split between the processes). Peak RSS is an
upper bound (it counts shared pages twice); PSS, read less often because reading it slows the process it
measures (`TreeMemory`), may miss the very top by a little.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench-data"


def machine() -> str:
    """One line describing where the figures come from."""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}, "
        f"load average {load:.1f} at start"
    )


class TreeMemory:
    """Samples a process tree's summed RSS and PSS in a thread; `peak_rss`/`peak_pss` in bytes.

    RSS (`/proc/PID/statm`, a counter read) every `interval`; PSS (`smaps_rollup`, a walk of every page
    table, which holds the process's memory map lock while it runs) at most every `pss_interval` and only
    near the RSS peak. Reading PSS every 50 ms slowed the 1,000,000-person CLI it measured: 55.3 and 54.0 s
    against 48.9 and 49.8 s with PSS once a second, alternating (2026-12-04); unmeasured the CLI took 51.4 and
    48.2 s, under this sampler 48.6 and 53.8 s (the machine's own spread is about 3 s). Peaks agree within 0.2 GB.
    """

    def __init__(self, pid: int, interval: float = 0.05, pss_interval: float = 1.0) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.pss_interval = pss_interval
        self.peak_rss = self.peak_pss = 0
        self._last_pss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self) -> list[psutil.Process]:
        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def _sample(self) -> None:
        procs = self._tree()
        rss = 0
        for proc in procs:
            try:
                rss += proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        self.peak_rss = max(self.peak_rss, rss)
        now = time.monotonic()
        if rss < 0.95 * self.peak_rss or now - self._last_pss < self.pss_interval:
            return
        self._last_pss = now
        pss = 0
        for proc in procs:
            try:
                info = proc.memory_full_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            pss += getattr(info, "pss", info.rss)
        self.peak_pss = max(self.peak_pss, pss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# what an installed package has: its modules' bytecode, written once and read on every later start
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def warm_bytecode() -> None:
    """Import what the CLI imports once, untimed, so the timed processes read cached bytecode."""
    modules = "wcsf_recon.cli, wcsf_recon.reconcile, wcsf_recon.match.pair_sql, wcsf_recon.tables.workbook, duckdb"
    subprocess.run([sys.executable, "-c", f"import {modules}"], check=True, cwd=ROOT, env=CHILD_ENV)


def measured(cmd: list[str]) -> tuple[float, int, int, str]:
    """(wall seconds, peak tree RSS, peak tree PSS, stdout) of one subprocess."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=CHILD_ENV)
    with TreeMemory(proc.pid) as mem:
        out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    return wall, mem.peak_rss, mem.peak_pss, out


def run_pipeline(persons: int, out: Path) -> dict:
    """Load, run `reconcile()` (its own per-stage timings), then time writing its outputs; in a child process."""
    from wcsf_recon import Config, read_snapshot, reconcile
    from wcsf_recon.process_memory import without_transparent_huge_pages

    without_transparent_huge_pages()  # as the program runs, so its stages add up to the CLI's
    folder = CACHE / f"world-{persons}"
    figures: dict = {"persons": persons}
    start = time.perf_counter()
    snap = read_snapshot(folder)
    figures["load_s"] = time.perf_counter() - start
    figures["rows"] = snap.counts()
    start = time.perf_counter()
    recon = reconcile(snap, Config())
    figures["pipeline_s"] = time.perf_counter() - start
    figures["stages"] = {k: round(v, 2) for k, v in recon.timings.items()}
    start = time.perf_counter()
    recon.write(out)  # what `wcsf-recon reconcile` writes
    figures["write_s"] = time.perf_counter() - start
    figures["report_rows"] = {k: len(v) for k, v in recon.reports.items()} | {"links": len(recon.links)}
    return figures


def make_world(persons: int) -> None:
    """Generate and cache the world for `persons` (its own process: not measured)."""
    from wcsf_recon.synth import generate_world, write_world

    folder = CACHE / f"world-{persons}"
    if not (folder / "manifest.json").exists():
        write_world(generate_world(persons, seed=4242), folder, fmt="parquet")


def _gib(n: int) -> str:
    return f"{n / 2**30:.2f} GB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=1, help="alternating runs per size; medians are printed")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--make", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make_world(args.make)
        return
    if args.child:
        print(json.dumps(run_pipeline(args.child, args.out)))
        return
    print(f"machine: {machine()}")
    cli = str(Path(sys.executable).with_name("wcsf-recon"))
    cli_walls: dict[int, float] = {}
    warm_bytecode()
    for persons in args.persons:
        subprocess.run([sys.executable, __file__, "--make", str(persons)], check=True)
        world = CACHE / f"world-{persons}"
        runs: dict[str, list] = {"pipeline": [], "cli": []}
        for _ in range(args.repeat):
            scratch = Path(tempfile.mkdtemp(prefix="bench-reconcile-"))
            try:
                wall, rss, pss, out = measured(
                    [sys.executable, __file__, "--child", str(persons), "--out", str(scratch / "pipe")]
                )
                runs["pipeline"].append((json.loads(out.strip().splitlines()[-1]), wall, rss, pss))
                wall, rss, pss, _ = measured(
                    [cli, "reconcile", "--snapshot", str(world), "--out", str(scratch / "cli")]
                )
                runs["cli"].append((wall, rss, pss))
            finally:
                shutil.rmtree(scratch, ignore_errors=True)

        def median(values: list[float]) -> float:
            return sorted(values)[len(values) // 2]

        figures = runs["pipeline"][0][0]
        rows = figures["rows"]
        print(
            f"\n{persons:,} people: {rows['wc_leads']:,} WhatConverts leads vs "
            f"{rows['sf_leads'] + rows['sf_contacts'] + rows['sf_opportunities'] + rows['sf_accounts']:,} "
            f"Salesforce records; outputs {figures['report_rows']}"
        )
        pipeline_s = median([f["pipeline_s"] for f, *_ in runs["pipeline"]])
        write_s = median([f["write_s"] for f, *_ in runs["pipeline"]])
        load_s = median([f["load_s"] for f, *_ in runs["pipeline"]])
        for stage in figures["stages"]:
            print(f"  {stage:28s} {median([f['stages'][stage] for f, *_ in runs['pipeline']]):7.2f} s")
        print(f"  {'pipeline (reconcile())':28s} {pipeline_s:7.2f} s")
        print(f"  {'load snapshot':28s} {load_s:7.2f} s")
        print(f"  {'write every output':28s} {write_s:7.2f} s   ({write_s / pipeline_s:.2f}x the pipeline)")
        p_rss = median([r for *_, r, _ in runs["pipeline"]])
        p_pss = median([p for *_, p in runs["pipeline"]])
        print(f"  pipeline process peak: PSS {_gib(p_pss)}, RSS {_gib(p_rss)} (process tree)")
        c_wall = median([w for w, _, _ in runs["cli"]])
        c_rss = median([r for _, r, _ in runs["cli"]])
        c_pss = median([p for _, _, p in runs["cli"]])
        cli_walls[persons] = c_wall
        walls = sorted(w for w, _, _ in runs["cli"])
        peaks = sorted(r for _, r, _ in runs["cli"])
        print(
            f"  CLI `wcsf-recon reconcile`   {c_wall:7.2f} s   machine peak PSS {_gib(c_pss)}, RSS {_gib(c_rss)} "
            f"(median of {args.repeat}; every run {walls[0]:.2f}-{walls[-1]:.2f} s, RSS up to {_gib(peaks[-1])})"
        )
    if len(cli_walls) > 1:
        print(growth_line(cli_walls))


def growth_line(walls: dict[int, float]) -> str:
    """The CLI's cost exponent k (time ~ n^k) from the smallest to the largest size, beside n log n's."""
    (n1, t1), (n2, t2) = min(walls.items()), max(walls.items())
    ratio = math.log(n2 / n1)
    exponent = math.log(t2 / t1) / ratio
    n_log_n = math.log((n2 * math.log(n2)) / (n1 * math.log(n1))) / ratio
    verdict = "no faster than" if exponent <= n_log_n else "FASTER than"
    return (
        f"\ngrowth {n1:,} -> {n2:,} people: CLI time ~ n^{exponent:.2f}; n log n over this range is n^{n_log_n:.2f} "
        f"(grows {verdict} n log n)"
    )


if __name__ == "__main__":
    main()
