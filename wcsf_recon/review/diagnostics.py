"""Match diagnostics as pictures: the score distribution per rule, and the review queue's size over runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .labels import candidates_of

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..reconcile import Reconciliation


def score_histogram(recon: Reconciliation) -> Figure:
    """Scores of every candidate pair the matcher kept, one histogram per rule, auto-links and review apart."""
    from matplotlib.figure import Figure

    pairs = candidates_of(recon).dropna(subset=["score"])
    rules = sorted(pairs["rule"].dropna().unique())
    fig = Figure(figsize=(8, max(1.6, 1.3 * len(rules))))
    axes = np.atleast_1d(fig.subplots(max(len(rules), 1), 1, sharex=True))
    bins = np.linspace(0, 1, 41)
    for ax, rule in zip(axes, rules, strict=False):
        group = pairs[pairs["rule"] == rule]
        for outcome, colour in (("auto_link", "tab:blue"), ("review", "tab:orange")):
            scores = group.loc[group["outcome"] == outcome, "score"].astype(float)
            if len(scores):
                ax.hist(scores, bins=bins, color=colour, alpha=0.7, label=f"{outcome} ({len(scores):,})")
        ax.set_ylabel(rule, rotation=0, ha="right", fontsize=8)
        ax.legend(fontsize=7, loc="upper left")
    axes[-1].set_xlabel("score")
    fig.suptitle("Candidate scores per rule")
    fig.tight_layout()
    return fig


def review_queue_history(state_dir: str | Path) -> pd.DataFrame:
    """Per run in STATE/runs.sqlite: when, status, clusters in the review queue, stale decisions."""
    from ..runs import RunLog

    runlog = RunLog(Path(state_dir))
    try:
        rows = runlog.rows()
    finally:
        runlog.close()
    return pd.DataFrame(
        {
            "run_id": [r["run_id"] for r in rows],
            "started": pd.to_datetime([r["started"] for r in rows], utc=True),
            "status": [r["status"] for r in rows],
            "review_queue": [r["summary"].get("review_queue") for r in rows],
            "stale_decisions": [r["summary"].get("stale_decisions") for r in rows],
        }
    )


def review_queue_chart(history: pd.DataFrame) -> Figure:
    """Review queue size (clusters) per run, from `review_queue_history`."""
    from matplotlib.figure import Figure

    known = history.dropna(subset=["review_queue"])
    fig = Figure(figsize=(7, 3))
    ax = fig.subplots()
    ax.plot(range(len(known)), known["review_queue"].astype(int), marker="o")
    ax.set_xticks(range(len(known)), [s.strftime("%m-%d %H:%M") for s in known["started"]], rotation=30, fontsize=7)
    ax.set_ylabel("clusters in review")
    ax.set_title("Review queue over runs")
    fig.tight_layout()
    return fig


def link_evidence(recon: Reconciliation, wc_lead_id: str) -> pd.Series:
    """The scored pair behind a lead's person link, with the model's per-comparison weights (`w_<field>`).

    Links made by an exact key (stored id, email, phone) carry no weights: that is said, not drawn.
    """
    from ..errors import WcsfError

    links = recon.match.person_links
    link = links[links["wc_lead_id"].astype("str") == str(wc_lead_id)]
    if link.empty:
        raise WcsfError(f"WhatConverts lead {wc_lead_id} is not linked to a Salesforce person")
    cluster, rule = int(link["cluster"].iloc[0]), str(link["rule"].iloc[0])
    pairs = recon.match.pairs
    weights = [c for c in pairs.columns if c.startswith("w_")]
    people = recon.match.people
    rows = people.index[people["person_id"] == link["person_id"].iloc[0]]
    found = pairs[(pairs["cluster"] == cluster) & pairs["row"].isin(rows)]
    if not weights or found.empty or found[weights].isna().all(axis=None):
        raise WcsfError(f"lead {wc_lead_id} is linked by rule {rule}: an exact key decides it, no weights to draw")
    return found.dropna(subset=weights, how="all").sort_values("weight", ascending=False).iloc[0]


def evidence_waterfall(pair: pd.Series) -> Figure:
    """The match weight of one pair built up from the prior and each comparison's bits (splink's waterfall)."""
    from matplotlib.figure import Figure

    parts = [(c[2:], float(pair[c])) for c in pair.index if c.startswith("w_") and pd.notna(pair[c])]
    starts = np.cumsum([0.0] + [v for _, v in parts[:-1]])
    fig = Figure(figsize=(7, 3.4))
    ax = fig.subplots()
    colours = ["tab:green" if v >= 0 else "tab:red" for _, v in parts]
    ax.bar([n for n, _ in parts], [v for _, v in parts], bottom=starts, color=colours)
    total = float(sum(v for _, v in parts))
    ax.bar(["match weight"], [total], color="tab:blue")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylabel("bits (log2 odds)")
    ax.set_title(f"Evidence: {total:+.1f} bits")
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    fig.tight_layout()
    return fig
