"""Group WhatConverts leads into people: repeat callers, a call then a form then a chat.

Leads join when they share a normalized email, a visitor id (`user_id`) or a normalized phone;
or the same surname, first initial and postal code when the full first names under that key
strictly agree (equal or nicknames; Dana is not Diana): a call showing `GONZALEZ K` and a chat
from `kathryn gonzalez` in one ZIP; or the same full first name and postal code with surnames
a typo apart (`GARDNER DAVID`, `david gradner`).
A phone on which clearly different first names appear (a household landline, a switchboard; a
name typed from the browser of a call on it appears on it, `visitor_names_on_lines`) is *conflicted*:
there it only joins leads whose typed first names agree, and calls that carry no typed name stay
on their own (the caller-ID name is the line owner's, not the caller's).
An email address is conflicted the same way (a family mailbox, `garcias@gmail.com`, that Jose
and Maria both write from): there it only joins leads whose first names agree. Names that are
nicknames, initials or cut-off prefixes of each other, or one name with first and last swapped
(`Smith Robert`, a caller ID read in the other order), are one person, not a conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..normalize.names import (
    account_name_counts,
    first_name_score,
    first_names_strictly_agree,
    full_names_of,
    last_name_score,
    written_backwards,
)
from ..normalize.postal import postal_key
from ..tables.frames import among, isin
from .codes import column_codes, first_of_each, stable_order, tuple_codes
from .email_typos import provider_typos_read
from .graph import components, dense_codes

# first names at or above FIRST_AGREE agree (nicknames and initials score 1); full first names below
# FIRST_CONFLICT (and not nicknames) are two people; surnames at LAST_AGREE under one first name and
# postal code are a typo of one person's. The same thresholds as the pair rules, defined there.
from .rules import FIRST_AGREE as NAME_COMPATIBLE
from .rules import FIRST_CONFLICT as NAME_CONFLICT
from .rules import LAST_AGREE as LAST_CLOSE


@dataclass
class Clusters:
    """`cluster` per lead (index-aligned with the leads; -1 for spam) and the conflicted phones and mailboxes."""

    cluster: pd.Series
    conflicted_phones: frozenset[str]
    conflicted_emails: frozenset[str] = frozenset()  # family mailboxes: different people write from them

    @property
    def conflicted(self) -> frozenset[str]:
        """Phones and mailboxes carrying different people (E.164 numbers and addresses never collide)."""
        return self.conflicted_phones | self.conflicted_emails


def _swapped(a: tuple[str, str | None], b: tuple[str, str | None]) -> bool:
    """One name written first-name-last (`Smith Robert`, a caller ID read in the other order): one person."""
    (fa, la), (fb, lb) = a, b
    if la is None or lb is None:
        return False
    return first_name_score(fa, lb) >= NAME_COMPATIBLE and first_name_score(fb, la) >= NAME_COMPATIBLE


def _name_groups(names: list[tuple[str, str | None]]) -> dict[tuple[str, str | None], str]:
    """Greedy grouping of compatible names (first names agree, or first and last swapped): name -> representative."""
    reps: list[tuple[str, str | None]] = []
    out: dict[tuple[str, str | None], str] = {}
    for name in names:
        for rep in reps:
            if first_name_score(name[0], rep[0]) >= NAME_COMPATIBLE or _swapped(name, rep):
                out[name] = rep[0]
                break
        else:
            reps.append(name)
            out[name] = name[0]
    return out


def key_names(
    leads: pd.DataFrame, people: pd.DataFrame, wc_col: str, sf_cols: tuple[str, ...], names: NameKeys | None = None
) -> pd.DataFrame:
    """Distinct (key, first, last) of the names seen on a phone or an email, in WhatConverts and Salesforce,
    as Arrow text (`CodedNames.text` of `coded_key_names`).

    `names`: the names' codes if already made (the phones and the emails read the same names).
    """
    names = names or NameKeys(leads, people)
    spam = leads["spam"].fillna(False).astype(bool).to_numpy()
    return coded_key_names(KeyCodes(leads[wc_col], [people[c] for c in sf_cols]), names, spam).text()


class NameKeys:
    """Codes of the leads' and the records' first and last names (one dictionary per part, -1 where missing),
    made once for the phones' and the emails' distinct names: `lead` and `sf` are (first, last) code arrays,
    `firsts` and `lasts` the dictionaries (Arrow text)."""

    def __init__(self, leads: pd.DataFrame, people: pd.DataFrame) -> None:
        n = len(leads)
        first, self.firsts = pd.factorize(
            pd.concat([_text(leads["n_first"]), _text(people["n_first"])], ignore_index=True)
        )
        last, self.lasts = pd.factorize(pd.concat([_text(leads["n_last"]), _text(people["n_last"])], ignore_index=True))
        self.lead = (first[:n], last[:n])
        self.sf = (first[n:], last[n:])


class KeyCodes:
    """Codes of one kind of key (phones, emails) in the leads' column and the records' columns, in one dictionary
    (-1 where missing): factorized once, in Arrow text, for the distinct names on keys and the key edges alike."""

    def __init__(self, lead_key: pd.Series, sf_keys: list[pd.Series]) -> None:
        columns = [_text(lead_key), *(_text(k) for k in sf_keys)]
        codes, self.values = pd.factorize(pd.concat(columns, ignore_index=True))
        bounds = np.cumsum([0, *(len(c) for c in columns)])
        self.lead = codes[: bounds[1]]
        self.sf = [codes[bounds[i] : bounds[i + 1]] for i in range(1, len(columns))]


@dataclass
class CodedNames:
    """Distinct (key, first, last) rows as codes (`KeyCodes`, `NameKeys`; -1 for a missing surname),
    in order of first appearance, with the dictionaries that spell them."""

    key: np.ndarray
    first: np.ndarray
    last: np.ndarray
    keys: KeyCodes
    names: NameKeys

    def text(self) -> pd.DataFrame:
        """The rows as Arrow text: (key, first, last)."""
        return pd.DataFrame(
            {
                "key": _spelled(self.keys.values, self.key),
                "first": _spelled(self.names.firsts, self.first),
                "last": _spelled(self.names.lasts, self.last),
            }
        )

    def plus(self, key: np.ndarray, first: np.ndarray, last: np.ndarray) -> CodedNames:
        """These rows, then the given ones not among them (`drop_duplicates` of the two, over codes)."""
        key, first, last = (np.concatenate(pair) for pair in ((self.key, key), (self.first, first), (self.last, last)))
        keep = np.flatnonzero(first_rows(key, first, last + 1))
        return CodedNames(key[keep], first[keep], last[keep], self.keys, self.names)


def _spelled(values: pd.Index, codes: np.ndarray) -> pd.Series:
    """`values[code]` per code as Arrow text, null where -1."""
    return pd.Series(values.take(codes, allow_fill=True, fill_value=None), dtype="str")


def coded_key_names(keys: KeyCodes, names: NameKeys, spam: np.ndarray) -> CodedNames:
    """Distinct (key, first, last) of the names seen on a key in the non-spam leads and the records, as codes."""
    sources = [(keys.lead, names.lead, ~spam)] + [(sf, names.sf, np.ones(len(sf), dtype=bool)) for sf in keys.sf]
    key, first, last = [], [], []
    for key_codes, (first_codes, last_codes), wanted in sources:
        ok = wanted & (key_codes >= 0) & (first_codes >= 0)
        key.append(key_codes[ok])
        first.append(first_codes[ok])
        last.append(last_codes[ok])
    none = np.zeros(0, dtype=np.int64)
    empty = CodedNames(none, none, none, keys, names)
    return empty.plus(np.concatenate(key), np.concatenate(first), np.concatenate(last))


def _text(values: pd.Series) -> pd.Series:
    """A text column as pandas `str` (Arrow), whatever dtype it came in."""
    return values if values.dtype == "str" else values.astype("str")


def phone_names(leads: pd.DataFrame, people: pd.DataFrame, names: NameKeys | None = None) -> pd.DataFrame:
    """Distinct (key, first, last) of the names seen on a phone (a lead's, a record's phone or mobile)."""
    return key_names(leads, people, "n_phone", ("n_phone", "n_mobile"), names)


def email_names(leads: pd.DataFrame, people: pd.DataFrame, names: NameKeys | None = None) -> pd.DataFrame:
    """Distinct (key, first, last) of the names seen on an email address (a family mailbox carries several)."""
    return key_names(leads, people, "n_email", ("n_email",), names)


def visitor_names_on_lines(
    leads: pd.DataFrame, phones: KeyCodes, names: NameKeys, user_codes: np.ndarray, spam: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(key, first, last) codes: a phone, and the names typed from the browser (`user_id`, coded) of a call on it.

    The caller ID names the line's owner, whoever of the household calls; the visitor id says whose browser
    it was. A call from Mark Coleman's line whose visitor typed `Diane Coleman` into a form was Diane on
    Mark's line: his line carries two people, as if she had typed her name on it. Joined over codes, in the
    order of the text join (each call's names in the order typed); not made distinct (`CodedNames.plus` is)."""
    typed = (leads["n_name_source"] == "typed").fillna(False).to_numpy(bool)
    has_user = (user_codes >= 0) & ~spam
    first, last = names.lead
    at_calls = np.flatnonzero(has_user & ~typed & (phones.lead >= 0))
    at_names = np.flatnonzero(has_user & typed & (first >= 0))
    calls = pd.DataFrame({"user": user_codes[at_calls], "key": phones.lead[at_calls]})
    typed_names = pd.DataFrame({"user": user_codes[at_names], "first": first[at_names], "last": last[at_names]})
    calls = calls[first_rows(calls["user"].to_numpy(), calls["key"].to_numpy())]
    typed_names = typed_names[
        first_rows(typed_names["user"].to_numpy(), typed_names["first"].to_numpy(), typed_names["last"].to_numpy() + 1)
    ]
    met = calls.merge(typed_names, on="user")
    return met["key"].to_numpy(), met["first"].to_numpy(), met["last"].to_numpy()


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
    """Clearly two people: full first names that disagree (and are not the same name written last-name-first),
    or an initial that disagrees under one surname."""
    (fa, la), (fb, lb) = a, b
    if len(fa) > 1 and len(fb) > 1:
        return first_name_score(fa, fb) < NAME_CONFLICT and not _swapped(a, b)
    return la is not None and la == lb and first_name_score(fa, fb) == 0.0


