"""Decide per WhatConverts cluster: link to one Salesforce person, send to review, or leave unmatched.

Candidates are grouped by the person they resolve to (a converted Lead and its Contact are one
person). The best person is linked when its score reaches the auto-link threshold and no other
person comes within the ambiguity margin. Near-equal people that are the same human typed
twice into Salesforce (a Lead whose name agrees; records with one email and names that do not
conflict, or are swapped; one stored id; Contacts whose names agree and that share a phone or an
email) are Salesforce duplicates: the Contact, else the oldest record, is linked and the others
are reported. Anything else close
goes to the review queue with its candidates; nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..tables.frames import isin
from .arrow_text import equal, join, put, shown_text, subset, templated, text_series
from .codes import column_codes, first_of_each, tuple_codes
from .conflicts import EXACT_RULES
from .name_codes import NameCodes
from .rules import AMBIGUITY_MARGIN, EVIDENCE_RANK, FIRST_AGREE, FIRST_CONFLICT, LAST_AGREE

_RULE_TEXT = {
    "stored_id": "stored id {key} on {obj} {id}",
    "email_phone": "email {key} = {obj} {id}",
    "email": "email {key} = {obj} {id}",
    "phone": "phone {key} = {obj} {id}",
    "shared_phone": "shared phone {key} = {obj} {id}",
    "shared_email": "shared mailbox {key} = {obj} {id}",
    "fuzzy_email": "email {key} ({obj} {id})",
    "fuzzy_name": "name {key} = {obj} {id}",
    "fuzzy_name_postal": "name {key} = {obj} {id}",
    "fuzzy_name_company": "name {key} = {obj} {id}",
    "model": "likely the same person: {key} = {obj} {id}",
}


@dataclass
class Decisions:
    """Per-cluster outcome: `linked` (one row per linked cluster), `review` and `sf_duplicates`."""

    linked: pd.DataFrame
    review: pd.DataFrame
    sf_duplicates: pd.DataFrame


def explain(pairs: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
    """One line per pair: the evidence, the record, the names, and where a converted Lead leads.

    Built in Arrow kernels, one rule's template at a time (`_RULE_TEXT[rule].format(...)` for every pair):
    a million lines as Python strings would be a loop per row."""
    at = pa.array(pairs["row"].to_numpy(dtype=np.int64))
    sf_id, person, obj = (pc.take(shown_text(people[c]), at) for c in ("sf_id", "person_id", "sf_object"))
    text = templated(pairs["rule"], _RULE_TEXT, {"key": shown_text(pairs["key"]), "obj": obj, "id": sf_id})
    converted = ~equal(person, sf_id)
    if converted.any():
        through = join(subset(text, converted), " (converted to Contact ", subset(person, converted), ")")
        text = put(text, converted, through)
    text = join(text, "; ", shown_text(pairs["name_note"]))
    return text_series(text, index=pairs.index)


def _same_human(a_rows: np.ndarray, b_rows: np.ndarray, people: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(same, keyed) per pair of records: `same` where two records are one human typed twice, `keyed` where
    they also share an email, a phone or a stored id (two Contacts then too are one person, not two).

    One human: names that agree (nicknames, initials); names that do not conflict, or are first
    and last swapped, with the same email; or the same stored WhatConverts id. A family mailbox
    under two conflicting first names is two people.
    """
    read = [c for c in ("n_first", "n_last", "n_email", "stored_id", "n_phone", "n_mobile") if c in people.columns]
    a = people.loc[a_rows, read].reset_index(drop=True)  # the columns compared only, not every column of a record
    b = people.loc[b_rows, read].reset_index(drop=True)
    # `first_name_scores` / `last_name_scores` over name codes: each distinct pair of names scored once
    coded = NameCodes(a["n_first"], a["n_last"], b["n_first"], b["n_last"])
    a_first, a_last, b_first, b_last = coded.codes
    first = coded.first_scores(a_first, b_first)
    last = coded.last_scores(a_last, b_last)
    with np.errstate(invalid="ignore"):
        agree = (first >= FIRST_AGREE) & (last >= LAST_AGREE)
        swapped = (coded.first_scores(a_first, b_last) >= FIRST_AGREE) & (
            coded.first_scores(b_first, a_last) >= FIRST_AGREE
        )
        conflict = (first < FIRST_CONFLICT) & ~swapped

    def same(column: str) -> np.ndarray:
        return (a[column].notna() & (a[column] == b[column])).fillna(False).to_numpy(dtype=bool)

    same_email, same_stored = same("n_email"), same("stored_id")
    same_phone = same("n_phone") | same("n_mobile")
    one = agree | (same_email & ~conflict) | same_stored
    return one, one & (same_email | same_phone | same_stored)


