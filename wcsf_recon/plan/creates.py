"""Salesforce Lead creates: one per new person (a cluster with no Salesforce match), never per repeat lead."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import Config
from ..normalize import textvec as tv
from ..normalize.distinct import per_distinct
from ..normalize.names import display_names, fold_names
from ..normalize.textvec import UNSENDABLE, visible_text
from ..tables.frames import id_order, join_by

CREATE_META = ["wc_lead_id", "cluster", "source_lead_ids", "lead_count", "first_name_truncated", "match_note"]
CALLER_ID_LENGTH = 15  # carriers cut caller-ID names at 15 characters: `PETERSON JENNIF`


def _first_per_cluster(frame: pd.DataFrame, column: str) -> pd.Series:
    """The first non-null value of `column` per cluster, in the frame's (date) order."""
    present = frame.dropna(subset=[column])
    return present.drop_duplicates("cluster").set_index("cluster")[column]


def _display(leads: pd.DataFrame, backwards: pd.Series | None = None) -> pd.DataFrame:
    """Display-cased names per lead: typed names as typed (a surname as the email spells it where that is how
    matching read it; first and last exchanged where `backwards`), caller-ID names title-cased."""
    typed = None
    if "contact_name" in leads.columns:  # once per distinct name: a person's repeat leads retype one name
        typed = per_distinct(display_names, visible_text(leads["contact_name"]))
    caller_first = leads["n_first"].str.title()
    caller_last = leads["n_last"].str.title()
    use_typed = (leads["n_name_source"] == "typed").fillna(False)
    first = typed["first"].where(use_typed, caller_first) if typed is not None else caller_first
    last = typed["last"].where(use_typed, caller_last) if typed is not None else caller_last
    if typed is not None:  # a typed surname the person's own email spells otherwise (`Gutiierrez`, gutierrez@)
        respelt = use_typed & typed["last"].notna() & leads["n_last"].notna()
        respelt &= (fold_names(typed["first"]) == leads["n_first"]).fillna(False)
        respelt &= (fold_names(typed["last"]) != leads["n_last"]).fillna(False)
        last = last.mask(respelt, caller_last)
    if backwards is not None and typed is not None:  # `Fitzgerald Carl` where this account's names say so
        flip = (backwards.reindex(leads.index).fillna(False).astype(bool) & use_typed & last.notna()).to_numpy()
        first, last = first.mask(flip, last), last.mask(flip, first)
    single_letter = first.str.len() == 1
    return pd.DataFrame(
        {"first": first.mask(single_letter.fillna(False)), "last": last, "typed": use_typed.astype(int)},
        index=leads.index,
    )


