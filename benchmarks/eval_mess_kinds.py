"""Which kind of outside mess costs the matcher what: each kind alone, then all together, on tuning seeds.

Run: .venv/bin/python benchmarks/eval_mess_kinds.py [--seeds 100-109] [--persons 2000] [--profiles outside,...]
Prints, per mess profile (`classic`, each kind of `wcsf_recon.synth.outside.Mess` alone at its
`outside` rate, and `outside`), the mean and worst of the accuracy figures over the seeds; then,
for the `outside` worlds, how many errors of each type involve a person a kind of mess touched.
Use tuning seeds only: the held-out seeds (20261201, 950-969) are for the final measurement.
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np
import pandas as pd

from wcsf_recon import reconcile
from wcsf_recon.synth import generate_world
from wcsf_recon.synth.evaluate import evaluate, misses
from wcsf_recon.synth.outside import Mess
from wcsf_recon.synth.world import World

COLUMNS = {
    "person_link_precision": "link P",
    "person_link_recall_reachable": "link R (reachable)",
    "opp_precision": "opp P",
    "opp_recall": "opp R",
    "create_error_rate": "create errors",
    "create_error_rate_with_evidence": "of which with evidence",
    "create_error_rate_without_evidence": "of which without",
    "missed_new_people_rate": "missed creates",
    "sales_value_person_agreement": "sales_value",
}
ERRORS = (
    "create_error_rate",
    "create_error_rate_with_evidence",
    "create_error_rate_without_evidence",
    "missed_new_people_rate",
)


def touched_kinds(world: World) -> dict[int, set[str]]:
    """Person id -> the kinds of outside mess on any of their records."""
    log = world.mess_log
    lead_person = world.wc_truth.set_index("lead_id")["person_id"]
    sf_person = world.sf_truth.set_index("Id")["person_id"]
    person = np.select(
        [log["system"] == "wc", log["system"] == "sf"],
        [log["record_id"].map(lead_person), log["record_id"].map(sf_person)],
        pd.to_numeric(log["record_id"], errors="coerce"),
    )
    out: dict[int, set[str]] = {}
    for kind, p in zip(log["kind"], person, strict=True):
        if pd.notna(p):
            out.setdefault(int(p), set()).add(kind)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="100-109", help="first-last tuning seeds")
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--profiles", default="", help="comma-separated subset: classic, outside, or kinds of Mess")
    args = parser.parse_args()
    lo, hi = (int(x) for x in args.seeds.split("-"))
    seeds = range(lo, hi + 1)
    profiles: dict[str, str | Mess] = {"classic": "classic", **{k: Mess.only(k) for k in Mess.kinds()}}
    profiles["outside"] = "outside"
    if args.profiles:
        wanted = args.profiles.split(",")
        unknown = set(wanted) - set(profiles)
        if unknown:
            parser.error(f"unknown profiles {', '.join(sorted(unknown))}: choose from {', '.join(profiles)}")
        profiles = {name: profiles[name] for name in wanted}
    print(f"{args.persons:,} people, seeds {args.seeds}: mean (worst)\n")
    print("| mess | " + " | ".join(COLUMNS.values()) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    blame: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    for name, mess in profiles.items():
        rows = []
        for seed in seeds:
            world = generate_world(args.persons, seed, mess=mess)
            recon = reconcile(world.snapshot)
            metrics = evaluate(world, recon)
            rows.append([metrics[k] for k in COLUMNS])
            if name == "outside":
                kinds = touched_kinds(world)
                for kind, persons in misses(world, recon)[["kind", "persons"]].itertuples(index=False):
                    totals[kind] += 1
                    hit = set().union(*(kinds.get(p, set()) for p in persons)) or {"(none)"}
                    for k in hit:
                        blame[(kind, k)] += 1
        values = np.array(rows)
        worst = np.where([k in ERRORS for k in COLUMNS], values.max(axis=0), values.min(axis=0))
        cells = [f"{m:.4f} ({w:.4f})" for m, w in zip(values.mean(axis=0), worst, strict=True)]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    if "outside" not in profiles:
        return
    error_types = ("wrong_link", "missed_link", "create_duplicating_sf", "create_repeated", "missed_create")
    print("\nErrors in the `outside` worlds (all seeds), by the kinds of mess on the people involved:\n")
    print("| kind of mess | " + " | ".join(error_types) + " |")
    print("|---" * (len(error_types) + 1) + "|")
    print("| (all errors) | " + " | ".join(str(totals[e]) for e in error_types) + " |")
    for kind in (*Mess.kinds(), "(none)"):
        print(f"| {kind} | " + " | ".join(str(blame[(e, kind)]) for e in error_types) + " |")


if __name__ == "__main__":
    main()
