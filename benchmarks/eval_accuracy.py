"""Accuracy of reconciliation against synthetic ground truth, per seed, as a Markdown table.

Run: .venv/bin/python benchmarks/eval_accuracy.py
Seeds 7-12 (2,000 people) are the ones the matcher was tuned on; 20261127 (3,000 people) is the
held-out seed that tests/test_reconcile_accuracy.py asserts on.
"""

from __future__ import annotations

from wcsf_recon import reconcile
from wcsf_recon.synth import generate_world
from wcsf_recon.synth.evaluate import evaluate

RUNS = [(2000, seed) for seed in range(7, 13)] + [(3000, 20261127)]
COLUMNS = {
    "person_link_precision": "link precision",
    "person_link_recall_reachable": "link recall (reachable)",
    "person_link_recall_overall": "link recall (all in SF)",
    "opp_precision": "opp precision",
    "opp_recall": "opp recall (reachable)",
    "opp_recall_overall": "opp recall (all)",
    "create_error_rate": "create errors",
    "missed_new_people_rate": "missed creates",
    "sales_value_person_agreement": "sales_value agrees",
}


def main() -> None:
    print("| people | seed | " + " | ".join(COLUMNS.values()) + " |")
    print("|---" * (len(COLUMNS) + 2) + "|")
    for persons, seed in RUNS:
        world = generate_world(persons, seed)
        metrics = evaluate(world, reconcile(world.snapshot))
        cells = [f"{metrics[k]:.4f}" for k in COLUMNS]
        label = f"**{seed}** (held out)" if seed == RUNS[-1][1] else str(seed)
        print(f"| {persons:,} | {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
