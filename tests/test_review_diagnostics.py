"""Diagnostics pictures: the score histogram has one panel per rule the matcher used."""

from __future__ import annotations

from wcsf_recon import reconcile
from wcsf_recon.review.diagnostics import score_histogram
from wcsf_recon.synth import generate_world


def test_histogram_covers_every_rule() -> None:
    recon = reconcile(generate_world(300, seed=4040).snapshot)
    fig = score_histogram(recon)
    rules = {ax.get_ylabel() for ax in fig.axes}
    assert rules == set(recon.review.candidates["rule"].dropna())