def decide(pairs: pd.DataFrame, people: pd.DataFrame, config: Config) -> Decisions:
    """Link, review or leave each cluster that has candidates."""
    if pairs.empty:
        empty = pd.DataFrame(columns=[*pairs.columns, "person_object", "person_id", "explanation"])
        return Decisions(empty, empty.assign(reason=None), pd.DataFrame(columns=["sf_id", "duplicate_of"]))
    rows = pairs["row"].to_numpy()
    # the choices run on a narrow frame (numbers only; the person as a code): the pairs' text and the
    # person's ids are gathered once, for the rows linked or queued (`_explained`)
    narrow = pd.DataFrame(
        {
            "cluster": pairs["cluster"].to_numpy(),
            "score": pairs["score"].to_numpy(),
            "evidence_rank": _evidence_rank(pairs["rule"]),
            "is_contact": (people["sf_object"] == "Contact").to_numpy()[rows],
            "created": people["created"].astype("int64").to_numpy()[rows],
            "row": rows,
            "person": column_codes(people["person_id"])[rows],
            "pos": np.arange(len(pairs)),
        },
        index=pairs.index,
    )
    # best evidence per (cluster, person): the person's own score
    ordered = narrow.sort_values(
        ["cluster", "score", "evidence_rank", "is_contact", "created"], ascending=[True, False, False, False, True]
    )
    per_person = _first_per_person(ordered)
    best = per_person.drop_duplicates("cluster")
    rivals = per_person[~per_person.index.isin(best.index)]
    rivals = rivals.merge(best[["cluster", "score", "row"]], on="cluster", suffixes=("", "_best"))
    close = rivals[rivals["score"] >= rivals["score_best"] - AMBIGUITY_MARGIN]
    same, keyed = _same_human(close["row_best"].to_numpy(), close["row"].to_numpy(), people)
    close_object = people["person_object"].take(close["row"].to_numpy()).to_numpy(dtype=object)
    a_lead = (close_object == "Lead") | (
        people["person_object"].take(close["row_best"].to_numpy()).to_numpy(dtype=object) == "Lead"
    )
    duplicate = (same & a_lead) | keyed
    sf_duplicates = pd.DataFrame(
        {
            "sf_object": close_object[duplicate],
            "sf_id": people["person_id"].take(close.loc[duplicate, "row"].to_numpy()).to_numpy(dtype=object),
            "duplicate_of": people.loc[close.loc[duplicate, "row_best"], "person_id"].to_numpy(),
            "cluster": close.loc[duplicate, "cluster"].to_numpy(),
        }
    ).drop_duplicates(["sf_id", "duplicate_of"])
    ambiguous = set(close.loc[~duplicate, "cluster"])
    auto = best["score"] >= config.auto_link_threshold
    reviewable = best["score"] >= config.review_threshold
    linked = best[auto & ~best["cluster"].isin(ambiguous)]
    review_clusters = set(best.loc[reviewable & ~best.index.isin(linked.index), "cluster"])
    review = per_person[per_person["cluster"].isin(review_clusters) & (per_person["score"] >= config.review_threshold)]
    reason = np.where(
        review["cluster"].isin(ambiguous),
        "two or more people of near-equal strength",
        "evidence below the auto-link threshold",
    )
    linked = _explained(pairs, narrow, linked["pos"].to_numpy(), people)
    review = _explained(pairs, narrow, review["pos"].to_numpy(), people).assign(reason=reason)
    # an exact email or phone whose names conflict unexplained is never created unseen (issue 11 item 2)
    unexplained = _unexplained(pairs)[ordered["pos"].to_numpy()]
    clash = ordered[unexplained].drop_duplicates(["cluster", "person"])
    clash = clash[~clash["cluster"].isin(set(linked["cluster"]) | review_clusters)]
    if len(clash):
        clash = _explained(pairs, narrow, clash["pos"].to_numpy(), people)
        clash = clash.assign(
            reason="an exact email or phone, but the names conflict (not a swap, placeholder or household)"
        )
        review = pd.concat([review, clash], ignore_index=True)
    return Decisions(linked=linked, review=review, sf_duplicates=sf_duplicates)


