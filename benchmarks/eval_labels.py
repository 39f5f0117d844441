"""Labels against truth: answer the first 200 review-queue items and 200 random auto-links as the truth would,
then compare evaluate_labels' estimates (with their 95% intervals) to the figures from labelling every pair.

    .venv/bin/python benchmarks/eval_labels.py [--persons 6000] [--seed 20261202] [--sample-seed 31]
"""

from __future__ import annotations

import argparse
import platform
import time

import pandas as pd

from wcsf_recon import evaluate_labels, reconcile
from wcsf_recon.review import sample_auto_links
from wcsf_recon.synth import generate_world
from wcsf_recon.synth.reviewer import truth_decisions


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--sample-seed", type=int, default=31)
    parser.add_argument("--queue", type=int, default=200)
    parser.add_argument("--sample", type=int, default=200)
    args = parser.parse_args()
    world = generate_world(args.persons, seed=args.seed)
    recon = reconcile(world.snapshot)
    queue = recon.reports["review_queue"]
    exact = evaluate_labels(recon, truth_decisions(world, pd.concat([queue, sample_auto_links(recon, 10**9)])))
    first = queue[queue["wc_lead_ids"].isin(queue.iloc[: args.queue]["wc_lead_ids"])]
    start = time.perf_counter()
    labels = truth_decisions(world, pd.concat([first, sample_auto_links(recon, args.sample, args.sample_seed)]))
    found = evaluate_labels(recon, labels)
    elapsed = time.perf_counter() - start
    print(f"machine: {platform.machine()} {platform.python_version()}; world {args.persons} persons seed {args.seed}")
    print(
        f"queue {len(queue)} items / {queue['wc_lead_ids'].nunique()} clusters; auto-links "
        f"{(recon.review.candidates['outcome'] == 'auto_link').sum()}; labels {len(labels)} ({elapsed:.2f}s)"
    )
    both = found.summary().merge(exact.summary()[["figure", "value"]], on="figure", suffixes=("", "_truth"))
    print(both.round(4).to_string(index=False))
    rules = found.by_rule.merge(exact.by_rule[["rule", "precision"]], on="rule", suffixes=("", "_truth"))
    print(
        rules[["rule", "auto_labelled", "precision", "precision_low", "precision_high", "precision_truth"]]
        .round(4)
        .to_string(index=False)
    )
    if recon.match.model is not None:  # the labels' `same` answers as evidence for the model's m
        from wcsf_recon.review.train import labelled_weights

        _, moved = labelled_weights(recon, labels)
        print("m-probabilities moved by the labels (bits = change of log2 m/u):")
        print(moved[moved["labels"] > 0].round(4).to_string(index=False))


if __name__ == "__main__":
    main()
