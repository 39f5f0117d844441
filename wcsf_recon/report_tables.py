"""What a human must look at: unmatched leads, unexplained revenue, the review queue, Salesforce duplicates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .match import MatchResult
from .plan import Plan
from .tables.frames import isin, join_by

LEAD_COLUMNS = [
    "lead_id",
    "cluster",
    "status",
    "date_created",
    "lead_type",
    "lead_status",
    "contact_name",
    "caller_name",
    "email_address",
    "phone_number",
    "n_email",
    "n_phone",
    "lead_source",
    "lead_medium",
    "lead_campaign",
    "lead_keyword",
]
OPP_COLUMNS = [
    "Id",
    "Name",
    "StageName",
    "Amount",
    "IsWon",
    "IsClosed",
    "CreatedDate",
    "CloseDate",
    "AccountId",
    "ContactId",
    "LeadSource",
]


def _pick(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame[[c for c in columns if c in frame.columns]]


def unmatched_leads(match: MatchResult, plan: Plan, not_creatable: pd.DataFrame) -> pd.DataFrame:
    """Non-spam leads linked to nobody, with what happens to them: create planned, in review, or why not."""
    leads = _pick(match.leads, LEAD_COLUMNS)  # the report's columns only: filtering takes every column it keeps
    linked = set(match.decisions.linked["cluster"])
    out = leads[(leads["cluster"] >= 0).to_numpy() & ~isin(leads["cluster"], linked)].copy()
    review = set(match.decisions.review["cluster"])
    planned = (
        set(plan.salesforce_lead_creates["cluster"].astype(np.int64)) if len(plan.salesforce_lead_creates) else set()
    )
    out["status"] = np.select(
        [isin(out["cluster"], review), isin(out["cluster"], planned), isin(out["cluster"], not_creatable["cluster"])],
        ["in review queue", "create planned", "no valid phone or email"],
        default="not planned",
    )
    return _pick(out, LEAD_COLUMNS).sort_values(["cluster", "date_created"]).reset_index(drop=True)


def unmatched_opportunities(match: MatchResult) -> pd.DataFrame:
    """Opportunities no WhatConverts lead explains: revenue the tracking missed."""
    opps = match.opps_kept
    out = opps[~isin(opps["Id"], match.opp_links["Id"])]
    return _pick(out, OPP_COLUMNS).sort_values("CreatedDate").reset_index(drop=True)


def review_queue(match: MatchResult) -> pd.DataFrame:
    """One row per (cluster, candidate person) that a human must decide, with the reasons and a `decision` to fill."""
    review = match.decisions.review
    if review.empty:
        return pd.DataFrame(
            columns=[
                "cluster",
                "wc_lead_ids",
                "reason",
                "candidate_object",
                "candidate_id",
                "matched_object",
                "matched_id",
                "rule",
                "score",
                "explanation",
                "decision",
            ]
        )
    leads = match.leads[["cluster", "lead_id"]]
    members = leads[isin(leads["cluster"], review["cluster"])]
    ids = join_by(members["cluster"], members["lead_id"])
    people = match.people
    # held clusters (shared lines, nameless repeat callers) have no candidate row
    rows = review["row"].to_numpy() if "row" in review else np.full(len(review), np.nan)
    matched_object = people["sf_object"].reindex(rows).astype(object).to_numpy()
    matched_id = people["sf_id"].reindex(rows).astype(object).to_numpy()
    out = pd.DataFrame(
        {
            "cluster": review["cluster"].to_numpy(),
            "wc_lead_ids": review["cluster"].map(ids).to_numpy(),
            "reason": review["reason"].to_numpy(),
            "candidate_object": review["person_object"].to_numpy(),
            "candidate_id": review["person_id"].to_numpy(),
            "matched_object": matched_object,
            "matched_id": matched_id,
            "rule": review["rule"].to_numpy(),
            "score": review["score"].to_numpy(),
            "explanation": review["explanation"].to_numpy(),
            "decision": "",  # same / different / create, typed in a spreadsheet: `wcsf-recon review --import`
        }
    )
    return out.sort_values(["cluster", "score"], ascending=[True, False]).reset_index(drop=True)


def salesforce_duplicates(match: MatchResult) -> pd.DataFrame:
    """Salesforce records that are the same person as the one linked: who both are, and why they are the same."""
    dups = match.decisions.sf_duplicates.reset_index(drop=True)
    people = match.people.drop_duplicates("sf_id").set_index("sf_id")
    if dups.empty:
        return pd.DataFrame(columns=[*DUPLICATE_COLUMNS])

    def who(ids: pd.Series, prefix: str) -> pd.DataFrame:
        found = people.reindex(ids.to_numpy())
        first = found["n_first"].fillna("").str.title()
        last = found["n_last"].fillna("").str.title()
        return pd.DataFrame(
            {
                f"{prefix}object": found["sf_object"].to_numpy(),
                f"{prefix}name": (first + " " + last).str.strip().replace("", None).to_numpy(),
                f"{prefix}email": found["n_email"].to_numpy(),
                f"{prefix}phone": found["n_phone"].fillna(found["n_mobile"]).to_numpy(),
            }
        )

    record, kept = who(dups["sf_id"], ""), who(dups["duplicate_of"], "duplicate_of_")
    same_email = record["email"].notna() & (record["email"] == kept["duplicate_of_email"])
    same_phone = record["phone"].notna() & (record["phone"] == kept["duplicate_of_phone"])
    names = record["name"].fillna("").str.lower()
    leads = match.leads[["cluster", "lead_id"]]
    members = leads[isin(leads["cluster"], dups["cluster"])]
    lead_ids = dups["cluster"].map(join_by(members["cluster"], members["lead_id"]))
    why = (
        "names agree ("
        + names
        + ")"
        + np.where(same_email, "; same email " + record["email"].fillna(""), "")
        + np.where(same_phone, "; same phone " + record["phone"].fillna(""), "")
        + "; both matched WhatConverts lead(s) "
        + lead_ids.fillna("").astype(str)
        + "; an unconverted Lead, so the link goes to "
        + kept["duplicate_of_object"].fillna("")
        + " "
        + dups["duplicate_of"].astype(str)
    )
    out = pd.concat([dups[["sf_object", "sf_id"]], record.drop(columns="object"), dups[["duplicate_of"]], kept], axis=1)
    out["why"] = why.to_numpy()
    out["wc_lead_ids"] = lead_ids.to_numpy()
    out["cluster"] = dups["cluster"].to_numpy()
    return out[DUPLICATE_COLUMNS]


DUPLICATE_COLUMNS = [
    "sf_object",
    "sf_id",
    "name",
    "email",
    "phone",
    "duplicate_of_object",
    "duplicate_of",
    "duplicate_of_name",
    "duplicate_of_email",
    "duplicate_of_phone",
    "why",
    "wc_lead_ids",
    "cluster",
]


def for_people(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A report as written to its CSV/XLSX: columns that only repeat another are left out.

    In the review queue `matched_object`/`matched_id` equal `candidate_object`/`candidate_id`
    except where the candidate was reached through another record (a converted Lead's Contact);
    the file keeps one `found_through` column for those. The in-memory report keeps every column.
    """
    if name != "review_queue" or "matched_id" not in frame.columns:
        return frame
    differs = frame["matched_id"].notna() & (frame["matched_id"] != frame["candidate_id"])
    through = (frame["matched_object"].astype("str") + " " + frame["matched_id"].astype("str")).where(differs, None)
    out = frame.drop(columns=["matched_object", "matched_id"])
    if through.notna().any():  # a column with nothing in it would be noise too
        out.insert(list(out.columns).index("candidate_id") + 1, "found_through", through)
    return out


def build_reports(match: MatchResult, plan: Plan, not_creatable: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """All report tables by file name (without extension)."""
    filtered = _pick(match.opps_filtered, [*OPP_COLUMNS, "filtered_because"])
    return {
        "unmatched_whatconverts_leads": unmatched_leads(match, plan, not_creatable),
        "unmatched_salesforce_opportunities": unmatched_opportunities(match),
        "review_queue": review_queue(match),
        "salesforce_duplicates": salesforce_duplicates(match),
        "filtered_opportunities": filtered.reset_index(drop=True),
    }