def find_conflicted_keys(names: CodedNames) -> tuple[frozenset[str], dict[tuple[str, str, str | None], str]]:
    """Keys (phones, emails) carrying clearly different people, and each (key, first, last)'s name-group representative.

    Only a key with two full first names, or two different initials, can carry two people. Those are
    compared first name by name against the key's first name in one pass over arrays; a key where none
    of those pairs conflicts is then examined pair by pair.
    """
    key_codes, first_codes = names.key, names.first
    firsts = np.asarray(names.names.firsts, dtype=object)
    full_name = np.array([len(f) > 1 for f in firsts], dtype=bool)[first_codes]
    letter_codes = pd.factorize(np.array([f[:1] for f in firsts], dtype=object))[0][first_codes]
    distinct_full = key_codes[full_name][first_rows(key_codes[full_name], first_codes[full_name])]
    distinct_letters = key_codes[first_rows(key_codes, letter_codes)]
    n = key_codes.max() + 1 if len(key_codes) else 0
    suspect_codes = (np.bincount(distinct_full, minlength=n) > 1) | (np.bincount(distinct_letters, minlength=n) > 1)
    rows = np.flatnonzero(suspect_codes[key_codes]) if n else np.zeros(0, dtype=np.int64)
    if not len(rows):
        return frozenset(), {}
    # the suspect keys' names grouped by key, each key's in the order they appear
    rows = rows[stable_order(key_codes[rows])]
    keys = key_codes[rows]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(rows)]
    first = firsts[first_codes[rows]]
    last_codes = names.last[rows]
    lasts = np.asarray(names.names.lasts, dtype=object)
    last = np.append(lasts, np.array([None], dtype=object))[last_codes]  # a missing surname is None (code -1)
    head = np.repeat(starts, ends - starts)  # each name's key's first name
    codes = first_codes[rows]
    clash = _conflicting_pairs(head, np.arange(len(rows)), codes, last_codes, firsts, lasts)
    clash_any = np.logical_or.reduceat(clash, starts)
    # the keys where none conflicts with the first: every other pair, in arrays up to PAIRWISE names a key
    sizes = ends - starts
    for size in np.unique(sizes[~clash_any & (sizes > 2) & (sizes <= PAIRWISE)]):
        at = np.flatnonzero(~clash_any & (sizes == size))
        i, j = np.triu_indices(int(size) - 1, 1)  # pairs of the names after the first (those pairs are done)
        left, right = (starts[at, None] + 1 + k[None, :] for k in (i, j))
        found = _conflicting_pairs(left.ravel(), right.ravel(), codes, last_codes, firsts, lasts)
        clash_any[at] = found.reshape(left.shape).any(axis=1)
    key_text = np.asarray(names.keys.values.take(keys[starts]), dtype=object)
    conflicted: set[str] = set()
    reps: dict[tuple[str, str, str | None], str] = {}
    for key, a, b, sure in zip(key_text, starts, ends, clash_any, strict=True):
        if not sure and b - a <= PAIRWISE:
            continue
        seen = list(zip(first[a:b], last[a:b], strict=True))
        if not sure and not any(_conflicting(x, y) for i, x in enumerate(seen) for y in seen[i + 1 :]):
            continue
        conflicted.add(key)
        full = sorted((name for name in seen if len(name[0]) > 1), key=lambda n: (n[0], n[1] or ""))
        reps.update({(key, *name): rep for name, rep in _name_groups(full).items()})
    return frozenset(conflicted), reps


