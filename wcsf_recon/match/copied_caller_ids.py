"""Salesforce Leads a rep named after a call's caller ID, held for review beside that call (issue 11).

A rep who takes a call and types a Lead from it often copies the caller ID as the name (`Wireless Caller`,
`Upper Darby Pa`) and takes down an email but no working phone. The call then shares no key with the Lead,
and would become a nameless create beside it. The evidence a careful reconciler reads is the copy itself:
the Lead's name is the call's caller ID, written in the call's postal code, within days after the call.
That is not proof (two callers of one rate centre show one caller ID), so the pair goes to the review
queue, never to a link: only where exactly one such call and exactly one such Lead meet, the call's
person has no name or email of its own, and the Lead has no phone that could have said otherwise.
"""

from __future__ import annotations

import pandas as pd

from ..normalize.names import fold_names
from ..normalize.postal import postal_key

MAX_DAYS_AFTER = 7  # a rep types the Lead the day of the call or soon after
REVIEW_COLUMNS = ["cluster", "row", "rule", "key", "score", "person_object", "person_id", "explanation", "reason"]


def copied_caller_ids(leads: pd.DataFrame, people: pd.DataFrame, taken: set[int]) -> pd.DataFrame:
    """Review rows (cluster, the record's `row`, ...) for nameless, emailless callers matched to nobody whose
    caller ID is the name of one phoneless Salesforce record of their postal code, made within
    `MAX_DAYS_AFTER` days after the call."""
    empty = pd.DataFrame(columns=REVIEW_COLUMNS)
    needed = {"caller_name", "date_created", "n_email", "n_first", "n_last", "cluster"}
    if not needed <= set(leads.columns) or "placeholder_name" not in people.columns:
        return empty
    copied = people["placeholder_name"].notna() & people["n_phone"].isna() & people["n_mobile"].isna()
    copied &= people["postal"].notna()
    if not copied.any():
        return empty
    live = leads[(leads["cluster"] >= 0) & ~leads["cluster"].isin(taken)]
    # persons known by nothing but calls: no email, no name on any lead
    said = live["n_email"].notna() | live["n_first"].notna() | live["n_last"].notna()
    live = live[~live["cluster"].isin(set(live.loc[said, "cluster"]))]
    calls = live[live["caller_name"].notna()]
    if calls.empty:
        return empty
    postal = calls["zip"] if "zip" in calls.columns else pd.Series(None, index=calls.index, dtype="str")
    if "caller_zip" in calls.columns:
        postal = postal.fillna(calls["caller_zip"])
    call_keys = pd.DataFrame(
        {
            "cluster": calls["cluster"].to_numpy(),
            "name": fold_names(calls["caller_name"]).to_numpy(),
            "postal": postal_key(postal).to_numpy(),
            "called": calls["date_created"].to_numpy(),
            "caller_id": calls["caller_name"].str.strip().to_numpy(),
        }
    ).dropna(subset=["name", "postal", "called"])
    records = people[copied]
    record_keys = pd.DataFrame(
        {
            "row": records.index.to_numpy(),
            "name": records["placeholder_name"].to_numpy(),
            "postal": records["postal"].to_numpy(),
            "created": records["created"].to_numpy(),
        }
    )
    met = call_keys.merge(record_keys, on=["name", "postal"])
    after = (met["created"] - met["called"]).dt.total_seconds()
    met = met[(after >= 0) & (after <= MAX_DAYS_AFTER * 86400)]
    met = met.drop_duplicates(["cluster", "row"])
    met = met[~met["cluster"].duplicated(keep=False) & ~met["row"].duplicated(keep=False)]  # one each way
    if met.empty:
        return empty
    rows = met["row"].to_numpy()
    obj = people["sf_object"].to_numpy(dtype=object)[rows]
    sf_id = people["sf_id"].to_numpy(dtype=object)[rows]
    days = (after[met.index] / 86400).round(1).to_numpy()
    return pd.DataFrame(
        {
            "cluster": met["cluster"].to_numpy(),
            "row": rows,
            "rule": "copied_caller_id",
            "key": met["caller_id"].to_numpy(),
            "score": 0.0,
            "person_object": people["person_object"].to_numpy(dtype=object)[rows],
            "person_id": people["person_id"].to_numpy(dtype=object)[rows],
            "explanation": [
                f"{o} {i} is named after this call's caller ID {c} (postal code {p}), made {d} days after the call, "
                "and has no phone: a rep may have typed it from this call"
                for o, i, c, p, d in zip(obj, sf_id, met["caller_id"], met["postal"], days, strict=True)
            ],
            "reason": "a Salesforce record named after this call's caller ID, made just after it: same person?",
        }
    )
