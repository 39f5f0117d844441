"""Diagnostics pictures: the evidence waterfall adds up; exact-key links say why they have none."""

from __future__ import annotations

import pandas as pd
import pytest

from wcsf_recon import reconcile
from wcsf_recon.errors import WcsfError
from wcsf_recon.review.diagnostics import evidence_waterfall, link_evidence, score_histogram
from wcsf_recon.synth import generate_world


def test_waterfall_bars_add_up_to_the_match_weight() -> None:
    pair = pd.Series({"cluster": 3, "w_prior": -12.0, "w_first": 6.5, "w_last": 9.0, "w_city": -1.5, "weight": 2.0})
    fig = evidence_waterfall(pair)
    bars = fig.axes[0].patches
    assert len(bars) == 5  # prior, three comparisons, the total
    tops = [b.get_y() + b.get_height() for b in bars[:4]]
    assert tops == [-12.0, -5.5, 3.5, 2.0] and bars[4].get_height() == pytest.approx(pair["weight"])


def test_exact_key_links_have_no_waterfall_and_histogram_covers_rules() -> None:
    recon = reconcile(generate_world(300, seed=4040).snapshot)
    stored = recon.match.person_links[recon.match.person_links["rule"] == "stored_id"]
    with pytest.raises(WcsfError, match="exact key"):
        link_evidence(recon, stored["wc_lead_id"].iloc[0])
    fig = score_histogram(recon)
    rules = {ax.get_ylabel() for ax in fig.axes}
    assert rules == set(recon.review.candidates["rule"].dropna())