PAIRWISE = 40  # a key of up to this many names is compared pair by pair in arrays (780 pairs), a larger one in a loop


def _conflicting_pairs(
    left: np.ndarray,
    right: np.ndarray,
    first_codes: np.ndarray,
    last_codes: np.ndarray,
    firsts: np.ndarray,
    lasts: np.ndarray,
) -> np.ndarray:
    """`_conflicting(name[left[k]], name[right[k]])` for every pair k, names given by first-name code
    (`firsts[code]`) and surname code (`lasts[code]`, -1: missing). Each distinct pair of names is scored once."""
    a, b = first_codes[left], first_codes[right]
    score = _first_scores(a, b, firsts, firsts)
    full = np.array([len(f) > 1 for f in firsts], dtype=bool)
    both_full = full[a] & full[b]
    out = both_full & (score < NAME_CONFLICT)
    # not a conflict: one name written first-name-last (`_swapped`)
    la, lb = last_codes[left], last_codes[right]
    todo = np.flatnonzero(out & (la >= 0) & (lb >= 0))
    swapped = (_first_scores(a[todo], lb[todo], firsts, lasts) >= NAME_COMPATIBLE) & (
        _first_scores(b[todo], la[todo], firsts, lasts) >= NAME_COMPATIBLE
    )
    out[todo[swapped]] = False
    same_last = (la >= 0) & (la == lb)
    return out | (~both_full & same_last & (score == 0.0))


