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

from ..normalize.postal import postal_key
from ..tables.frames import among
from .codes import column_codes, first_of_each, tuple_codes, within_runs
from .graph import components
from .name_codes import NameCodes

MIN_CODE = 4  # shorter codes leave too few characters for one to be a typo rather than another code


def _place_column(leads: pd.DataFrame, own: str, caller: str, rows: np.ndarray) -> pd.Series:
    """`own`, else `caller`, of the leads at positions `rows` (only those two columns gathered), as text."""
    leads = leads[[c for c in (own, caller) if c in leads.columns]].iloc[rows]
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
    new = (codes >= 0) & ~among(codes, taken)
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
    city = _place_column(leads, "city", "caller_city", lead[at]).str.lower().str.strip()
    city_codes, _ = pd.factorize(city)
    last_codes, lasts = pd.factorize(last.iloc[at])
    group = np.where(city_codes >= 0, city_codes.astype(np.int64) * len(lasts) + last_codes, -1)
    group[(city == "").fillna(True).to_numpy(bool)] = -1
    # only (city, surname) groups that two new clusters share
    pair = pd.DataFrame({"group": group, "cluster": codes[lead[at]]})
    shared = pair[pair["group"] >= 0].drop_duplicates()["group"].value_counts()
    inside = among(group, shared.index[shared.to_numpy() > 1])
    if not inside.any():
        return cluster
    at, group = at[inside], group[inside]
    postal = postal_key(_place_column(leads, "zip", "caller_zip", lead[at]))
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
    ra, rb = _one_typo_apart(units)
    unit_cluster = units["cluster"].to_numpy(np.int64)
    two = unit_cluster[ra] != unit_cluster[rb]
    # the lower cluster's name first (the test reads a prefix one way), once per distinct pair of names
    lower = unit_cluster[ra] < unit_cluster[rb]
    ra, rb = np.where(lower, ra, rb)[two], np.where(lower, rb, ra)[two]
    coded = NameCodes(units["first"])
    agree = coded.strictly_agree(coded.codes[0][ra], coded.codes[0][rb])
    ends_a, ends_b = unit_cluster[ra[agree]], unit_cluster[rb[agree]]
    once = first_of_each(tuple_codes(ends_a, ends_b))
    if not len(once):
        return cluster
    pairs = pd.DataFrame({"cluster_a": ends_a[once], "cluster_b": ends_b[once]})
    pairs = pairs[~_both_write_other_emails(leads, codes, pairs)]
    if pairs.empty:
        return cluster
    ends = np.concatenate([pairs["cluster_a"].to_numpy(np.int64), pairs["cluster_b"].to_numpy(np.int64)])
    nodes, node_of = np.unique(ends, return_inverse=True)
    labels = components(len(nodes), node_of, np.tile(np.arange(len(pairs)), 2))
    out = codes.copy()
    hit = np.flatnonzero(among(codes, nodes))
    out[hit] = nodes[labels[np.searchsorted(nodes, codes[hit])]]
    return pd.Series(out, index=cluster.index, name=cluster.name)


