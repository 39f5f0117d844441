"""Time of the tidy frame and the by-source table on the 1,000,000-person world.

Run: .venv/bin/python benchmarks/bench_attribution.py (after bench_reconcile.py has cached the world)
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

from wcsf_recon import Config, read_snapshot, reconcile
from wcsf_recon import attribution as at

CACHE = Path(__file__).resolve().parents[1] / "bench-data" / "world-1000000"


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    recon = reconcile(read_snapshot(CACHE), Config())
    start = time.perf_counter()
    tidy = at.tidy_frame(recon)
    tidy_s = time.perf_counter() - start
    start = time.perf_counter()
    table = at.by_channel(tidy, "lead_source")
    table_s = time.perf_counter() - start
    print(
        f"tidy frame: {len(tidy):,} rows in {tidy_s:.2f} s; by-source table ({len(table)} rows) in {table_s:.2f} s; "
        f"together {tidy_s + table_s:.2f} s"
    )


if __name__ == "__main__":
    main()
