"""Labels measure the matcher: a synthetic world's truth stands in for the reviewer.

Answering the first 200 review-queue items and a random sample of 200 auto-links must give
`evaluate_labels` figures whose confidence intervals hold the figures from labelling every pair
with the truth. World seed and sample seed were fixed before the first evaluation.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from wcsf_recon import evaluate_labels, reconcile
from wcsf_recon.review import sample_auto_links, wilson
from wcsf_recon.synth import generate_world
from wcsf_recon.synth.reviewer import truth_decisions

WORLD_SEED, SAMPLE_SEED = 20261202, 31


@pytest.fixture(scope="module")
def world_recon():
    world = generate_world(6000, seed=WORLD_SEED)
    return world, reconcile(world.snapshot)


def test_wilson_interval_matches_known_values() -> None:
    lo, hi = wilson(95, 100)  # Wilson (1927) / Newcombe (1998) table: 95/100 -> 0.8882 .. 0.9785
    assert math.isclose(lo, 0.8882, abs_tol=5e-4) and math.isclose(hi, 0.9785, abs_tol=5e-4)
    assert wilson(0, 0) != wilson(0, 0)  # nan without observations


def test_sampled_labels_agree_with_truth_within_their_intervals(world_recon) -> None:
    world, recon = world_recon
    queue = recon.reports["review_queue"]
    assert len(queue) >= 200
    truth_all = truth_decisions(world, pd.concat([queue, sample_auto_links(recon, 10**9)]))
    exact = evaluate_labels(recon, truth_all)
    assert exact.auto_link_labels == recon.review.candidates["outcome"].eq("auto_link").sum()

    first = queue.iloc[:200]
    first = queue[queue["wc_lead_ids"].isin(first["wc_lead_ids"])]  # whole clusters
    sample = sample_auto_links(recon, 200, seed=SAMPLE_SEED)
    labels = truth_decisions(world, pd.concat([first, sample]))
    found = evaluate_labels(recon, labels)
    assert found.auto_link_labels == 200

    lo, hi = found.auto_link_precision_ci
    assert lo <= exact.auto_link_precision <= hi, (found.summary(), exact.summary())
    assert hi - lo < 0.1  # informative, not a vacuous interval
    rlo, rhi = found.recall_ci
    assert rlo <= exact.recall <= rhi, (found.summary(), exact.summary())
    rules = found.by_rule.set_index("rule")
    truth_rules = exact.by_rule.set_index("rule")
    checked = 0
    for rule, row in rules[rules["auto_labelled"] >= 30].iterrows():
        assert row["precision_low"] <= truth_rules.at[rule, "precision"] <= row["precision_high"], rule
        checked += 1
    assert checked >= 2
    # the mis-links the truth finds among auto-links are real: the truth-based precision is below 1
    assert exact.auto_link_precision < 1.0
    # thresholds: at the best auto-link threshold the exact precision reaches the target
    at = exact.sweep.set_index("threshold")
    assert at.at[exact.best_auto_link_threshold, "precision"] >= exact.target_precision
    fig = found.plot(0.85, 0.6)
    assert len(fig.axes[0].lines) >= 4
