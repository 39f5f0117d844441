"""Accuracy of reconciliation against synthetic ground truth, per seed and over a held-out batch, as Markdown.

Run: .venv/bin/python benchmarks/eval_accuracy.py [--batch 20] [--scale 100000]
Seeds 7-14 (2,000 people) and 100-129 (2,000 and 3,000 people) are the ones the matcher was tuned on.
20261127 was the held-out seed until its failures were studied; 20261128 (3,000 people) was fixed
before its first evaluation and is the one tests/test_reconcile_accuracy.py asserts on. The batch
(seeds 900 onwards, 3,000 people; `--classic-start`) was never looked at while tuning: it shows the spread a
fresh seed has. Classic seeds 200-239 are tuning seeds for the current generator (true phones valid).
`--scale N` adds one world of N people (seed 5, used to check that changes hold up at scale).
The extended generator (`mess="outside"`: kinds of mess found in real accounts, wcsf_recon/synth/outside.py)
has its own held-out seed 20261201 (3,000 people, fixed 2026-12-01 before its first evaluation; asserted
in tests/test_reconcile_accuracy.py) and its own unseen batch: do not tune on either
(tune with benchmarks/eval_mess_kinds.py on seeds 100-149).
Unseen batches are spent once they have been run: classic 900-949, 1100-1119, 1300-1319, 1500-1519 and
1700-1719, outside 950-1049, 1200-1219, 1400-1419, 1600-1619 and 1800-1819 are spent. The defaults, classic
1900-1919 and outside 2000-2019 (3,000 people each), were fixed on 2026-12-04 right after 1700-1719 and
1800-1819 were run; they are run once, at the end of a round, and then spent too.
Create errors are split into those whose created lead shared some evidence with the person's existing
records (an exact email/phone/visitor id, or surname + first initial in the same city or postal code:
avoidable) and those with none (the data cannot say who they are); see `evaluate._create_error_evidence`.
FEBRL1-4 (public data, not made by our generator; see benchmarks/febrl.py) follow as a second table
unless `--no-febrl`.
"""

from __future__ import annotations

import argparse

import febrl  # benchmarks/febrl.py: this folder is on sys.path when run as a script
import numpy as np

from wcsf_recon import reconcile
from wcsf_recon.synth import generate_world
from wcsf_recon.synth.evaluate import evaluate

HELD_OUT = 20261128
RUNS = [(2000, seed, "") for seed in range(7, 13)] + [
    (3000, 20261127, " (studied)"),
    (3000, HELD_OUT, " (held out)"),
]
BATCH_START = 1900  # fixed 2026-12-04 before its first run; 900-949, 1100-1119, ..., 1700-1719 spent
OUTSIDE_HELD_OUT = 20261201
OUTSIDE_BATCH_START = 2000  # fixed 2026-12-04 before its first run; 950-1049 ... 1800-1819 spent
SCALE_SEED = 5
COLUMNS = {
    "person_link_precision": "link precision",
    "person_link_recall_reachable": "link recall (reachable)",
    "person_link_recall_overall": "link recall (all in SF)",
    "opp_precision": "opp precision",
    "opp_recall": "opp recall (reachable)",
    "opp_recall_overall": "opp recall (all)",
    "create_error_rate": "create errors",
    "create_error_rate_with_evidence": "of which with evidence",
    "create_error_rate_without_evidence": "of which without",
    "missed_new_people_rate": "missed creates",
    "sales_value_person_agreement": "sales_value agrees",
}


def _measure(persons: int, seed: int, mess: str = "classic") -> list[float]:
    world = generate_world(persons, seed, mess=mess)
    metrics = evaluate(world, reconcile(world.snapshot))
    return [metrics[k] for k in COLUMNS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=20, help="held-out seeds to summarise (0: none)")
    parser.add_argument("--scale", type=int, default=0, help="also one world of this many people (seed 5)")
    parser.add_argument(
        "--classic-start",
        type=int,
        default=BATCH_START,
        help="first seed of the classic batch "
        "(1900: 1900-1919 unseen until a round's end; 900-949, 1100-1119, 1300-1319, 1500-1519, 1700-1719 spent)",
    )
    parser.add_argument(
        "--outside-start",
        type=int,
        default=OUTSIDE_BATCH_START,
        help="first seed of the outside batch "
        "(2000: 2000-2019 unseen until a round's end; 950-1049, 1200-1219, 1400-1419, 1600-1619, 1800-1819 spent)",
    )
    parser.add_argument("--outside-batch", type=int, default=None, help="seeds in the outside batch (default: --batch)")
    parser.add_argument("--no-febrl", action="store_true", help="skip the FEBRL rows (benchmarks/febrl.py)")
    args = parser.parse_args()
    print("| people | seed | " + " | ".join(COLUMNS.values()) + " |")
    print("|---" * (len(COLUMNS) + 2) + "|")
    for persons, seed, note in RUNS:
        cells = [f"{v:.4f}" for v in _measure(persons, seed)]
        label = f"**{seed}**{note}" if note else str(seed)
        print(f"| {persons:,} | {label} | " + " | ".join(cells) + " |")
    if args.batch:
        start = args.classic_start
        values = np.array([_measure(3000, seed) for seed in range(start, start + args.batch)])
        seeds = f"{start}-{start + args.batch - 1}"
        for name, stat in (("mean", values.mean(axis=0)), ("worst", _worst(values))):
            print(f"| 3,000 | {seeds} {name} | " + " | ".join(f"{v:.4f}" for v in stat) + " |")
    cells = [f"{v:.4f}" for v in _measure(3000, OUTSIDE_HELD_OUT, "outside")]
    print(f"| 3,000 | **{OUTSIDE_HELD_OUT}** outside mess (held out) | " + " | ".join(cells) + " |")
    outside_batch = args.batch if args.outside_batch is None else args.outside_batch
    if outside_batch:
        start = args.outside_start
        end = start + outside_batch
        values = np.array([_measure(3000, seed, "outside") for seed in range(start, end)])
        for name, stat in (("mean", values.mean(axis=0)), ("worst", _worst(values))):
            label = f"{start}-{end - 1} outside mess {name}"
            print(f"| 3,000 | {label} | " + " | ".join(f"{v:.4f}" for v in stat) + " |")
    if args.scale:
        cells = [f"{v:.4f}" for v in _measure(args.scale, SCALE_SEED)]
        print(f"| {args.scale:,} | {SCALE_SEED} | " + " | ".join(cells) + " |")
    if not args.no_febrl:
        print()
        febrl.main([])


def _worst(values: np.ndarray) -> np.ndarray:
    """Per column the worst seed: the highest error rate, the lowest precision/recall/agreement."""
    errors = np.array([key.startswith(("create_error_rate", "missed_new_people_rate")) for key in COLUMNS])
    return np.where(errors, values.max(axis=0), values.min(axis=0))


if __name__ == "__main__":
    main()