def _untruncated_first(leads: pd.DataFrame, first: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A caller-ID first name cut at 15 characters (`Jennif`) gives way to a fuller one the person's other
    leads carry (`Jennifer`); where none does it stays, marked (`first_name_truncated`) for a human."""
    # a CNAM string is `SURNAME FIRST`: cut when surname, space and first name fill all 15 characters and the
    # first name is its last word (one read FIRST SURNAME, `VIRGINIA STEWAR`, has its surname cut instead)
    length = leads["n_last"].str.len() + 1 + leads["n_first"].str.len()
    cut = (leads["n_name_source"] == "caller").fillna(False) & (length == CALLER_ID_LENGTH).fillna(False)
    if "caller_name" in leads.columns:
        # the last word, by Arrow's regex with Python's `\s` (pandas ran this pattern through `re` per value)
        lower = tv.to_arrow(leads["caller_name"].str.lower())
        ends = tv.to_series(tv.group(lower, r"(?P<w>[a-z]+)" + tv.PY_WHITESPACE + "*$", "w"), leads.index)
        cut &= (ends == leads["n_first"]).fillna(False)
    truncated = pd.Series(False, index=first.index)
    stubs = pd.DataFrame({"cluster": first.index.to_numpy(), "stub": first.str.lower().to_numpy()})
    cut_names = leads.loc[cut, ["cluster", "n_first"]].drop_duplicates().reset_index(drop=True)
    cut_names = cut_names.merge(stubs, on="cluster")
    cut_names = cut_names[cut_names["n_first"] == cut_names["stub"]]  # the create's first name is a cut one
    known = leads[["cluster", "n_first"]].dropna().drop_duplicates().reset_index(drop=True)
    known = known.rename(columns={"n_first": "fuller"})
    found = cut_names.merge(known, on="cluster")
    longer = [f.startswith(c) and len(f) > len(c) for c, f in zip(found["stub"], found["fuller"], strict=True)]
    found = found[np.array(longer, dtype=bool)]
    found = found.assign(n=found["fuller"].str.len()).sort_values("n").drop_duplicates("cluster", keep="last")
    out = first.copy()
    out.loc[found["cluster"].to_numpy()] = found["fuller"].str.title().to_numpy()
    truncated.loc[np.setdiff1d(cut_names["cluster"].to_numpy(), found["cluster"].to_numpy())] = True
    return out, truncated


def _sendable(values: pd.Series) -> pd.Series:
    """Text as it can be sent: without the controls XML 1.0 cannot hold (`\\x00`, `\\x0b`, `\\x1b`, ...;
    `\\t \\n \\r` stay). Salesforce's own client library (wsc, under Data Loader) drops them too."""
    if values.dtype != "str" and values.dtype != object:
        return values
    return values.astype("str").str.replace(UNSENDABLE.pattern, "", regex=True)


def plan_creates(
    new_leads: pd.DataFrame, config: Config, backwards: pd.Series | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(creates, not_creatable) for the leads of clusters that matched nobody.

    The create is built from the cluster's earliest lead that is not a WhatConverts duplicate
    (its attribution is the person's first touch); name, email, phone and company come from the
    earliest lead that has them, typed names preferred over caller-ID names (`backwards`, per lead: a typed
    name this account's records say is written surname first, `names.written_backwards`). A cluster with
    neither a valid phone nor a valid email is not created (nothing to match it by later).
    """
    if new_leads.empty:
        return pd.DataFrame(columns=CREATE_META), pd.DataFrame(columns=["cluster", "reason"])
    leads = new_leads.assign(
        _dup=new_leads["duplicate"].fillna(False).astype(int), _order=id_order(new_leads["lead_id"])
    )
    leads = leads.sort_values(["cluster", "_dup", "date_created", "_order"])
    base = leads.drop_duplicates("cluster").set_index("cluster")
    names = _display(leads, backwards).join(leads["cluster"])
    named = names.dropna(subset=["last"]).sort_values(["typed"], ascending=False, kind="stable")
    named = named.drop_duplicates("cluster").set_index("cluster")
    first_only = names.dropna(subset=["first"]).drop_duplicates("cluster").set_index("cluster")["first"]
    email = _first_per_cluster(leads, "n_email")
    phone = _first_per_cluster(leads, "n_phone")
    company = _first_per_cluster(leads, "contact_company_name") if "contact_company_name" in leads else None
    clusters = base.index
    creatable = email.reindex(clusters).notna() | phone.reindex(clusters).notna()
    groups = leads.groupby("cluster")["lead_id"]
    out = pd.DataFrame(index=clusters)
    out["wc_lead_id"] = base["lead_id"]
    out["source_lead_ids"] = join_by(leads["cluster"], leads["lead_id"])
    out["lead_count"] = groups.size()
    out["FirstName"] = named["first"].reindex(clusters).fillna(first_only.reindex(clusters))
    out["FirstName"], out["first_name_truncated"] = _untruncated_first(leads, out["FirstName"])
    out["LastName"] = named["last"].reindex(clusters).fillna(config.last_name_placeholder)
    out["Company"] = (
        company.reindex(clusters).fillna(config.company_placeholder)
        if company is not None
        else (config.company_placeholder)
    )
    out["Email"] = email.reindex(clusters)
    out["Phone"] = phone.reindex(clusters)
    out["LeadSource"] = config.lead_source_value
    out["Company"] = _sendable(out["Company"])
    for sf_field, wc_column in config.lead_fields.items():
        out[sf_field] = _sendable(base[wc_column]) if wc_column in base.columns else None
    out[config.wc_id_field] = base["lead_id"]
    out = out.reset_index()
    not_creatable = pd.DataFrame({"cluster": clusters[~creatable.to_numpy()], "reason": "no valid phone or email"})
    creates = out[creatable.to_numpy()].reset_index(drop=True)
    creates = creates.sort_values("wc_lead_id", key=lambda s: s.astype(np.int64) if s.str.isdigit().all() else s)
    return creates.reset_index(drop=True), not_creatable
