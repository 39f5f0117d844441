"""The one-line explanation of a link, per WhatConverts lead: what THAT lead shares with the record.

A person (cluster) is linked on its strongest evidence, but each of its leads gets its own line
(issue 11): the email, phone or stored id the lead itself shares with the Salesforce record and
how the lead's own name compares; a lead that shares none (a call joined to a form by phone)
says how it reached the person, through which lead, and what that lead shares.
Lines are built as Arrow text (`arrow_text.py`): a million leads, no Python string per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..tables.frames import among
from .arrow_text import (
    TEXT,
    arrow_text,
    choose,
    equal,
    first_part,
    join,
    nulls,
    placed,
    put,
    subset,
    text_series,
    valid,
)
from .candidates import name_verdicts
from .codes import column_codes, first_of_each, tuple_codes

EXACT = ("stored_id", "email", "phone", "email_phone", "shared_phone")
_JOIN_KEYS = (("n_email", "email"), ("n_phone", "phone"), ("user_id", "visitor id"))
_CALLER_KINDS = {"city": "a place", "generic": "a placeholder", "business": "a business"}
_CALLER_COLUMNS = ("n_caller_kind", "caller_name")  # what `_caller_note` reads
# what `_each_lead` reads (with `_own_keys`, `_caller_note`, `_reached_through`)
_EACH_LEAD_COLUMNS = (
    "lead_id",
    "cluster",
    "row",
    "rule",
    "explanation",
    "n_email",
    "n_phone",
    "user_id",
    "n_first",
    "n_last",
    "city",
    "caller_city",
    *_CALLER_COLUMNS,
)


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype="str")


def _rows_at(rows: pd.DataFrame, mask: np.ndarray, columns: tuple[str, ...]) -> pd.DataFrame:
    """`rows[mask]` of only the `columns` it has that are read (numbered 0..): the rest are not filtered."""
    return rows.loc[mask, [c for c in columns if c in rows.columns]].reset_index(drop=True)


def _own_keys(rows: pd.DataFrame, people: pd.DataFrame) -> pa.Array:
    """`email x and phone y = Lead 00Q...` for the keys the lead itself shares with its record; else missing.

    The first that holds wins: stored id, email and phone, email, phone; each row's line is written only in
    its own form (and the record's name only for rows that share a key), then gathered in row order."""
    row = rows["row"].to_numpy(dtype=np.int64)
    at = pa.array(row)

    def record(column: str, where: pa.Array = at) -> pa.Array:
        return pc.take(arrow_text(people[column]), where)

    email, phone = arrow_text(_col(rows, "n_email")), arrow_text(_col(rows, "n_phone"))
    same_email = equal(email, record("n_email"))
    same_phone = equal(phone, record("n_phone")) | equal(phone, record("n_mobile"))
    lead_ids = arrow_text(rows["lead_id"])
    same_id = equal(lead_ids, record("stored_id"))
    kind = np.select([same_id, same_email & same_phone, same_email, same_phone], [0, 1, 2, 3], -1)
    hit = np.flatnonzero(kind >= 0)
    if not len(hit):
        return nulls(len(rows))
    shares = pa.array(row[hit])
    sf_id, person = record("sf_id", shares), record("person_id", shares)
    rec = join(record("sf_object", shares), " ", sf_id)
    rec = choose(equal(person, sf_id), rec, join(rec, " (converted to Contact ", person, ")"))
    kind = kind[hit]
    parts = []
    for code, line in enumerate(
        (
            lambda i, r: join("stored id ", lead_ids.take(i), " on ", r),
            lambda i, r: join("email ", email.take(i), " and phone ", phone.take(i), " = ", r),
            lambda i, r: join("email ", email.take(i), " = ", r),
            lambda i, r: join("phone ", phone.take(i), " = ", r),
        )
    ):
        mine = np.flatnonzero(kind == code)
        if len(mine):
            parts.append((hit[mine], line(pa.array(hit[mine]), rec.take(pa.array(mine)))))
    return placed(len(rows), parts)


def _caller_note(rows: pd.DataFrame) -> pa.Array:
    """For a lead without a name of its own: why its caller ID is none (a place, a placeholder)."""
    kind = _col(rows, "n_caller_kind").to_numpy(dtype=object)
    caller = _col(rows, "caller_name").astype(object).to_numpy(dtype=object)
    text = [
        f"no name on this lead (caller ID {c.strip()} is {_CALLER_KINDS[k]}, not a name)"
        if isinstance(k, str) and k in _CALLER_KINDS and isinstance(c, str)
        else "no name on this lead"
        for k, c in zip(kind, caller, strict=True)
    ]
    return pa.array(text, type=TEXT)


def lead_explanations(rows: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
    """One line per (lead, linked record) row of `rows` (columns lead_id, cluster, row, rule, explanation
    and the lead's n_email, n_phone, user_id, n_first, n_last), in the order of `rows`, as `str`.

    A person with one lead keeps the person's line (it is that lead's), saying why a caller ID is no
    name; only persons with several leads are written lead by lead (cheap at a million people).
    """
    if rows.empty:
        return pd.Series(dtype="str")
    rows = rows.reset_index(drop=True)
    text = arrow_text(rows["explanation"])
    cluster = column_codes(rows["cluster"].to_numpy())
    several = np.bincount(cluster)[cluster] > 1
    parts = []  # (rows, their lines), gathered into the persons' lines once
    if several.any():
        parts.append((np.flatnonzero(several), _each_lead(_rows_at(rows, several, _EACH_LEAD_COLUMNS), people)))
    nameless = rows["n_first"].isna().to_numpy() & rows["n_last"].isna().to_numpy()
    why = ~several & nameless & _col(rows, "n_caller_kind").isin(list(_CALLER_KINDS)).to_numpy()
    if why.any():
        notes = _caller_note(_rows_at(rows, why, _CALLER_COLUMNS)).to_pylist()
        lines = text.filter(pa.array(why)).to_pylist()
        fixed = [t.replace("no name to compare", n, 1) for t, n in zip(lines, notes, strict=True)]
        parts.append((np.flatnonzero(why), pa.array(fixed, type=TEXT)))
    return text_series(placed(len(rows), parts, base=text))


def _each_lead(rows: pd.DataFrame, people: pd.DataFrame) -> pa.Array:
    """Lead by lead: its own keys and name, or the lead of the person it reached the record through."""
    own = _own_keys(rows, people)
    # the lead's own name against the record, by the same rules as the pair's (swaps, placeholders),
    # once per distinct (record, name, town): a person's leads mostly repeat one name
    town = _col(rows, "city").fillna(_col(rows, "caller_city"))
    keys = pd.DataFrame({"row": rows["row"], "n_first": rows["n_first"], "n_last": rows["n_last"], "city": town})
    code, distinct = _distinct(keys)
    unit = pd.DataFrame({"cluster": distinct.index, "row": distinct["row"].to_numpy()})
    names = distinct.assign(cluster=distinct.index)[["cluster", "n_first", "n_last"]]
    names = names.dropna(subset=["n_first", "n_last"], how="all")
    towns = distinct["city"].dropna()
    verdicts = name_verdicts(unit, names, people, towns).set_index("cluster")["name_note"]
    per_distinct = pa.array(verdicts.reindex(distinct.index).to_numpy(dtype=object), type=TEXT, from_pandas=True)
    note = pc.take(per_distinct, pa.array(code))
    nameless = rows["n_first"].isna().to_numpy() & rows["n_last"].isna().to_numpy()
    note = put(note, nameless, _caller_note(_rows_at(rows, nameless, _CALLER_COLUMNS)))
    # each line built only for the rows it is for; a reviewed person's leads keep the person's line
    cluster_text = arrow_text(rows["explanation"])
    open_rows = ~rows["rule"].eq("reviewed").to_numpy(dtype=bool, na_value=False)
    has_own = valid(own)
    mine = open_rows & has_own
    lines = [(np.flatnonzero(mine), join(subset(own, mine), "; ", subset(note, mine)))]
    via = open_rows & ~has_own & rows["rule"].isin(EXACT).to_numpy()
    if via.any():
        reached = pc.coalesce(
            subset(_reached_through(rows, own, via), via),
            join("joined through the person's other leads to: ", subset(cluster_text, via)),
        )
        lines.append((np.flatnonzero(via), join(reached, "; ", subset(note, via))))
    rest = open_rows & ~has_own & ~via
    lines.append(
        (np.flatnonzero(rest), join(first_part(subset(cluster_text, rest)), "; this lead: ", subset(note, rest)))
    )
    return placed(len(rows), lines, base=cluster_text)


def _distinct(keys: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """(code per row, the distinct rows indexed 0..n-1 in order of first appearance): missing equals missing."""
    code = tuple_codes(*(column_codes(keys[c]) for c in keys.columns))
    distinct = keys.iloc[first_of_each(code)].reset_index(drop=True)
    return code, distinct


def _reached_through(rows: pd.DataFrame, own: pa.Array, wanted: np.ndarray) -> pa.Array:
    """For leads that share no key with the record: `same phone x as lead 1, whose email y = Lead ...`,
    through the first lead of the same person (and record) that does share one and has the same key
    (missing where no such lead is). Only the `wanted` rows are looked up."""
    n = len(rows)
    anchors = valid(own)
    open_rows = ~anchors & wanted  # still without a line
    if not anchors.any() or not open_rows.any():
        return nulls(n)
    person = tuple_codes(column_codes(rows["cluster"].to_numpy()), rows["row"].to_numpy(dtype=np.int64))
    needed = among(person, person[open_rows])  # only the persons of a lead still without a line have anchors
    lead_ids = arrow_text(rows["lead_id"])
    found_rows, found_text = [], []
    for column, label in _JOIN_KEYS:
        if column not in rows.columns:
            continue
        value = arrow_text(rows[column])
        has = valid(value)
        todo = np.flatnonzero(open_rows & has)
        if not len(todo):
            continue
        anchor_rows = np.flatnonzero(anchors & has & needed)
        # (person, value) keys of only the anchors and the leads looked up: the values are present there
        both = np.concatenate([anchor_rows, todo])
        key = tuple_codes(person[both], column_codes(rows[column].iloc[both]))
        anchor_keys, first = np.unique(key[: len(anchor_rows)], return_index=True)  # the first anchor per key
        if not len(anchor_keys):
            continue
        todo_keys = key[len(anchor_rows) :]
        slot = np.minimum(np.searchsorted(anchor_keys, todo_keys), len(anchor_keys) - 1)
        hit = anchor_keys[slot] == todo_keys
        via = pa.array(anchor_rows[first[slot[hit]]])
        here = pa.array(todo[hit])
        found_rows.append(todo[hit])
        found_text.append(
            join(
                f"same {label} ",
                pc.take(value, here),
                " as lead ",
                pc.take(lead_ids, via),
                ", whose ",
                pc.take(own, via),
            )
        )
        open_rows[todo[hit]] = False
    if not found_rows:
        return nulls(n)
    at = np.concatenate(found_rows)
    order = np.argsort(at, kind="stable")
    mask = np.zeros(n, dtype=bool)
    mask[at] = True
    return put(nulls(n), mask, pc.take(pa.concat_arrays(found_text), pa.array(order)))