def _one_typo_apart(units: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(unit positions a, b) of the units (group, postal) of one group whose postal codes are one changed or one
    swapped pair of neighbouring characters apart, each such pair both ways (in no particular order).

    Each distinct (group, code) is looked at once: codes are a matrix of character codes (0 pads a short one),
    a substitution at i meets on the row with column i masked, a swap at i on the row with columns i and i+1
    exchanged against the code itself; a row and its group are one integer key, joined by sorting (the codes
    are distinct, so a swapped row finds at most one). The codes that meet are then spread to their units."""
    place = tuple_codes(units["group"].to_numpy(np.int64), column_codes(units["postal"]))
    shown = first_of_each(place)  # the unit that shows each distinct (group, code): place k is shown[k]
    chars, lengths = _char_matrix(units["postal"].iloc[shown])
    n = len(chars)
    group = pd.factorize(units["group"].to_numpy(np.int64)[shown])[0].astype(np.int64)
    subs, swaps, whole = _variant_keys(chars, lengths, group)
    pairs_a, pairs_b = [], []
    for rows, key in subs:  # a substitution at i: the codes equal with column i masked, every pair of them
        a, b = _pairs_within(key)
        pairs_a.append(rows[a])
        pairs_b.append(rows[b])
    for rows, key in swaps:  # a swap at i: the one code swapped there is the other
        at = np.searchsorted(whole[0], key)
        at = np.minimum(at, n - 1)
        hit = whole[0][at] == key
        pairs_a.append(rows[hit])
        pairs_b.append(whole[1][at[hit]])
    pa_, pb_ = np.concatenate(pairs_a), np.concatenate(pairs_b)
    apart = pa_ != pb_  # one code meets itself on every substitution
    return _spread(place, pa_[apart], pb_[apart], n)


def _variant_keys(
    chars: np.ndarray, lengths: np.ndarray, group: np.ndarray
) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[tuple[np.ndarray, np.ndarray]], tuple[np.ndarray, np.ndarray]]:
    """Integer keys of (group, code) rows: ([(rows, key of the row masked at i)] per i, [(rows, key of the row
    swapped at i)] per i, (the rows' own keys sorted, the row of each)). Packed as numbers in base (alphabet + 2)
    where they fit in 63 bits (each variant one arithmetic step from the row's key), else numbered by
    `tuple_codes` over the matrices."""
    n, width = chars.shape
    masked = int(chars.max(initial=0)) + 1  # no character's code
    base = masked + 1
    sub_rows = [np.flatnonzero(lengths > i) for i in range(width)]
    swap_rows = [np.flatnonzero((lengths > i + 1) & (chars[:, i] != chars[:, i + 1])) for i in range(width - 1)]
    if (int(group.max(initial=0)) + 1) * base**width < 2**62:
        power = base ** np.arange(width, dtype=np.int64)
        own = group * base**width + chars.astype(np.int64) @ power
        subs = [(r, own[r] + (masked - chars[r, i]) * power[i]) for i, r in enumerate(sub_rows)]
        swaps = []
        for i, r in enumerate(swap_rows):
            step = (chars[r, i + 1].astype(np.int64) - chars[r, i]) * (power[i] - power[i + 1])
            swaps.append((r, own[r] + step))
    else:
        variants = []
        for i, r in enumerate(sub_rows):
            variant = chars[r].copy()
            variant[:, i] = masked
            variants.append(variant)
        for i, r in enumerate(swap_rows):
            variant = chars[r].copy()
            variant[:, [i, i + 1]] = variant[:, [i + 1, i]]
            variants.append(variant)
        rows = [*sub_rows, *swap_rows, np.arange(n)]
        keys = tuple_codes(group[np.concatenate(rows)], *np.concatenate([*variants, chars]).T)
        bounds = np.cumsum([0, *(len(r) for r in rows)])
        parts = [(r, keys[bounds[k] : bounds[k + 1]]) for k, r in enumerate(rows)]
        subs, swaps, own = parts[:width], parts[width:-1], parts[-1][1]
    order = np.argsort(own, kind="stable")
    return subs, swaps, (own[order], order)


def _pairs_within(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions a, b) of every ordered pair of equal keys, each position with itself included."""
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    start = np.repeat(starts, sizes)  # the run each sorted position is in
    size = np.repeat(sizes, sizes)
    a = np.repeat(np.arange(len(key)), size)
    b = np.repeat(start, size) + within_runs(size)
    return order[a], order[b]


def _spread(place: np.ndarray, a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (unit of place a, unit of place b) for each pair of places (a, b): the pairs' unit products."""
    order = np.argsort(place, kind="stable")
    count = np.bincount(place, minlength=n)
    first = np.cumsum(count) - count
    size = count[a] * count[b]
    pair = np.repeat(np.arange(len(a)), size)
    t = within_runs(size)
    cb = count[b][pair]
    return order[first[a][pair] + t // cb], order[first[b][pair] + t % cb]


def _char_matrix(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(n x width matrix of dense character codes, 1.. with 0 padding the shorter texts, and each text's length)."""
    values = text.to_numpy(dtype=object)
    fixed = np.asarray(values.astype(str)) if len(values) else np.zeros(0, dtype="<U1")
    width = max(fixed.dtype.itemsize // 4, 1)
    points = fixed.view(np.uint32).reshape(len(values), width) if len(values) else np.zeros((0, 1), np.uint32)
    # each code point's rank among those present (np.unique's inverse, by a table over code points: no sort)
    present = np.zeros(int(points.max(initial=0)) + 1, dtype=bool)
    present[points.ravel()] = True
    rank = (np.cumsum(present) - 1).astype(np.int32)
    dense = rank[points] + np.int32(not present[0])
    return dense, np.fromiter((len(v) for v in values), dtype=np.int64, count=len(values))


def _both_write_other_emails(leads: pd.DataFrame, codes: np.ndarray, pairs: pd.DataFrame) -> np.ndarray:
    """Per pair: both clusters carry an email and they share none (two people who each wrote their own).

    On integer codes: each pair is spread over its first cluster's distinct emails, each looked up among the
    (cluster, email) keys of its second cluster."""
    if "n_email" not in leads.columns:
        return np.zeros(len(pairs), dtype=bool)
    a, b = pairs["cluster_a"].to_numpy(np.int64), pairs["cluster_b"].to_numpy(np.int64)
    wanted = np.union1d(a, b)
    rows = np.flatnonzero(among(codes, wanted) & leads["n_email"].notna().to_numpy(bool))
    node = np.searchsorted(wanted, codes[rows])  # each email's cluster, numbered 0.. among the wanted
    email = column_codes(leads["n_email"].iloc[rows])
    size = int(email.max(initial=0)) + 1
    keys = np.unique(node * size + email)  # distinct (cluster, email), sorted by cluster
    key_node, key_email = keys // size, keys % size
    count = np.bincount(key_node, minlength=len(wanted))
    first = np.cumsum(count) - count
    ia, ib = np.searchsorted(wanted, a), np.searchsorted(wanted, b)
    both = (count[ia] > 0) & (count[ib] > 0)
    per = np.where(both, count[ia], 0)  # each pair once per email of its first cluster
    pair = np.repeat(np.arange(len(pairs)), per)
    slot = np.repeat(first[ia], per) + within_runs(per)
    shared = np.zeros(len(pairs), dtype=bool)
    shared[pair[among(ib[pair] * size + key_email[slot], keys)]] = True
    return both & ~shared
