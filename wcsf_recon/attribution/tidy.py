"""One tidy frame joining leads, people and opportunities with their attribution, for analysts to group.

Rows are WhatConverts leads (spam and WhatConverts duplicates excluded unless asked for), with:
the person they belong to (`person`: the linked Salesforce person, else the WhatConverts
cluster), whether that person is in Salesforce, the attribution columns, and — on the lead an
opportunity was credited to — that opportunity's id, amount, stage, won flag and dates.
A person with several leads and opportunities appears on several rows; `first_touch` and
`last_touch` mark the person's earliest and latest lead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..reconcile import Reconciliation

ATTRIBUTION = ["lead_source", "lead_medium", "lead_campaign", "lead_keyword", "lead_type", "landing_url", "gclid"]
OPP_COLUMNS = ["Id", "Amount", "StageName", "IsWon", "IsClosed", "CreatedDate", "CloseDate"]


def tidy_frame(recon: Reconciliation, include_spam: bool = False, include_duplicates: bool = False) -> pd.DataFrame:
    """Leads x people x credited opportunities (one row per lead, or per lead and credited opportunity)."""
    leads = recon.match.leads
    keep = leads["cluster"].to_numpy() >= 0
    if not include_spam:
        keep &= ~leads["spam"].fillna(False).astype(bool).to_numpy()
    if not include_duplicates:
        keep &= ~leads["duplicate"].fillna(False).astype(bool).to_numpy()
    cols = ["lead_id", "date_created", "cluster", *[c for c in ATTRIBUTION if c in leads.columns]]
    frame = leads.loc[keep, cols].rename(columns={"date_created": "lead_date"})
    linked = recon.match.person_links.set_index("wc_lead_id")["person_id"]
    sf_person = frame["lead_id"].map(linked)
    frame["in_salesforce"] = sf_person.notna().to_numpy()
    frame["person"] = sf_person.fillna("wc-" + frame["cluster"].astype(str)).astype("str")
    first = frame.groupby("person")["lead_date"].transform("min")
    last = frame.groupby("person")["lead_date"].transform("max")
    frame["first_touch"] = (frame["lead_date"] == first).to_numpy()
    frame["last_touch"] = (frame["lead_date"] == last).to_numpy()
    frame["leads_of_person"] = frame.groupby("person")["lead_id"].transform("size").to_numpy()
    opps = recon.match.opps_kept[[c for c in OPP_COLUMNS if c in recon.match.opps_kept.columns]]
    credited = recon.match.opp_links[["Id", "lead_id"]].merge(opps, on="Id")
    credited = credited.rename(
        columns={
            "Id": "opportunity_id",
            "Amount": "amount",
            "StageName": "stage",
            "IsWon": "won",
            "IsClosed": "closed",
            "CreatedDate": "opportunity_date",
            "CloseDate": "close_date",
        }
    )
    out = frame.merge(credited, on="lead_id", how="left")
    out["won"] = out["won"].fillna(False).astype(bool)
    out["amount"] = out["amount"].astype(float)
    out["won_amount"] = np.where(out["won"], out["amount"].fillna(0.0), 0.0)
    return out.drop(columns="cluster").reset_index(drop=True)