def _first_scores(x: np.ndarray, y: np.ndarray, x_values: np.ndarray, y_values: np.ndarray) -> np.ndarray:
    """`first_name_score(x_values[x[k]], y_values[y[k]])` per k (non-negative codes), once per distinct pair."""
    n = max(len(y_values), 1)
    pair_codes, pairs = pd.factorize(x.astype(np.int64) * n + y)
    distinct = zip(x_values[pairs // n], y_values[pairs % n], strict=True)
    return np.array([first_name_score(p, q) for p, q in distinct], dtype=float)[pair_codes]


def cluster_leads(leads: pd.DataFrame, people: pd.DataFrame) -> Clusters:
    """Cluster non-spam leads by email, visitor id and phone; on a conflicted phone or mailbox by name as well."""
    n = len(leads)
    spam = leads["spam"].fillna(False).astype(bool).to_numpy()
    # `ann@gmail.con` and `ann@gmail.com` are one person's address (`email_typos.py`)
    leads = leads.assign(n_email=provider_typos_read(leads["n_email"]))
    people = people.assign(n_email=provider_typos_read(people["n_email"]))
    # the phones and the mailboxes read the same names; each kind of key is factorized once, its codes read
    # by the distinct names on keys and by the key edges
    names = NameKeys(leads, people)
    phones = KeyCodes(leads["n_phone"], [people["n_phone"], people["n_mobile"]])
    emails = KeyCodes(leads["n_email"], [people["n_email"]])
    user_codes = pd.factorize(leads["user_id"])[0]
    on_lines = coded_key_names(phones, names, spam).plus(
        *visitor_names_on_lines(leads, phones, names, user_codes, spam)
    )
    conflicted, reps = find_conflicted_keys(on_lines)
    mailboxes, mailbox_reps = find_conflicted_keys(coded_key_names(emails, names, spam))
    idx = np.arange(n)
    typed = (leads["n_name_source"] == "typed").fillna(False).to_numpy()
    families: list[tuple[np.ndarray, np.ndarray]] = []  # (nodes, key values) per kind of key
    has_user = (user_codes >= 0) & ~spam
    families.append((idx[has_user], user_codes[has_user]))
    # a family mailbox joins only the leads of one name, as a shared line does (any name: forms carry typed ones)
    families.extend(
        _key_families(leads["n_email"], emails.lead, leads, spam, mailboxes, mailbox_reps, np.ones(n, dtype=bool))
    )
    # a shared line: calls that carry no typed name stay on their own (the caller ID names the line's owner)
    families.extend(_key_families(leads["n_phone"], phones.lead, leads, spam, conflicted, reps, typed))
    # the readings carry only the name (and `node`, the lead): the rest of a reading is its lead's
    readings = _with_full_first_names(_with_reordered_names(leads, people, names))
    name_keys = _name_place_keys(leads, readings, spam, conflicted)
    families.append((name_keys["node"].to_numpy(), name_keys["key"].to_numpy()))
    nodes, codes, offset = [], [], 0
    for family_nodes, values in families:  # each family's keys numbered 0.., then apart from the others' by an offset
        family_codes = dense_codes(values)
        nodes.append(family_nodes)
        codes.append(family_codes + offset)
        offset += int(family_codes.max(initial=-1)) + 1
    labels = components(n, np.concatenate(nodes), np.concatenate(codes))
    labels[spam] = -1
    return Clusters(
        cluster=pd.Series(labels, index=leads.index, name="cluster"),
        conflicted_phones=conflicted,
        conflicted_emails=mailboxes,
    )


def _key_families(
    key: pd.Series,
    codes: np.ndarray,
    leads: pd.DataFrame,
    spam: np.ndarray,
    conflicted: frozenset[str],
    reps: dict[tuple[str, str, str | None], str],
    may_name: np.ndarray,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Edges for one kind of key: the key itself where it is one person's; `key|name group` where it is
    conflicted, for the leads allowed to say who they are (`may_name`); the others there stay on their own.
    `codes`: the key's codes (`KeyCodes.lead`)."""
    idx = np.arange(len(leads))
    has = (codes >= 0) & ~spam
    on_conflicted = isin(key, conflicted)
    plain = has & ~on_conflicted
    out = [(idx[plain], codes[plain])]
    named = has & on_conflicted & may_name & leads["n_first"].notna().to_numpy()
    if named.any():
        last = leads["n_last"][named].to_numpy(dtype=object)
        triples = zip(
            key[named].to_numpy(dtype=object), leads["n_first"][named].to_numpy(dtype=object), last, strict=True
        )
        grouped = [k + "|" + reps.get((k, f, la if isinstance(la, str) else None), f) for k, f, la in triples]
        out.append((idx[named], np.array(grouped, dtype=object)))
    return out


def _with_reordered_names(leads: pd.DataFrame, people: pd.DataFrame, names: NameKeys | None = None) -> pd.DataFrame:
    """The leads, plus a row in the other order for each name whose order this account's own records say is
    backwards: its first word is mostly a surname here and its last word mostly a first name (`Olson Lauren`
    typed into a form; caller ID `TYLER CRAWFORD`, read surname-first as first `crawford`). `node` is the
    lead's position, so both readings join the one lead. Columns: `n_first`, `n_last`, `node`. `names`: the
    names' codes if made already (`NameKeys`; read where the columns are text, which they code as they are)."""
    out = pd.DataFrame({"n_first": leads["n_first"], "n_last": leads["n_last"], "node": np.arange(len(leads))})
    # once per distinct (first, last): a million leads carry far fewer names
    if names is not None and out["n_first"].dtype == "str" and out["n_last"].dtype == "str":
        pair = tuple_codes(*(np.where(c >= 0, c, c.max(initial=0) + 1) for c in names.lead))  # missing: a code too
    else:
        pair = tuple_codes(column_codes(out["n_first"]), column_codes(out["n_last"]))
    once = first_of_each(pair)
    counts = account_name_counts(leads, people)
    backwards = written_backwards(out["n_first"].iloc[once], out["n_last"].iloc[once], counts)[pair]
    has_alt = "n_first_alt" in leads.columns
    if has_alt:  # a caller ID of unknown order (`JORDAN OWENS`) is read both ways here
        backwards = backwards | (leads["n_first_alt"].notna().to_numpy() & leads["n_last_alt"].notna().to_numpy())
    if not backwards.any():
        return out
    flipped = out[backwards]
    if has_alt:  # a caller ID's first-name-first reading, else the two names exchanged
        first_alt, last_alt = leads["n_first_alt"][backwards], leads["n_last_alt"][backwards]
        alt = first_alt.notna()
        new_first = first_alt.where(alt, flipped["n_last"])
        new_last = last_alt.where(alt, flipped["n_first"])
    else:
        new_first, new_last = flipped["n_last"], flipped["n_first"]
    flipped = flipped.assign(n_first=new_first, n_last=new_last)
    return pd.concat([out, flipped], ignore_index=True)


def _with_full_first_names(readings: pd.DataFrame) -> pd.DataFrame:
    """The readings, plus one per full name of another initial that a first name is a nickname of (`billy hayes`
    also as `william hayes`), so a nickname meets its full name under the surname-initial-postal key. Only names
    longer than the nickname (the `nicknames` package also lists bob for robert: `robert elliott` keyed as bob met
    `barbara elliott`, with whom bob strictly agrees), one per initial (the shortest): `peggy`'s margaret,
    margaretta and marguerite would disagree with each other under one key and keep the lead from `CRUZ M`."""
    first = readings["n_first"]
    distinct = first.dropna().unique()
    full = {
        name: _one_per_initial(f for f in full_names_of(name) if f[:1] != name[:1] and len(f) > len(name))
        for name in distinct
        if len(name) > 1
    }
    full = {name: names for name, names in full.items() if names}
    if not full:
        return readings
    has = first.isin(list(full)).to_numpy()
    extra = readings[has]
    extra = extra.assign(n_first=extra["n_first"].map(full)).explode("n_first")
    return pd.concat([readings, extra.astype({"n_first": "str"})], ignore_index=True)


def _one_per_initial(names: Iterable[str]) -> list[str]:
    """The shortest name (then the first alphabetically) of each initial, in order of initial."""
    chosen: dict[str, str] = {}
    for name in sorted(names, key=lambda n: (len(n), n)):
        chosen.setdefault(name[:1], name)
    return [chosen[k] for k in sorted(chosen)]


def _name_place_keys(
    leads: pd.DataFrame, readings: pd.DataFrame, spam: np.ndarray, conflicted: frozenset[str]
) -> pd.DataFrame:
    """Edges for (surname, initial, postal code) keys whose full first names all strictly agree,
    and for (first name, postal code) keys whose surnames are a typo apart. Keys are integers; `readings`
    holds every reading of a name, each row's `node` the lead it belongs to, whose postal code and phone it has."""
    postal = leads["zip"] if "zip" in leads.columns else pd.Series(None, index=leads.index, dtype="str")
    if "caller_zip" in leads.columns:
        postal = postal.fillna(leads["caller_zip"])
    owner_only = (leads["n_name_source"] == "caller").to_numpy() & isin(leads["n_phone"], conflicted)
    # whole columns coded, then masked: no text gathered per reading, each distinct value folded once
    postal_codes, postals = _folded_codes(postal, postal_key)
    node = readings["node"].to_numpy()  # the lead a reading belongs to (`_with_reordered_names`)
    postal_codes = postal_codes[node]
    ok = (
        ~spam[node]
        & ~owner_only[node]
        & readings["n_last"].notna().to_numpy()
        & readings["n_first"].notna().to_numpy()
        & (postal_codes >= 0)
    )
    nodes, postal_codes = node[ok], postal_codes[ok]
    first_codes, firsts = _folded_codes(readings["n_first"], lambda v: v)
    first_codes = first_codes[ok]
    # a surname keyed without its spaces: `smith jones` (Smith-Jones typed, SMITH JONES D) is the `smithjones`
    # an email address spells (debrasmith-jones35@ read as debra smithjones)
    last_codes, lasts = _folded_codes(readings["n_last"], lambda v: v.str.replace(" ", "", regex=False))
    last_codes = last_codes[ok]
    initial_codes = pd.factorize(np.array([f[:1] for f in firsts], dtype=object))[0][first_codes]
    n_postal = max(len(postals), 1)
    surname_key = (last_codes.astype(np.int64) * 64 + initial_codes) * n_postal + postal_codes
    full = np.array([len(f) > 1 for f in firsts], dtype=bool)[first_codes]
    bad = _disagreeing(surname_key[full], first_codes[full], firsts, first_names_strictly_agree)
    keep = ~among(surname_key, bad)
    # misspelled surnames (`david gradner`, `GARDNER DAVID`): same full first name and postal code
    first_key = first_codes.astype(np.int64) * n_postal + postal_codes
    bad = _disagreeing(first_key[full], last_codes[full], lasts, _surnames_close)
    typo = full & ~among(first_key, bad)
    offset = int(surname_key.max()) + 1 if len(surname_key) else 0
    return pd.DataFrame(
        {
            "node": np.concatenate([nodes[keep], nodes[typo]]),
            "key": np.concatenate([surname_key[keep], first_key[typo] + offset]),
        }
    )


def _folded_codes(values: pd.Series, fold: Callable[[pd.Series], pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    """(a code per row of `fold(values)`, -1 where missing; the distinct folded values as Python strings), for an
    elementwise `fold` applied to the distinct values only (a million readings carry a few thousand)."""
    codes, uniques = pd.factorize(values)  # in Arrow
    folded_codes, folded = pd.factorize(fold(pd.Series(uniques)))
    return np.append(folded_codes, -1)[codes], np.asarray(folded, dtype=object)  # code -1 reads the -1 appended


def _surnames_close(a: str, b: str) -> bool:
    return last_name_score(a, b) >= LAST_CLOSE


def _disagreeing(
    keys: np.ndarray, value_codes: np.ndarray, values: np.ndarray, agree: Callable[[str, str], bool]
) -> np.ndarray:
    """Keys under which two distinct values (`values[code]`) do not `agree`, pair by pair in the order they appear.

    The key's first two values are compared for every key at once; most disagree there, and only keys whose
    first two agree are looked at pair by pair."""
    first = np.flatnonzero(first_rows(keys, value_codes))  # each distinct (key, value) where it first appears
    grouped, codes = keys[first], value_codes[first]
    order = stable_order(grouped)  # grouped by key, each key's values in the order they appear
    grouped, codes = grouped[order], codes[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]]) if len(grouped) else np.zeros(0, dtype=int)
    ends = np.r_[starts[1:], len(grouped)]
    many = ends - starts > 1
    starts, ends = starts[many], ends[many]
    # each distinct pair of values is asked once (`agree` is a pure function of the two texts)
    n = len(values)
    pair_codes, pairs = pd.factorize(codes[starts].astype(np.int64) * n + codes[starts + 1])
    distinct = zip(values[pairs // n], values[pairs % n], strict=True)
    first_two = np.array([agree(a, b) for a, b in distinct], dtype=bool)[pair_codes]
    bad = [grouped[starts[~first_two]]]
    for a, b in zip(starts[first_two], ends[first_two], strict=True):
        names = values[codes[a:b]]
        if b - a > 2 and not all(agree(x, y) for i, x in enumerate(names) for y in names[i + 1 :]):
            bad.append(grouped[a : a + 1])
    return np.concatenate(bad).astype(np.int64)
