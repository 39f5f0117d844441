"""Apply a plan to a snapshot as a fully successful push would, without any network.

Used to check that a reconcile after the changes plans nothing more, and by the sandbox.
"""

from __future__ import annotations

import pandas as pd

from .config import Config
from .plan import Plan
from .plan.creates import CREATE_META
from .tables.frames import isin
from .tables.snapshot import Snapshot


def _new_ids(prefix: str, start: int, count: int) -> list[str]:
    return [f"{prefix}sim{n:09d}AAA" for n in range(start, start + count)]


def apply_plan(
    snapshot: Snapshot, plan: Plan, config: Config | None = None, now: pd.Timestamp | None = None
) -> Snapshot:
    """A new snapshot with the plan's creates, id backfills and WhatConverts updates applied."""
    config = config or Config()
    now = now or pd.Timestamp.now(tz="UTC").floor("s")
    field = config.wc_id_field
    sf_leads = snapshot.sf_leads.copy()
    creates = plan.salesforce_lead_creates
    if len(creates):
        sf_fields = [c for c in creates.columns if c not in CREATE_META]
        new = creates[sf_fields].copy()
        new.insert(0, "Id", _new_ids("00Q", len(sf_leads), len(new)))
        new["IsConverted"] = False
        new["CreatedDate"] = now
        new[field] = creates["wc_lead_id"].astype("str").to_numpy()
        sf_leads = pd.concat([sf_leads, new.astype({c: "str" for c in sf_fields})], ignore_index=True)
    sf_contacts = snapshot.sf_contacts.copy()
    for frame, obj in ((sf_leads, "Lead"), (sf_contacts, "Contact")):
        rows = plan.salesforce_id_backfill[plan.salesforce_id_backfill["sf_object"] == obj]
        if len(rows):
            if field not in frame.columns:
                frame[field] = pd.Series(None, index=frame.index, dtype="str")
            values = rows.set_index("sf_id")["value"]
            hit = isin(frame["Id"], values.index)
            frame.loc[hit, field] = frame.loc[hit, "Id"].map(values)
    wc = snapshot.wc_leads.copy()
    updates = plan.whatconverts_lead_updates
    if len(updates):
        values = updates.set_index("wc_lead_id")
        hit = isin(wc["lead_id"], values.index)
        ids = wc.loc[hit, "lead_id"]
        wc.loc[hit, "quotable"] = "Yes"
        wc.loc[hit, "quote_value"] = ids.map(values["quote_value"].astype(float)).to_numpy()
        wc.loc[hit, "sales_value"] = ids.map(values["sales_value"].astype(float)).to_numpy()
    tables = snapshot.tables()
    tables.update(wc_leads=wc, sf_leads=sf_leads, sf_contacts=sf_contacts)
    return Snapshot(**tables, manifest=dict(snapshot.manifest))