def _first_per_person(ordered: pd.DataFrame) -> pd.DataFrame:
    """`ordered.drop_duplicates(["cluster", "person"])`: the first row of each (cluster, person), found by integer
    codes of the pair (a hash of one integer column, not of two) where both are non-negative integers."""
    cluster, person = ordered["cluster"].to_numpy(), ordered["person"].to_numpy()
    if cluster.dtype.kind not in "iu" or person.dtype.kind not in "iu" or not len(cluster):
        return ordered.drop_duplicates(["cluster", "person"])
    if int(cluster.min()) < 0 or int(person.min()) < 0:
        return ordered.drop_duplicates(["cluster", "person"])
    return ordered.iloc[first_of_each(tuple_codes(cluster, person))]


def _explained(pairs: pd.DataFrame, narrow: pd.DataFrame, positions: np.ndarray, people: pd.DataFrame) -> pd.DataFrame:
    """The pairs at `positions` with the person they resolve to, the numbers the choice read, and their
    one-line `explanation`; each gathered only for these rows."""
    chosen = pairs.iloc[positions]
    picked = narrow.iloc[positions]
    rows = picked["row"].to_numpy()
    chosen = chosen.assign(
        person_object=people["person_object"].take(rows).to_numpy(dtype=object),
        person_id=people["person_id"].take(rows).to_numpy(dtype=object),
        is_contact=picked["is_contact"].to_numpy(),
        created=picked["created"].to_numpy(),
        evidence_rank=picked["evidence_rank"].to_numpy(),
    )
    return chosen.assign(explanation=explain(chosen, people))


def _evidence_rank(rule: pd.Series) -> np.ndarray:
    """`rule.map(EVIDENCE_RANK)` over the distinct rules (integers; floats with NaN where a rule has no rank)."""
    codes, uniques = pd.factorize(rule)
    ranks = np.array([EVIDENCE_RANK.get(r, np.nan) for r in uniques] + [np.nan])  # the last: code -1
    ranks = ranks[codes]
    return ranks.astype(np.int64) if not np.isnan(ranks).any() else ranks


def _exact_conflicts(pairs: pd.DataFrame) -> pd.Series:
    exact = pairs["rule"].isin(EXACT_RULES) & (pairs["names"] == "conflict")
    return exact.fillna(False).astype(bool)


def _unexplained(pairs: pd.DataFrame) -> np.ndarray:
    """Per pair: on an exact email or phone, the names conflict, and no explanation (swap, placeholder,
    place, household) accounts for it: for the review queue."""
    explained = False
    if "name_explained" in pairs:
        note = pairs["name_explained"]
        explained = note.notna() & note.ne("")  # NaN and "" alike: no explanation
    return (_exact_conflicts(pairs) & ~explained).to_numpy(dtype=bool)


