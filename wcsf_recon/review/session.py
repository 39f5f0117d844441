"""The Python API every review front end uses (notebook widget, terminal, tests): one cluster at a time.

A session walks items in the review-queue shape (the queue itself, or a sample of auto-links),
shows each cluster's leads and candidates side by side, and appends each answer to the decisions
file at once, so stopping anywhere loses nothing and the next session resumes where this one stopped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .decisions import append_decisions, decision_row, read_decisions

if TYPE_CHECKING:
    from ..reconcile import Reconciliation

LEAD_FIELDS = [
    "lead_id",
    "date_created",
    "lead_type",
    "lead_status",
    "contact_name",
    "caller_name",
    "email_address",
    "phone_number",
    "contact_company_name",
    "city",
    "lead_source",
]
CANDIDATE_FIELDS = ["sf_object", "sf_id", "n_first", "n_last", "n_email", "n_phone", "n_mobile", "n_company", "city"]


@dataclass
class ReviewItem:
    """One cluster to decide: its leads and its candidates (with the matcher's evidence)."""

    wc_lead_ids: str
    reason: str
    leads: pd.DataFrame
    candidates: pd.DataFrame  # candidate_id, object, names, email, phone, rule, score, explanation


class ReviewSession:
    """Walk review items one cluster at a time; `answer` records a decision in `decisions_path` immediately."""

    def __init__(
        self,
        recon: Reconciliation,
        decisions_path: str | Path,
        who: str | None = None,
        items: pd.DataFrame | None = None,
    ) -> None:
        self.recon = recon
        self.path = Path(decisions_path)
        self.who = who or os.environ.get("USER") or "unknown"
        self.items = recon.reports["review_queue"] if items is None else items

    def pending(self) -> list[str]:
        """Clusters (by `wc_lead_ids`) still without a same/create answer and with a candidate not ruled out."""
        done = read_decisions(self.path)
        settled = set(done.loc[done["decision"] != "different", "wc_lead_ids"])
        ruled_out = set(zip(done["wc_lead_ids"], done["candidate_id"], strict=True))
        out: list[str] = []
        for ids, group in self.items.groupby("wc_lead_ids", sort=False):
            if ids in settled:
                continue
            candidates = group["candidate_id"].dropna()
            if len(candidates) and all((ids, c) in ruled_out for c in candidates):
                continue
            out.append(str(ids))
        return out

    def item(self, wc_lead_ids: str) -> ReviewItem:
        """The leads and candidates of one cluster, side by side."""
        rows = self.items[self.items["wc_lead_ids"] == wc_lead_ids]
        if rows.empty:
            raise KeyError(f"no review item for WhatConverts leads {wc_lead_ids}")
        leads = self.recon.match.leads
        members = leads[leads["lead_id"].astype("str").isin(wc_lead_ids.split(";"))]
        people = self.recon.match.people
        candidates = rows[rows["candidate_id"].notna()]
        details = people[people["sf_id"].isin(candidates["matched_id"])].set_index("sf_id")
        shown = candidates[["candidate_id", "candidate_object", "matched_id", "rule", "score", "explanation"]].join(
            details[[c for c in CANDIDATE_FIELDS if c in details.columns and c != "sf_id"]], on="matched_id"
        )
        return ReviewItem(
            wc_lead_ids=wc_lead_ids,
            reason=str(rows["reason"].iloc[0]),
            leads=members[[c for c in LEAD_FIELDS if c in members.columns]].reset_index(drop=True),
            candidates=shown.reset_index(drop=True),
        )

    def answer(self, wc_lead_ids: str, decision: str, candidate_id: str | None = None, note: str = "") -> dict:
        """Record one answer: `same`/`different` a candidate, or `create` for the whole cluster."""
        row = decision_row(wc_lead_ids, candidate_id, decision, self.who, note)
        append_decisions(self.path, [row])
        return row

    def decisions(self) -> pd.DataFrame:
        """Every answer recorded so far."""
        return read_decisions(self.path)
