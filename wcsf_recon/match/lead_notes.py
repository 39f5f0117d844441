"""The one-line explanation of a link, per WhatConverts lead: what THAT lead shares with the record.

A person (cluster) is linked on its strongest evidence, but each of its leads gets its own line
(issue 11): the email, phone or stored id the lead itself shares with the Salesforce record and
how the lead's own name compares; a lead that shares none (a call joined to a form by phone)
says how it reached the person, through which lead, and what that lead shares.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .candidates import name_verdicts

EXACT = ("stored_id", "email", "phone", "email_phone", "shared_phone")
_JOIN_KEYS = (("n_email", "email"), ("n_phone", "phone"), ("user_id", "visitor id"))


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype="str")


def _own_keys(rows: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
    """`email x and phone y = Lead 00Q...` for the keys the lead itself shares with its record; else missing."""
    at = rows["row"].to_numpy()
    email = _col(rows, "n_email").to_numpy(dtype=object)
    phone = _col(rows, "n_phone").to_numpy(dtype=object)
    same_email = pd.notna(email) & (email == people["n_email"].to_numpy(dtype=object)[at])
    same_phone = pd.notna(phone) & (
        (phone == people["n_phone"].to_numpy(dtype=object)[at])
        | (phone == people["n_mobile"].to_numpy(dtype=object)[at])
    )
    lead_ids = rows["lead_id"].astype("str").to_numpy(dtype=object)
    same_id = lead_ids == people["stored_id"].astype("str").to_numpy(dtype=object)[at]
    obj, sf_id = people["sf_object"].to_numpy(dtype=object)[at], people["sf_id"].to_numpy(dtype=object)[at]
    person = people["person_id"].to_numpy(dtype=object)[at]
    record = pd.Series(obj + " " + sf_id, index=rows.index)
    record = record.where(
        person == sf_id, record + " (converted to Contact " + pd.Series(person, index=rows.index) + ")"
    )
    rec = record.to_numpy(dtype=object)
    text = np.full(len(rows), None, dtype=object)
    # the first that holds wins (stored id, email and phone, email, phone): written weakest first,
    # each line built only for the rows it is for
    for mask, make in (
        (same_phone, lambda m: "phone " + phone[m].astype(str) + " = " + rec[m]),
        (same_email, lambda m: "email " + email[m].astype(str) + " = " + rec[m]),
        (
            same_email & same_phone,
            lambda m: "email " + email[m].astype(str) + " and phone " + phone[m].astype(str) + " = " + rec[m],
        ),
        (same_id, lambda m: "stored id " + lead_ids[m] + " on " + rec[m]),
    ):
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            text[mask] = make(mask)
    return pd.Series(text, index=rows.index, dtype=object)


def _caller_note(rows: pd.DataFrame) -> pd.Series:
    """For a lead without a name of its own: why its caller ID is none (a place, a placeholder)."""
    kind = _col(rows, "n_caller_kind").to_numpy(dtype=object)
    caller = _col(rows, "caller_name").astype(object).to_numpy(dtype=object)
    what = {"city": "a place", "generic": "a placeholder", "business": "a business"}
    text = [
        f"no name on this lead (caller ID {c.strip()} is {what[k]}, not a name)"
        if isinstance(k, str) and k in what and isinstance(c, str)
        else "no name on this lead"
        for k, c in zip(kind, caller, strict=True)
    ]
    return pd.Series(text, index=rows.index, dtype=object)


def lead_explanations(rows: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
    """One line per (lead, linked record) row of `rows` (columns lead_id, cluster, row, rule, explanation
    and the lead's n_email, n_phone, user_id, n_first, n_last), in the order of `rows`.

    A person with one lead keeps the person's line (it is that lead's), saying why a caller ID is no
    name; only persons with several leads are written lead by lead (cheap at a million people).
    """
    if rows.empty:
        return pd.Series(dtype=object)
    rows = rows.reset_index(drop=True)
    text = rows["explanation"].astype(object).to_numpy(copy=True)
    several = rows.groupby("cluster")["cluster"].transform("size").gt(1).to_numpy()
    if several.any():
        text[several] = _each_lead(rows[several].reset_index(drop=True), people).to_numpy()
    kind = _col(rows, "n_caller_kind")
    why = ~several & rows["n_first"].isna().to_numpy() & rows["n_last"].isna().to_numpy()
    why &= kind.isin(["city", "generic", "business"]).to_numpy()
    if why.any():
        notes = _caller_note(rows[why]).to_numpy()
        text[why] = [t.replace("no name to compare", n, 1) for t, n in zip(text[why], notes, strict=True)]
    return pd.Series(text, index=rows.index, dtype=object)


def _each_lead(rows: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
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
    note = pd.Series(verdicts.reindex(distinct.index).to_numpy()[code], index=rows.index)
    nameless = rows["n_first"].isna() & rows["n_last"].isna()
    note = note.where(~nameless.to_numpy(), _caller_note(rows))
    cluster_text = rows["explanation"].astype(object)
    evidence = _first_part(cluster_text)
    exact = rows["rule"].isin(EXACT).to_numpy()
    reached = _reached_through(rows, own)
    text = np.where(
        own.notna(),
        own.fillna("") + "; " + note,
        np.where(
            exact,
            reached.fillna("joined through the person's other leads to: " + cluster_text) + "; " + note,
            evidence + "; this lead: " + note,
        ),
    )
    text = np.where(rows["rule"].eq("reviewed").to_numpy(), cluster_text, text)
    return pd.Series(text, index=rows.index, dtype=object)


def _first_part(text: pd.Series) -> pd.Series:
    """`text.str.split("; ", n=1).str[0]`, split once per distinct line (a person's leads share one)."""
    codes, uniques = pd.factorize(text)
    parts = pd.Series(uniques, dtype=object).str.split("; ", n=1).str[0].to_numpy(dtype=object)
    out = text.to_numpy(dtype=object, copy=True)  # a missing line stays as it was
    out[codes >= 0] = parts[codes[codes >= 0]]
    return pd.Series(out, index=text.index, dtype=object)


def _distinct(keys: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """(code per row, the distinct rows indexed 0..n-1): missing values count as equal."""
    filled = keys.astype(object).where(keys.notna(), "\x00")
    code = filled.groupby(list(filled.columns), sort=False, dropna=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(keys))).groupby(code).first()
    distinct = keys.iloc[first.to_numpy()].reset_index(drop=True)
    return code, distinct


def _reached_through(rows: pd.DataFrame, own: pd.Series) -> pd.Series:
    """For leads that share no key with the record: `same phone x as lead 1, whose email y = Lead ...`,
    through a lead of the same person that does share one (missing where no such lead shares a key)."""
    out = pd.Series(None, index=rows.index, dtype=object)
    anchors = rows[own.notna()].assign(own=own[own.notna()])
    others = rows[own.isna()]
    if anchors.empty or others.empty:
        return out
    for column, label in _JOIN_KEYS:
        if column not in rows.columns:
            continue
        todo = others[out[others.index].isna()].dropna(subset=[column])
        if todo.empty:
            continue
        hits = (
            todo.reset_index()
            .merge(
                anchors[["cluster", "row", column, "lead_id", "own"]].dropna(subset=[column]),
                on=["cluster", "row", column],
                suffixes=("", "_anchor"),
            )
            .drop_duplicates("index")
        )
        text = (
            f"same {label} "
            + hits[column].astype(str)
            + " as lead "
            + hits["lead_id_anchor"].astype(str)
            + ", whose "
            + hits["own"].astype(str)
        )
        out[hits["index"].to_numpy()] = text.to_numpy()
    return out
