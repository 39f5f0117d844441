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

from ..normalize.names import first_name_score, first_names_strictly_agree, last_name_score
from ..tables.frames import isin
from .graph import components

# first names at or above FIRST_AGREE agree (nicknames and initials score 1); full first names below
# FIRST_CONFLICT (and not nicknames) are two people; surnames at LAST_AGREE under one first name and
# postal code are a typo of one person's. The same thresholds as the pair rules, defined there.
from .rules import FIRST_AGREE as NAME_COMPATIBLE
from .rules import FIRST_CONFLICT as NAME_CONFLICT
from .rules import LAST_AGREE as LAST_CLOSE


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
    """Distinct (phone, first, last) of the names seen on a phone, in WhatConverts and Salesforce.

    Built from object arrays and integer codes: the text is only gathered for distinct rows.
    """
    spam = leads["spam"].fillna(False).astype(bool).to_numpy()
    sources = [(leads["n_phone"], leads["n_first"], leads["n_last"], ~spam)]
    for col in ("n_phone", "n_mobile"):
        sources.append((people[col], people["n_first"], people["n_last"], np.ones(len(people), dtype=bool)))
    phones, firsts, lasts = [], [], []
    for phone, first, last, keep in sources:
        ok = keep & phone.notna().to_numpy() & first.notna().to_numpy()
        phones.append(phone.to_numpy(dtype=object)[ok])
        firsts.append(first.to_numpy(dtype=object)[ok])
        lasts.append(last.to_numpy(dtype=object)[ok])
    phone = np.concatenate(phones)
    first = np.concatenate(firsts)
    last = np.concatenate(lasts)
    keep = np.flatnonzero(first_rows(pd.factorize(phone)[0], pd.factorize(first)[0], pd.factorize(last)[0] + 1))
    return pd.DataFrame({"phone": phone[keep], "first": first[keep], "last": last[keep]})


def first_rows(*codes: np.ndarray) -> np.ndarray:
    """Mask of the first occurrence of each distinct tuple of non-negative integer codes (hash-based, O(n))."""
    sizes = [int(np.max(c, initial=0)) + 1 for c in codes]
    if float(np.prod(np.array(sizes, dtype=float))) >= 2**62:  # would overflow: let pandas hash the tuples
        return ~pd.DataFrame({i: c for i, c in enumerate(codes)}).duplicated().to_numpy()
    combined = np.zeros(len(codes[0]), dtype=np.int64)
    for column, size in zip(codes, sizes, strict=True):
        combined = combined * size + np.asarray(column, dtype=np.int64)
    return ~pd.Series(combined).duplicated().to_numpy()


def _conflicting(a: tuple[str, str | None], b: tuple[str, str | None]) -> bool:
    """Clearly two people: full first names that disagree, or an initial that disagrees under one surname."""
    (fa, la), (fb, lb) = a, b
    if len(fa) > 1 and len(fb) > 1:
        return first_name_score(fa, fb) < NAME_CONFLICT
    return la is not None and la == lb and first_name_score(fa, fb) == 0.0


