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
            if len(scores):  # one filled outline, not 40 bar patches: the same picture in two thirds of the time
                counts, _ = np.histogram(scores, bins=bins)
                ax.stairs(counts, bins, fill=True, color=colour, alpha=0.7, label=f"{outcome} ({len(scores):,})")
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