def household_notes(pairs: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
    """cluster -> why the create is deliberate: another member of a household on an exact key (the plan shows it)."""
    if "name_explained" not in pairs or pairs.empty:
        return pd.Series(dtype="str")
    family = pairs[_exact_conflicts(pairs) & pairs["name_explained"].eq("household")]
    if family.empty:
        return pd.Series(dtype="str")
    text = explain(family, people)
    return pd.Series(text.to_numpy(), index=family["cluster"].to_numpy()).groupby(level=0).first().astype("str")


def shared_line_orphans(leads: pd.DataFrame, conflicted: frozenset[str], taken: set[int]) -> pd.DataFrame:
    """Clusters known only by a shared line (household, switchboard): sent to review, never created.

    Such a cluster has no email, no typed name, and only phones on which clearly different
    people appear; the caller ID names the line's owner, so who called is not known.
    """
    live = leads[(leads["cluster"] >= 0) & ~leads["cluster"].isin(taken)]
    if live.empty or not conflicted:
        return pd.DataFrame(columns=["cluster", "reason", "rule", "score", "explanation"])
    flags = (
        pd.DataFrame(
            {
                "cluster": live["cluster"],
                "email": live["n_email"].notna(),
                "typed": (live["n_name_source"] == "typed").fillna(False),
                "phone": live["n_phone"].notna(),
                "shared": isin(live["n_phone"], conflicted),
                "number": live["n_phone"],
            }
        )
        .groupby("cluster")
        .agg(
            email=("email", "any"),
            typed=("typed", "any"),
            phone=("phone", "any"),
            shared=("shared", "all"),
            number=("number", "first"),
        )
    )
    orphan = flags[~flags["email"] & ~flags["typed"] & flags["phone"] & flags["shared"]]
    return pd.DataFrame(
        {
            "cluster": orphan.index,
            "reason": "calls from a shared line: the caller ID names the line's owner",
            "rule": "shared_phone",
            "score": 0.0,
            "explanation": "phone " + orphan["number"] + " is shared by different people; caller not identifiable",
        }
    )


def anonymous_repeat_callers(leads: pd.DataFrame, taken: set[int]) -> pd.DataFrame:
    """Nameless callers WhatConverts marks as repeat contacts, matched to nobody: sent to review, not created.

    The cluster has no email and no name at all (`WIRELESS CALLER`, a city for a caller ID) and
    its earliest lead is already `Repeat`: WhatConverts has seen this person before, under some
    lead nothing here ties the call to. A new Salesforce lead would most likely duplicate the
    person's lead from that earlier contact, and a nameless one could not be merged by sight.
    """
    live = leads[(leads["cluster"] >= 0) & ~leads["cluster"].isin(taken)]
    if live.empty or "lead_status" not in live.columns:
        return pd.DataFrame(columns=["cluster", "reason", "rule", "score", "explanation"])
    ordered = live.assign(_dup=live["duplicate"].fillna(False).astype(bool)).sort_values(
        ["cluster", "_dup", "date_created"], kind="stable"
    )
    flags = ordered.groupby("cluster", sort=False).agg(
        first_status=("lead_status", "first"),
        email=("n_email", "count"),
        first_name=("n_first", "count"),
        last_name=("n_last", "count"),
        number=("n_phone", "first"),
    )
    held = flags[
        flags["first_status"].str.lower().eq("repeat").fillna(False)
        & (flags["email"] == 0)
        & (flags["first_name"] == 0)
        & (flags["last_name"] == 0)
    ]
    return pd.DataFrame(
        {
            "cluster": held.index,
            "reason": "a nameless caller WhatConverts marks as a repeat contact: likely a person already known",
            "rule": "anonymous_repeat",
            "score": 0.0,
            "explanation": "calls from " + held["number"].fillna("an unknown number") + " with no name or email; "
            "the first is already a repeat contact in WhatConverts",
        }
    )
