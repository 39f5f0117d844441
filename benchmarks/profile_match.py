"""Where the match stage spends its time: wall and CPU seconds per step of `match_snapshot`, or a cProfile.

Run: .venv/bin/python benchmarks/profile_match.py --persons 1000000 [--cprofile OUT.prof]

The world is the benchmark's (bench-data/world-N); its normalized snapshot is cached once as a pickle
(bench-data/normalized-N.pkl, not timed) so that only matching is measured. Each step is wrapped in a
timer that records wall seconds and the process's CPU seconds (all threads: DuckDB, Arrow); a step
that calls another counts it too (the printout is indented by depth). CPU above wall means both cores.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import pickle
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench-data"

# (module, function) pairs timed, looked up where the caller finds them
STEPS = [
    ("wcsf_recon.match", "sf_people"),
    ("wcsf_recon.match", "_restore_postal_codes"),
    ("wcsf_recon.match", "caller_ids_first_name_first"),
    ("wcsf_recon.match", "cut_place_caller_ids"),
    ("wcsf_recon.match", "cluster_leads"),
    ("wcsf_recon.match.cluster", "find_conflicted_keys"),
    ("wcsf_recon.match.cluster", "components"),
    ("wcsf_recon.match.cluster", "_name_place_keys"),
    ("wcsf_recon.match.cluster", "_with_reordered_names"),
    ("wcsf_recon.match", "cluster_names"),
    ("wcsf_recon.match", "fit_model"),
    ("wcsf_recon.match.model", "wc_units"),
    ("wcsf_recon.match.model", "train"),
    ("wcsf_recon.match.model", "term_frequencies"),
    ("wcsf_recon.match.model", "_households"),
    ("wcsf_recon.match.model.pair_sql", "SalesforceCodes"),
    ("wcsf_recon.match.model.pair_sql", "score"),
    ("wcsf_recon.match", "link_clusters"),
    ("wcsf_recon.match.shards", "exact_pairs"),
    ("wcsf_recon.match.shards", "fuzzy_pairs"),
    ("wcsf_recon.match.shards", "model_pairs"),
    ("wcsf_recon.match.shards", "decide"),
    ("wcsf_recon.match", "shared_line_orphans"),
    ("wcsf_recon.match", "anonymous_repeat_callers"),
    ("wcsf_recon.match", "join_new_people"),
    ("wcsf_recon.match", "_person_links"),
    ("wcsf_recon.match", "filter_opportunities"),
    ("wcsf_recon.match", "attribute"),
    ("wcsf_recon.match", "_read_first_name_first"),
    ("wcsf_recon.match", "_no_name"),
]

records: list[tuple[float, int, str, float, float]] = []
_depth = [0]


def timed(name: str, func: Callable) -> Callable:
    """`func`, recording (start, depth, name, wall, cpu) of every call."""

    @wraps(func)
    def wrapper(*args: object, **kwargs: object) -> object:
        _depth[0] += 1
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return func(*args, **kwargs)
        finally:
            _depth[0] -= 1
            records.append((wall, _depth[0], name, time.perf_counter() - wall, time.process_time() - cpu))

    return wrapper


def install() -> None:
    """Wrap every step of STEPS where its caller looks it up."""
    for module_name, func in STEPS:
        if ".pair_sql" in module_name:
            module = importlib.import_module("wcsf_recon.match.model").pair_sql
        else:
            module = importlib.import_module(module_name)
        setattr(module, func, timed(func, getattr(module, func)))


def normalized(persons: int) -> Any:  # a NormalizedSnapshot
    """The world's normalized snapshot, normalized once and cached as a pickle."""
    from wcsf_recon import Config, read_snapshot
    from wcsf_recon.normalize import normalize_snapshot

    path = CACHE / f"normalized-{persons}.pkl"
    if path.exists():
        with path.open("rb") as f:
            return pickle.load(f)
    norm = normalize_snapshot(read_snapshot(CACHE / f"world-{persons}"), Config())
    with path.open("wb") as f:
        pickle.dump(norm, f, protocol=5)
    return norm


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--cprofile", type=Path, help="write a cProfile of match_snapshot here instead of timers")
    args = parser.parse_args()
    from wcsf_recon import Config

    norm = normalized(args.persons)
    config = Config()
    from wcsf_recon import match as match_module

    if args.cprofile:
        profile = cProfile.Profile()
        profile.enable()
        match_module.match_snapshot(norm, config, config.model_settings())
        profile.disable()
        profile.dump_stats(args.cprofile)
        return
    install()
    wall, cpu = time.perf_counter(), time.process_time()
    match_module.match_snapshot(norm, config, config.model_settings())
    total_wall, total_cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"match_snapshot at {args.persons:,} people: wall {total_wall:.1f} s, CPU {total_cpu:.1f} s")
    for _, depth, name, w, c in sorted(records):  # in the order the calls started
        print(f"{'  ' * depth}{name:<{36 - 2 * depth}} wall {w:7.2f} s  CPU {c:7.2f} s")


if __name__ == "__main__":
    main()
