"""New people who typed their postal code two ways: one create, not two.

A person no Salesforce record matches may still leave two clusters of leads: a chat from `wei haddad` in
Nashville 37275 and calls from `HADDAD WEI` in 37257 (a swapped digit), each with a key the other lacks. Both
would become a Lead. Between *new* people only (clusters linked to nobody and held for nobody), the same surname
and agreeing first names (`first_names_strictly_agree`; a full name also read the other way round, `Phillips
Barbara` typed for `PHILLIPS BARBAR`) in the same city with postal codes one changed or swapped
character apart are one person. Toward a Salesforce record the same test links strangers (two same-name
people one digit apart outnumber the typos there: 24 to 4 on the tuning worlds), so it is not used there; between
new people the typo is the rule (8 to 1). Clusters that each carry an email, none shared, are two people.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..normalize.names import first_names_strictly_agree
from ..normalize.postal import postal_key
from .graph import components

MIN_CODE = 4  # shorter codes leave too few characters for one to be a typo rather than another code


def _place_column(leads: pd.DataFrame, own: str, caller: str) -> pd.Series:
    value = leads[own] if own in leads.columns else pd.Series(None, index=leads.index, dtype="str")
    if caller in leads.columns:
        value = value.fillna(leads[caller])
    return value.astype("str")


def join_new_people(leads: pd.DataFrame, taken: np.ndarray) -> pd.Series:
    """`leads["cluster"]` with the clusters of one new person joined (each to its smallest cluster number).

    `taken` are the clusters linked, in review or held: they are left as they are. Vectorized: only surnames
    that two new clusters share in one city are looked at, and codes one substitution apart meet on the code
    with that character masked, codes one swap apart on the swapped code (equality joins)."""
    cluster = leads["cluster"]
    codes = cluster.to_numpy(np.int64)
    new = (codes >= 0) & ~np.isin(codes, taken)
    # each name read as written and, where both parts are full names, the other way round: `Phillips Barbara`
    # typed into a form is the `PHILLIPS BARBAR` of a call (`lead` is each reading's lead position)
    both = new & (leads["n_first"].str.len() > 1).fillna(False).to_numpy(bool)
    both &= (leads["n_last"].str.len() > 1).fillna(False).to_numpy(bool)
    swapped = np.flatnonzero(both)
    lead = np.concatenate([np.arange(len(leads)), swapped])
    first = pd.concat([leads["n_first"], leads["n_last"].iloc[swapped]], ignore_index=True)
    last = pd.concat([leads["n_last"], leads["n_first"].iloc[swapped]], ignore_index=True)
    ok = new[lead] & (first.str.len() > 1).fillna(False).to_numpy(bool) & last.notna().to_numpy(bool)
    if not ok.any():
        return cluster
    at = np.flatnonzero(ok)
    city = _place_column(leads.iloc[lead[at]], "city", "caller_city").str.lower().str.strip()
    city_codes, _ = pd.factorize(city)
    last_codes, lasts = pd.factorize(last.iloc[at])
    group = np.where(city_codes >= 0, city_codes.astype(np.int64) * len(lasts) + last_codes, -1)
    group[(city == "").fillna(True).to_numpy(bool)] = -1
    # only (city, surname) groups that two new clusters share
    pair = pd.DataFrame({"group": group, "cluster": codes[lead[at]]})
    shared = pair[pair["group"] >= 0].drop_duplicates()["group"].value_counts()
    inside = np.isin(group, shared.index[shared.to_numpy() > 1])
    if not inside.any():
        return cluster
    at, group = at[inside], group[inside]
    postal = postal_key(_place_column(leads.iloc[lead[at]], "zip", "caller_zip"))
    fine = (postal.str.len() >= MIN_CODE).fillna(False).to_numpy(bool)
    units = pd.DataFrame(
        {
            "cluster": codes[lead[at[fine]]],
            "group": group[fine],
            "first": first.iloc[at[fine]].to_numpy(dtype=object),
            "postal": postal[fine].to_numpy(dtype=object),
        }
    ).drop_duplicates(ignore_index=True)
    if units.empty:
        return cluster
    pairs = _one_typo_apart(units)
    if pairs.empty:
        return cluster
    agree = [
        first_names_strictly_agree(a, b)
        for a, b in zip(pairs["first_a"].to_numpy(dtype=object), pairs["first_b"].to_numpy(dtype=object), strict=True)
    ]
    pairs = pairs[np.array(agree, dtype=bool)].drop_duplicates(["cluster_a", "cluster_b"])
    if pairs.empty:
        return cluster
    pairs = pairs[~_both_write_other_emails(leads, codes, pairs)]
    if pairs.empty:
        return cluster
    ends = np.concatenate([pairs["cluster_a"].to_numpy(np.int64), pairs["cluster_b"].to_numpy(np.int64)])
    nodes, node_of = np.unique(ends, return_inverse=True)
    labels = components(len(nodes), node_of, np.tile(np.arange(len(pairs)), 2))
    out = codes.copy()
    hit = np.flatnonzero(np.isin(codes, nodes))
    out[hit] = nodes[labels[np.searchsorted(nodes, codes[hit])]]
    return pd.Series(out, index=cluster.index, name=cluster.name)


def _one_typo_apart(units: pd.DataFrame) -> pd.DataFrame:
    """Pairs of units (cluster, group, first, postal) of one group and two clusters whose postal codes are one
    changed or one swapped pair of neighbouring characters apart: columns cluster_, first_, suffixed _a / _b."""
    text = units["postal"].astype("str")
    width = int(text.str.len().max())
    left, right = [], []
    for i in range(width):  # a substitution at i: equal with character i masked (the length kept)
        masked = text.str.slice(0, i) + "\x00" + text.str.slice(i + 1)
        left.append(masked.where(text.str.len() > i))
        right.append(left[-1])
    for i in range(width - 1):  # a swap at i: the one code swapped there is the other
        swapped = text.str.slice(0, i) + text.str.slice(i + 1, i + 2) + text.str.slice(i, i + 1) + text.str.slice(i + 2)
        left.append(swapped.where((text.str.len() > i + 1) & (swapped != text)))
        right.append(text)
    n = len(units)
    rows = np.tile(np.arange(n), len(left))
    key_a, key_b = pd.concat(left, ignore_index=True), pd.concat(right, ignore_index=True)
    codes, _ = pd.factorize(pd.concat([key_a, key_b], ignore_index=True))
    group = np.tile(units["group"].to_numpy(np.int64), len(left))
    a = pd.DataFrame({"row_a": rows, "group": group, "key": codes[: len(rows)]})
    b = pd.DataFrame({"row_b": rows, "group": group, "key": codes[len(rows) :]})
    a, b = a[a["key"] >= 0], b[b["key"] >= 0].drop_duplicates()
    met = a.merge(b, on=["group", "key"])[["row_a", "row_b"]].drop_duplicates()
    ra, rb = met["row_a"].to_numpy(), met["row_b"].to_numpy()
    cluster, postal = units["cluster"].to_numpy(np.int64), units["postal"].to_numpy(dtype=object)
    keep = (cluster[ra] != cluster[rb]) & (postal[ra] != postal[rb])
    ra, rb = ra[keep], rb[keep]
    lo, hi = np.minimum(cluster[ra], cluster[rb]), np.maximum(cluster[ra], cluster[rb])
    first = units["first"].to_numpy(dtype=object)
    swap = cluster[ra] > cluster[rb]
    return pd.DataFrame(
        {
            "cluster_a": lo,
            "cluster_b": hi,
            "first_a": np.where(swap, first[rb], first[ra]),
            "first_b": np.where(swap, first[ra], first[rb]),
        }
    )


def _both_write_other_emails(leads: pd.DataFrame, codes: np.ndarray, pairs: pd.DataFrame) -> np.ndarray:
    """Per pair: both clusters carry an email and they share none (two people who each wrote their own)."""
    if "n_email" not in leads.columns:
        return np.zeros(len(pairs), dtype=bool)
    wanted = np.union1d(pairs["cluster_a"].to_numpy(np.int64), pairs["cluster_b"].to_numpy(np.int64))
    at = np.isin(codes, wanted) & leads["n_email"].notna().to_numpy(bool)
    emails = pd.DataFrame({"cluster": codes[at], "email": leads["n_email"].to_numpy(dtype=object)[at]})
    by_cluster = emails.groupby("cluster")["email"].agg(frozenset).to_dict()
    out = []
    for a, b in zip(pairs["cluster_a"], pairs["cluster_b"], strict=True):
        ea, eb = by_cluster.get(a), by_cluster.get(b)
        out.append(bool(ea) and bool(eb) and not (ea & eb))
    return np.array(out, dtype=bool)
