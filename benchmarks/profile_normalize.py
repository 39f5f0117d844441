"""Where the normalize stage spends its time: wall and CPU seconds per step, summed over calls.

Run: .venv/bin/python benchmarks/profile_normalize.py --persons 1000000

The world is the benchmark's (bench-data/world-N, read once, not timed). First `normalize_snapshot` as the
pipeline runs it (the three tables on two threads), then each table on its own with every step of STEPS
wrapped in `profile_match.timed`, so the per-step figures are not blurred by the other thread.
"""

from __future__ import annotations

import argparse
import importlib
import time
from collections import defaultdict

from profile_match import CACHE, records, timed

STEPS = [  # (module where the caller looks the function up, function)
    ("wcsf_recon.normalize.frame", "normalize_phones"),
    ("wcsf_recon.normalize.phones", "resolve_regions"),
    ("wcsf_recon.normalize.phones", "_normalize_unique"),
    ("wcsf_recon.normalize.phones", "_fast_split"),
    ("wcsf_recon.normalize.phones", "national_numbers_valid"),
    ("wcsf_recon.normalize.phones", "_slow_one"),
    ("wcsf_recon.normalize.frame", "normalize_emails"),
    ("wcsf_recon.normalize.frame", "split_person_names"),
    ("wcsf_recon.normalize.frame", "parse_caller_names"),
    ("wcsf_recon.normalize.frame", "caller_names_as_places"),
    ("wcsf_recon.normalize.frame", "caller_other_reading"),
    ("wcsf_recon.normalize.frame", "surname_from_email"),
    ("wcsf_recon.normalize.frame", "surname_as_in_email"),
    ("wcsf_recon.normalize.frame", "first_name_as_in_email"),
    ("wcsf_recon.normalize.email_names", "_spelled_in"),
    ("wcsf_recon.normalize.frame", "fold_names"),
    ("wcsf_recon.normalize.frame", "visible_text"),
    ("wcsf_recon.normalize.frame", "_col"),
]


def install() -> None:
    """Wrap every step of STEPS where its caller looks it up."""
    for module_name, func in STEPS:
        module = importlib.import_module(module_name)
        setattr(module, func, timed(func, getattr(module, func)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    args = parser.parse_args()
    from wcsf_recon import Config, read_snapshot
    from wcsf_recon.normalize import frame, normalize_snapshot

    snap = read_snapshot(CACHE / f"world-{args.persons}")
    config = Config()
    start = time.perf_counter()
    normalize_snapshot(snap, config)
    print(f"normalize_snapshot at {args.persons:,} people: wall {time.perf_counter() - start:.1f} s")
    install()
    tables = {
        "wc_leads": lambda: frame.normalize_wc_leads(snap.wc_leads, config),
        "sf_leads": lambda: frame.normalize_sf_people(snap.sf_leads, config, "Country"),
        "sf_contacts": lambda: frame.normalize_sf_people(snap.sf_contacts, config, "MailingCountry"),
    }
    for table, run in tables.items():
        records.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        print(f"{table}: wall {time.perf_counter() - wall:.1f} s, CPU {time.process_time() - cpu:.1f} s")
        total: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        for _, _, name, w, c in records:
            total[name][0] += 1
            total[name][1] += w
            total[name][2] += c
        for name, (calls, w, c) in sorted(total.items(), key=lambda kv: -kv[1][1]):
            print(f"  {name:<28} calls {calls:4d}  wall {w:7.2f} s  CPU {c:7.2f} s")


if __name__ == "__main__":
    main()
