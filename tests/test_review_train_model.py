"""Reviewers' answers move the probabilistic model's m-probabilities (truth as the reviewer)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wcsf_recon import Config, normalize_snapshot, reconcile
from wcsf_recon.match import match_snapshot
from wcsf_recon.review import sample_auto_links
from wcsf_recon.review.train import labelled_weights
from wcsf_recon.synth import generate_world
from wcsf_recon.synth.reviewer import truth_decisions


def test_labels_move_m_and_the_next_match_uses_them() -> None:
    world = generate_world(1500, seed=20261203)
    recon = reconcile(world.snapshot)
    assert recon.match.model is not None
    queue = recon.reports["review_queue"]
    labels = truth_decisions(world, pd.concat([queue, sample_auto_links(recon, 200, seed=5)]))
    weights, table = labelled_weights(recon, labels)
    same = int((labels["decision"] == "same").sum())
    counted = table.groupby("comparison")["labels"].sum()
    assert 0 < counted.max() <= same  # each labelled true pair counted once per comparison (present values)
    moved = table[table["labels"] > 0]
    assert (moved["m_after"] != moved["m_before"]).any()
    for name, m in weights.m.items():
        assert np.isclose(sum(m), sum(recon.match.model.weights.m[name]))  # still a distribution
    assert weights.u == recon.match.model.weights.u  # u needs no labels
    again = match_snapshot(normalize_snapshot(world.snapshot, Config()), Config(), weights=weights)
    assert again.model is not None and again.model.weights.m == weights.m  # the next run scores with them
