"""The one-line explanation of a link, per WhatConverts lead: what THAT lead shares with the record.

A person (cluster) is linked on its strongest evidence, but each of its leads gets its own line
(issue 11): the email, phone or stored id the lead itself shares with the Salesforce record and
how the lead's own name compares; a lead that shares none (a call joined to a form by phone)
says how it reached the person, through which lead, and what that lead shares.
Lines are built as Arrow text (`arrow_text.py`): a million leads, no Python string per row.
"""

from __future__ import annotations

from collections.abc import Callable

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
    text_series,
    valid,
)
from .candidates import name_verdicts
from .codes import column_codes, first_of_each, tuple_codes

_Part = tuple[np.ndarray, pa.Array]  # (positions, their lines), gathered into one column by `placed`
EXACT = ("stored_id", "email", "phone", "email_phone", "shared_phone")
_JOIN_KEYS = (("n_email", "email"), ("n_phone", "phone"), ("user_id", "visitor id"))
_CALLER_KINDS = {"city": "a place", "generic": "a placeholder", "business": "a business"}
_CALLER_COLUMNS = ("n_caller_kind", "caller_name")  # what `_caller_note` reads
# what `_each_lead` reads (with `_Shares`, `_caller_note`, `_reached_through`); the person's line it is
# given as Arrow text, not filtered with these
_EACH_LEAD_COLUMNS = (
    "lead_id",
    "cluster",
    "row",
    "rule",
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


class _Shares:
    """Which key each lead itself shares with its record (`kind`: 0 stored id, 1 email and phone, 2 email,
    3 phone, -1 none; the first that holds wins), and the `email x and phone y = Lead 00Q...` line of that,
    written only for the rows asked for (and the record's name only for them)."""

    def __init__(self, rows: pd.DataFrame, people: pd.DataFrame) -> None:
        self.people = people
        self.row = rows["row"].to_numpy(dtype=np.int64)
        at = pa.array(self.row)
        self.email, self.phone = arrow_text(_col(rows, "n_email")), arrow_text(_col(rows, "n_phone"))
        same_email = equal(self.email, self._record("n_email", at))
        same_phone = equal(self.phone, self._record("n_phone", at)) | equal(self.phone, self._record("n_mobile", at))
        self.lead_ids = arrow_text(rows["lead_id"])
        same_id = equal(self.lead_ids, self._record("stored_id", at))
        self.kind = np.select([same_id, same_email & same_phone, same_email, same_phone], [0, 1, 2, 3], -1)

    def _record(self, column: str, where: pa.Array) -> pa.Array:
        return pc.take(arrow_text(self.people[column]), where)

    def lines(self, at: np.ndarray, tail: Callable[[np.ndarray], list[pa.Array]] | None = None) -> list[_Part]:
        """The lines of the rows `at` (increasing, each sharing a key) as (rows, lines) parts, one per kind,
        each line followed by `tail(rows)`'s parts (joined in the same kernel, no copy of the line first)."""
        shares = pa.array(self.row[at])
        sf_id, person = self._record("sf_id", shares), self._record("person_id", shares)
        rec = join(self._record("sf_object", shares), " ", sf_id)
        rec = choose(equal(person, sf_id), rec, join(rec, " (converted to Contact ", person, ")"))
        kind = self.kind[at]
        parts: list[_Part] = []
        for code in range(4):
            mine = np.flatnonzero(kind == code)
            if not len(mine):
                continue
            i, r = pa.array(at[mine]), rec.take(pa.array(mine))
            if code == 0:
                line: list[str | pa.Array] = ["stored id ", self.lead_ids.take(i), " on ", r]
            elif code == 1:
                line = ["email ", self.email.take(i), " and phone ", self.phone.take(i), " = ", r]
            elif code == 2:
                line = ["email ", self.email.take(i), " = ", r]
            else:
                line = ["phone ", self.phone.take(i), " = ", r]
            parts.append((at[mine], join(*line, *(tail(at[mine]) if tail is not None else ()))))
        return parts

    def text(self, at: np.ndarray) -> pa.Array:
        """The lines of the rows `at` (any order, repeats allowed, each sharing a key), in that order."""
        distinct, back = np.unique(at, return_inverse=True)
        parts = [(np.searchsorted(distinct, rows), lines) for rows, lines in self.lines(distinct)]
        return pc.take(placed(len(distinct), parts), pa.array(back.reshape(-1)))


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
    parts: list[_Part] = []  # (rows, their lines), gathered into the persons' lines once
    if several.any():
        at = np.flatnonzero(several)
        each = _each_lead(_rows_at(rows, several, _EACH_LEAD_COLUMNS), people, text, at)
        parts.extend((at[where], lines) for where, lines in each)
    nameless = rows["n_first"].isna().to_numpy() & rows["n_last"].isna().to_numpy()
    why = ~several & nameless & _col(rows, "n_caller_kind").isin(list(_CALLER_KINDS)).to_numpy()
    if why.any():
        notes = _caller_note(_rows_at(rows, why, _CALLER_COLUMNS)).to_pylist()
        lines = text.filter(pa.array(why)).to_pylist()
        fixed = [t.replace("no name to compare", n, 1) for t, n in zip(lines, notes, strict=True)]
        parts.append((np.flatnonzero(why), pa.array(fixed, type=TEXT)))
    return text_series(placed(len(rows), parts, base=text))


def _each_lead(rows: pd.DataFrame, people: pd.DataFrame, text: pa.Array, at: np.ndarray) -> list[_Part]:
    """Lead by lead: its own keys and name, or the lead of the person it reached the record through, as
    (positions in `rows`, lines) parts; the person's line of row i is `text[at[i]]`, which a reviewed
    person's leads keep (no part)."""
    shares = _Shares(rows, people)
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
    nameless = rows["n_first"].isna().to_numpy() & rows["n_last"].isna().to_numpy()
    callers = _caller_note(_rows_at(rows, nameless, _CALLER_COLUMNS))  # one per nameless row, in order
    caller_at = np.cumsum(nameless) - 1

    def note(where: np.ndarray) -> pa.Array:
        """The name note of the rows `where` (increasing): the name's verdict, or why a nameless lead has none."""
        none = nameless[where]
        return put(pc.take(per_distinct, pa.array(code[where])), none, callers.take(pa.array(caller_at[where[none]])))

    # each line built only for the rows it is for; a reviewed person's leads keep the person's line
    open_rows = ~rows["rule"].eq("reviewed").to_numpy(dtype=bool, na_value=False)
    has_own = shares.kind >= 0
    lines = shares.lines(np.flatnonzero(open_rows & has_own), lambda where: ["; ", note(where)])
    via = open_rows & ~has_own & rows["rule"].isin(EXACT).to_numpy()
    if via.any():
        where = np.flatnonzero(via)
        reached = pc.coalesce(
            _reached_through(rows, shares, where),
            join("joined through the person's other leads to: ", pc.take(text, pa.array(at[where]))),
        )
        lines.append((where, join(reached, "; ", note(where))))
    rest = np.flatnonzero(open_rows & ~has_own & ~via)
    if len(rest):
        lines.append((rest, join(first_part(pc.take(text, pa.array(at[rest]))), "; this lead: ", note(rest))))
    return lines


def _distinct(keys: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """(code per row, the distinct rows indexed 0..n-1 in order of first appearance): missing equals missing."""
    code = tuple_codes(*(column_codes(keys[c]) for c in keys.columns))
    distinct = keys.iloc[first_of_each(code)].reset_index(drop=True)
    return code, distinct


def _reached_through(rows: pd.DataFrame, shares: _Shares, wanted: np.ndarray) -> pa.Array:
    """For leads that share no key with the record: `same phone x as lead 1, whose email y = Lead ...`,
    through the first lead of the same person (and record) that does share one and has the same key
    (missing where no such lead is). Only the `wanted` rows (increasing positions) are looked up, and
    answered in their order."""
    n = len(rows)
    anchors = shares.kind >= 0
    open_rows = np.zeros(n, dtype=bool)
    open_rows[wanted] = True
    open_rows &= ~anchors  # still without a line
    if not anchors.any() or not open_rows.any():
        return nulls(len(wanted))
    person = tuple_codes(column_codes(rows["cluster"].to_numpy()), rows["row"].to_numpy(dtype=np.int64))
    needed = among(person, person[open_rows])  # only the persons of a lead still without a line have anchors
    found: list[_Part] = []
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
        via = anchor_rows[first[slot[hit]]]
        here = todo[hit]
        line = join(
            f"same {label} ",
            pc.take(value, pa.array(here)),
            " as lead ",
            pc.take(shares.lead_ids, pa.array(via)),
            ", whose ",
            shares.text(via),
        )
        found.append((np.searchsorted(wanted, here), line))
        open_rows[here] = False
    return placed(len(wanted), found)