def find_conflicted_phones(pairs: pd.DataFrame) -> tuple[frozenset[str], dict[tuple[str, str], str]]:
    """Phones carrying clearly different people, and each (phone, full name)'s name-group representative.

    Only a phone with two full first names, or two different initials, can carry two people;
    those few are examined name by name.
    """
    phone_codes, _ = pd.factorize(pairs["phone"].to_numpy(dtype=object))
    first = pairs["first"].to_numpy(dtype=object)
    first_codes, first_uniques = pd.factorize(first)
    full_name = np.array([len(f) > 1 for f in first_uniques], dtype=bool)[first_codes]
    letter_codes, _ = pd.factorize(np.array([f[0] for f in first_uniques], dtype=object)[first_codes])
    distinct_full = phone_codes[full_name][first_rows(phone_codes[full_name], first_codes[full_name])]
    distinct_letters = phone_codes[first_rows(phone_codes, letter_codes)]
    n = phone_codes.max() + 1 if len(phone_codes) else 0
    suspect_codes = (np.bincount(distinct_full, minlength=n) > 1) | (np.bincount(distinct_letters, minlength=n) > 1)
    several = suspect_codes[phone_codes] if n else np.zeros(0, dtype=bool)
    conflicted: set[str] = set()
    reps: dict[tuple[str, str], str] = {}
    names_by_phone: dict[str, dict[tuple[str, str | None], None]] = {}
    lasts = pairs["last"].to_numpy(dtype=object)
    for phone, f, last in zip(
        pairs["phone"].to_numpy(dtype=object)[several], first[several], lasts[several], strict=True
    ):
        names_by_phone.setdefault(phone, {})[(f, last if isinstance(last, str) else None)] = None
    for phone, ordered in names_by_phone.items():
        names = list(ordered)
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
    """Edges for (surname, initial, postal code) keys whose full first names all strictly agree,
    and for (first name, postal code) keys whose surnames are a typo apart. Keys are integers."""
    postal = leads["zip"] if "zip" in leads.columns else pd.Series(None, index=leads.index, dtype="str")
    if "caller_zip" in leads.columns:
        postal = postal.fillna(leads["caller_zip"])
    owner_only = (leads["n_name_source"] == "caller").to_numpy() & isin(leads["n_phone"], conflicted)
    ok = (
        ~spam
        & ~owner_only
        & leads["n_last"].notna().to_numpy()
        & leads["n_first"].notna().to_numpy()
        & postal.notna().to_numpy()
    )
    nodes = np.flatnonzero(ok)
    first = leads["n_first"].to_numpy(dtype=object)[ok]
    last = leads["n_last"].to_numpy(dtype=object)[ok]
    postal_codes, postals = pd.factorize(
        postal[ok].str.upper().str.replace(" ", "", regex=False).to_numpy(dtype=object)
    )
    first_codes, firsts = pd.factorize(first)
    last_codes, _ = pd.factorize(last)
    initial_codes = pd.factorize(np.array([f[0] for f in firsts], dtype=object))[0][first_codes]
    n_postal = max(len(postals), 1)
    surname_key = (last_codes.astype(np.int64) * 64 + initial_codes) * n_postal + postal_codes
    full = np.array([len(f) > 1 for f in firsts], dtype=bool)[first_codes]
    bad = {
        key
        for key, names in _several(surname_key[full], first[full]).items()
        if not all(first_names_strictly_agree(a, b) for i, a in enumerate(names) for b in names[i + 1 :])
    }
    keep = ~np.isin(surname_key, list(bad))
    # misspelled surnames (`david gradner`, `GARDNER DAVID`): same full first name and postal code
    first_key = first_codes.astype(np.int64) * n_postal + postal_codes
    bad = {
        key
        for key, names in _several(first_key[full], last[full]).items()
        if not all(last_name_score(a, b) >= LAST_CLOSE for i, a in enumerate(names) for b in names[i + 1 :])
    }
    typo = full & ~np.isin(first_key, list(bad))
    offset = int(surname_key.max()) + 1 if len(surname_key) else 0
    return pd.DataFrame(
        {
            "node": np.concatenate([nodes[keep], nodes[typo]]),
            "key": np.concatenate([surname_key[keep], first_key[typo] + offset]),
        }
    )


def _several(keys: np.ndarray, values: np.ndarray) -> dict[int, list[str]]:
    """key -> its distinct values, for keys that have more than one (the only ones needing a look)."""
    value_codes, _ = pd.factorize(values)
    counts = pd.Series(keys[first_rows(keys, value_codes)]).value_counts()
    many = np.isin(keys, counts.index[counts > 1].to_numpy())
    out: dict[int, dict[str, None]] = {}
    for k, v in zip(keys[many], values[many], strict=True):
        out.setdefault(int(k), {})[v] = None
    return {k: list(v) for k, v in out.items()}
