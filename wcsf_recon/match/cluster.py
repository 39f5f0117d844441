"""Group WhatConverts leads into people: repeat callers, a call then a form then a chat.

Leads join when they share a normalized email, a visitor id (`user_id`) or a normalized phone;
or the same surname, first initial and postal code when the full first names under that key
strictly agree (equal or nicknames; Dana is not Diana): a call showing `GONZALEZ K` and a chat
from `kathryn gonzalez` in one ZIP; or the same full first name and postal code with surnames
a typo apart (`GARDNER DAVID`, `david gradner`).
A phone on which clearly different first names appear (a household landline, a switchboard)
is *conflicted*: there it only joins leads whose typed first names agree, and calls that carry
no typed name stay on their own (the caller-ID name is the line owner's, not the caller's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..frames import isin
from ..normalize.names import first_name_score, first_names_strictly_agree, last_name_score
from .graph import components

NAME_COMPATIBLE = 0.85  # first names at or above this agree (nicknames and initials score 1)
NAME_CONFLICT = 0.85  # full first names below this (and not nicknames) are two people
LAST_CLOSE = 0.90  # surnames this close under one first name and postal code: a typo, one person


@dataclass
class Clusters:
    """`cluster` per lead (index-aligned with the leads; -1 for spam) and the conflicted phones."""

    cluster: pd.Series
    conflicted_phones: frozenset[str]


def _name_groups(names: list[str]) -> dict[str, str]:
    """Greedy grouping of compatible first names: name -> representative."""
    reps: list[str] = []
    out: dict[str, str] = {}
    for name in names:
        for rep in reps:
            if first_name_score(name, rep) >= NAME_COMPATIBLE:
                out[name] = rep
                break
        else:
            reps.append(name)
            out[name] = name
    return out


def phone_names(leads: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """(phone, first, last) of the names seen on a phone, in WhatConverts and Salesforce."""
    wc = leads.loc[~leads["spam"].fillna(False).astype(bool), ["n_phone", "n_first", "n_last"]]
    frames = [wc.set_axis(["phone", "first", "last"], axis=1)]
    for col in ("n_phone", "n_mobile"):
        frames.append(people[[col, "n_first", "n_last"]].set_axis(["phone", "first", "last"], axis=1))
    pairs = pd.concat(frames, ignore_index=True).dropna(subset=["phone", "first"])
    return pairs.drop_duplicates()


def _conflicting(a: tuple[str, str | None], b: tuple[str, str | None]) -> bool:
    """Clearly two people: full first names that disagree, or an initial that disagrees under one surname."""
    (fa, la), (fb, lb) = a, b
    if len(fa) > 1 and len(fb) > 1:
        return first_name_score(fa, fb) < NAME_CONFLICT
    return la is not None and la == lb and first_name_score(fa, fb) == 0.0


def find_conflicted_phones(pairs: pd.DataFrame) -> tuple[frozenset[str], dict[tuple[str, str], str]]:
    """Phones carrying clearly different people, and each (phone, full name)'s name-group representative.

    Only phones with two or more distinct first names are examined name by name.
    """
    distinct = pairs.drop_duplicates(["phone", "first"])
    # only a phone with two full first names, or two different initials, can carry two people
    full = distinct[distinct["first"].str.len() > 1]
    n_full = full["phone"].value_counts(sort=False)  # rows are distinct (phone, first) already
    letters = pd.DataFrame({"phone": distinct["phone"], "letter": distinct["first"].str[0]}).drop_duplicates()
    n_letters = letters["phone"].value_counts(sort=False)
    suspects = n_full.index[n_full > 1].union(n_letters.index[n_letters > 1])
    several = distinct[isin(distinct["phone"], suspects)]
    conflicted: set[str] = set()
    reps: dict[tuple[str, str], str] = {}
    if several.empty:
        return frozenset(), reps
    names_by_phone: dict[str, list[tuple[str, str | None]]] = {}
    lasts = several["last"].astype(object).where(several["last"].notna(), None).to_numpy()
    phones, firsts = several["phone"].to_numpy(dtype=object), several["first"].to_numpy(dtype=object)
    for phone, first, last in zip(phones, firsts, lasts, strict=True):
        names_by_phone.setdefault(phone, []).append((first, last))
    for phone, names in names_by_phone.items():
        if not any(_conflicting(a, b) for i, a in enumerate(names) for b in names[i + 1 :]):
            continue
        conflicted.add(phone)
        full = sorted({f for f, _ in names if len(f) > 1})
        reps.update({(phone, name): rep for name, rep in _name_groups(full).items()})
    return frozenset(conflicted), reps


def cluster_leads(leads: pd.DataFrame, people: pd.DataFrame) -> Clusters:
    """Cluster non-spam leads by email, visitor id and (name-aware) phone."""
    n = len(leads)
    spam = leads["spam"].fillna(False).astype(bool).to_numpy()
    conflicted, reps = find_conflicted_phones(phone_names(leads, people))
    idx = np.arange(n)
    families: list[tuple[np.ndarray, np.ndarray]] = []  # (nodes, key values) per kind of key
    for col in ("n_email", "user_id"):
        values = leads[col]
        ok = values.notna().to_numpy() & ~spam
        families.append((idx[ok], values.to_numpy(dtype=object)[ok]))
    phone = leads["n_phone"]
    has_phone = phone.notna().to_numpy() & ~spam
    on_conflicted = isin(phone, conflicted)
    plain = has_phone & ~on_conflicted
    families.append((idx[plain], phone.to_numpy(dtype=object)[plain]))
    typed = (leads["n_name_source"] == "typed").fillna(False).to_numpy()
    named = has_phone & on_conflicted & typed & leads["n_first"].notna().to_numpy()
    if named.any():
        pairs = zip(phone.to_numpy(dtype=object)[named], leads["n_first"].to_numpy(dtype=object)[named], strict=True)
        families.append((idx[named], np.array([p + "|" + reps.get((p, f), f) for p, f in pairs], dtype=object)))
    name_keys = _name_place_keys(leads, spam, conflicted)
    families.append((name_keys["node"].to_numpy(), name_keys["key"].to_numpy(dtype=object)))
    nodes, codes, offset = [], [], 0
    for family_nodes, values in families:
        family_codes, uniques = pd.factorize(values)
        nodes.append(family_nodes)
        codes.append(family_codes + offset)
        offset += len(uniques)
    edges = pd.DataFrame({"node": np.concatenate(nodes), "key": np.concatenate(codes)})
    labels = components(n, edges["node"].to_numpy(), edges["key"].to_numpy())
    labels[spam] = -1
    return Clusters(cluster=pd.Series(labels, index=leads.index, name="cluster"), conflicted_phones=conflicted)


def _name_place_keys(leads: pd.DataFrame, spam: np.ndarray, conflicted: frozenset[str]) -> pd.DataFrame:
    """Edges for (surname, initial, postal code) keys whose full first names are all compatible."""
    postal = leads["zip"] if "zip" in leads.columns else pd.Series(None, index=leads.index, dtype="str")
    if "caller_zip" in leads.columns:
        postal = postal.fillna(leads["caller_zip"])
    owner_only = (leads["n_name_source"] == "caller") & isin(leads["n_phone"], conflicted)
    ok = (
        ~spam
        & ~owner_only
        & leads["n_last"].notna().to_numpy()
        & leads["n_first"].notna().to_numpy()
        & postal.notna().to_numpy()
    )
    sub = leads.loc[ok, ["n_first", "n_last"]].assign(postal=postal[ok].str.upper().str.replace(" ", "", regex=False))
    sub["key"] = "n:" + sub["n_last"] + "|" + sub["n_first"].str[0] + "|" + sub["postal"]
    full = sub.loc[sub["n_first"].str.len() > 1, ["key", "n_first"]].drop_duplicates()
    bad = {
        key
        for key, names in _several(full, "key", "n_first").items()
        if not all(first_names_strictly_agree(a, b) for i, a in enumerate(names) for b in names[i + 1 :])
    }
    keep = sub[~isin(sub["key"], bad)]
    # misspelled surnames (`david gradner`, `GARDNER DAVID`): same full first name and postal code
    by_first = sub[sub["n_first"].str.len() > 1].assign(key=lambda f: "f:" + f["n_first"] + "|" + f["postal"])
    bad = {
        key
        for key, names in _several(by_first[["key", "n_last"]].drop_duplicates(), "key", "n_last").items()
        if not all(last_name_score(a, b) >= LAST_CLOSE for i, a in enumerate(names) for b in names[i + 1 :])
    }
    by_first = by_first[~isin(by_first["key"], bad)]
    both = pd.concat([keep, by_first])
    return pd.DataFrame({"node": leads.index.get_indexer(both.index), "key": both["key"].to_numpy()})


def _several(distinct: pd.DataFrame, key: str, value: str) -> dict[str, list[str]]:
    """key -> its distinct values, for keys that have more than one (the only ones needing a look)."""
    counts = distinct[key].value_counts()
    many = distinct[isin(distinct[key], counts.index[counts > 1])]
    out: dict[str, list[str]] = {}
    for k, v in zip(many[key].to_numpy(dtype=object), many[value].to_numpy(dtype=object), strict=True):
        out.setdefault(k, []).append(v)
    return out
