"""Apply reviewers' decisions to a match result, after classification and before planning.

`same` links the cluster to the candidate (rule `reviewed`, score 1.0, the reviewer in the
explanation); `different` removes that candidate for good (a cluster left without candidates takes
the normal path: a create, unless it is held for another reason); `create` takes the cluster out
of review so a Salesforce Lead is planned. A decision whose records changed since it was made is
reported in `stale_decisions` and not applied: a lead no longer in the snapshot or now spam, leads
that are no longer one cluster, a Salesforce record deleted or merged away, a Lead since converted,
or a `create` for a cluster that now matches someone other than the Lead it created.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from ..config import Config
from ..match import MatchResult
from ..match import _person_links as person_links_of  # the one shape person links have
from ..match.classify import Decisions, explain
from ..match.opportunities import attribute
from ..tables.frames import join_by
from ..tables.snapshot import Snapshot
from .decisions import COLUMNS, empty_decisions, validate

CANDIDATE_COLUMNS = [
    "cluster", "wc_lead_ids", "outcome", "person_object", "person_id", "row", "rule", "score", "explanation"
]  # fmt: skip
APPLIED_COLUMNS = [*COLUMNS, "cluster", "status", "problem"]


@dataclass
class ReviewOutcome:
    """What the decisions did: the matcher's own candidates before them, each decision's fate, the stale ones.

    `candidates` is built from `before` (the match result the decisions were applied to) on first read:
    a reconcile that nobody asks for labels does not pay for it (1.8 s at a million leads).
    """

    before: MatchResult | None = None
    applied: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=APPLIED_COLUMNS))

    @cached_property
    def candidates(self) -> pd.DataFrame:
        """The matcher's verdicts per (cluster, candidate person) before the decisions (`candidate_table`)."""
        if self.before is None:
            return pd.DataFrame(columns=CANDIDATE_COLUMNS)
        return candidate_table(self.before)

    @property
    def stale(self) -> pd.DataFrame:
        """Decisions not applied because their records changed (the `stale_decisions` report)."""
        return self.applied[self.applied["status"] == "stale"].reset_index(drop=True)


def candidate_table(match: MatchResult) -> pd.DataFrame:
    """The matcher's verdicts per (cluster, candidate person): `auto_link` or `review`, with rule and score."""
    linked = match.decisions.linked.assign(outcome="auto_link")
    review = match.decisions.review.assign(outcome="review")
    both = pd.concat([linked, review], ignore_index=True).reindex(columns=CANDIDATE_COLUMNS)
    members = match.leads[match.leads["cluster"] >= 0]
    ids = join_by(members["cluster"], members["lead_id"])
    both["wc_lead_ids"] = both["cluster"].map(ids)
    return both.reset_index(drop=True)


def apply_decisions(
    match: MatchResult, snapshot: Snapshot, decisions: pd.DataFrame | None, config: Config
) -> tuple[MatchResult, ReviewOutcome]:
    """The match result with the decisions honoured, and what each decision did."""
    before = match
    decisions = empty_decisions() if decisions is None else validate(decisions, "decisions")  # any frame given
    if decisions.empty:
        return match, ReviewOutcome(before)
    status = resolve(match, decisions)
    outcome, excluded = _per_cluster(status, match.people)
    linked, review, changed = _new_verdicts(match, outcome, excluded, config)
    status = _check_creates(status, match)
    if changed:
        untouched = match.person_links[~match.person_links["cluster"].isin(changed)]
        added = person_links_of(match.leads, linked[linked["cluster"].isin(changed)], match.people)
        person_links = pd.concat([untouched, added], ignore_index=True)
        opp_links = attribute(
            match.opps_kept,
            snapshot.sf_leads,
            snapshot.sf_contacts,
            snapshot.sf_contact_roles,
            snapshot.wc_leads,
            person_links,
            config,
        )
        match = replace(
            match,
            decisions=Decisions(linked, review, match.decisions.sf_duplicates),
            person_links=person_links,
            opp_links=opp_links,
        )
    else:
        match = replace(match, decisions=Decisions(linked, review, match.decisions.sf_duplicates))
    return match, ReviewOutcome(before, status.reindex(columns=APPLIED_COLUMNS))


def resolve(match: MatchResult, decisions: pd.DataFrame) -> pd.DataFrame:
    """Each decision with its cluster in this run, or why it is stale."""
    lead_cluster = dict(zip(match.leads["lead_id"].astype("str"), match.leads["cluster"].astype(int), strict=True))
    people = match.people
    person_of = dict(zip(people["sf_id"], people["person_id"], strict=True))
    obj_of = dict(zip(people["sf_id"], people["sf_object"], strict=True))
    clusters: list[int] = []
    problems: list[str] = []
    for ids_text, candidate, kind in zip(
        decisions["wc_lead_ids"], decisions["candidate_id"], decisions["decision"], strict=True
    ):
        ids = ids_text.split(";")
        gone = [i for i in ids if i not in lead_cluster]
        found = {lead_cluster[i] for i in ids if i in lead_cluster}
        problem = ""
        if gone:
            problem = f"WhatConverts lead {', '.join(gone)} is no longer in the snapshot"
        elif -1 in found:
            problem = "a lead is now spam or excluded from matching"
        elif len(found) > 1:
            problem = "the leads are no longer one person (the matcher now splits them)"
        elif kind != "create" and candidate not in person_of:
            problem = f"Salesforce record {candidate} no longer exists (deleted or merged)"
        elif kind != "create" and person_of[candidate] != candidate:
            problem = f"{obj_of[candidate]} {candidate} was converted to Contact {person_of[candidate]}"
        clusters.append(next(iter(found)) if len(found) == 1 else -1)
        problems.append(problem)
    out = decisions.assign(cluster=clusters, problem=problems)
    out["status"] = np.where(out["problem"] == "", "applied", "stale")
    return out


@dataclass
class _Same:
    """A `same` answer: the people row it links to, and who said so."""

    row: int
    who: str
    when: str
    note: str


def _answers(status: pd.DataFrame) -> list[tuple[int, str, str, str, str, str]]:
    """(cluster, decision, candidate, who, when, note) of the applicable decisions, in file order."""
    live = status[status["status"] == "applied"]
    columns = [live[c].astype("str") for c in ("decision", "candidate_id", "who", "when", "note")]
    return [(int(c), *rest) for c, *rest in zip(live["cluster"], *columns, strict=True)]


def _per_cluster(status: pd.DataFrame, people: pd.DataFrame) -> tuple[dict[int, _Same | str], dict[int, set[str]]]:
    """Per cluster, in file order: the last `same` (person row) or `create`, and the candidates ruled out."""
    row_of = dict(zip(people["sf_id"], people.index, strict=True))
    outcome: dict[int, _Same | str] = {}
    excluded: dict[int, set[str]] = {}
    for cluster, decision, candidate, who, when, note in _answers(status):
        ruled_out = excluded.setdefault(cluster, set())
        if decision == "same":
            outcome[cluster] = _Same(int(row_of[candidate]), who, when, note)
            ruled_out.discard(candidate)
        elif decision == "different":
            ruled_out.add(candidate)
            current = outcome.get(cluster)
            if isinstance(current, _Same) and people.at[current.row, "person_id"] == candidate:
                del outcome[cluster]
        else:
            outcome[cluster] = "create"
    return outcome, excluded


def _check_creates(status: pd.DataFrame, match: MatchResult) -> pd.DataFrame:
    """A `create` whose cluster now links by its own stored id is done; one linking to someone else is stale."""
    linked = match.decisions.linked
    link_row = dict(zip(linked["cluster"].astype(int), linked["row"].astype(int), strict=True))
    link_name = dict(
        zip(linked["cluster"].astype(int), linked["person_object"] + " " + linked["person_id"], strict=True)
    )
    stored_ids = match.people["stored_id"]
    leads = match.leads
    creates = status.index[(status["decision"] == "create") & (status["status"] == "applied")]
    for index, cluster in zip(creates, status.loc[creates, "cluster"].astype(int), strict=True):
        if cluster not in link_row:
            continue
        stored = stored_ids.at[link_row[cluster]]
        own = set(leads.loc[leads["cluster"] == cluster, "lead_id"].astype("str"))
        if isinstance(stored, str) and stored in own:
            status.at[index, "status"] = "done"
        else:
            status.at[index, "status"] = "stale"
            status.at[index, "problem"] = f"the cluster now matches {link_name[cluster]}"
    return status


def _new_verdicts(
    match: MatchResult, outcome: dict[int, _Same | str], excluded: dict[int, set[str]], config: Config
) -> tuple[pd.DataFrame, pd.DataFrame, set[int]]:
    """(linked, review, clusters whose link changed) after the decisions."""
    linked, review, people = match.decisions.linked, match.decisions.review, match.people
    creates = {c for c, o in outcome.items() if o == "create" and c not in set(linked["cluster"])}
    sames = {c: o for c, o in outcome.items() if isinstance(o, _Same)}
    rejected = {c for c, pid in zip(linked["cluster"], linked["person_id"], strict=True) if pid in excluded.get(c, ())}
    rejected -= set(sames)
    decided = creates | set(sames)
    keep_review = ~review["cluster"].isin(decided) & ~np.array(
        [pid in excluded.get(c, ()) for c, pid in zip(review["cluster"], review["person_id"], strict=True)], dtype=bool
    )
    review_rows = [review[keep_review]]
    if rejected:
        review_rows.append(_remaining_candidates(match, rejected, excluded, config))
    new_links = pd.DataFrame(
        {
            "cluster": list(sames),
            "row": [o.row for o in sames.values()],
            "rule": "reviewed",
            "score": 1.0,
            "explanation": [
                f"reviewed by {o.who} ({o.when}): same person as {people.at[o.row, 'sf_object']!s} "
                f"{people.at[o.row, 'sf_id']!s}" + (f"; {o.note}" if o.note else "")
                for o in sames.values()
            ],
            "person_object": [people.at[o.row, "person_object"] for o in sames.values()],
            "person_id": [people.at[o.row, "person_id"] for o in sames.values()],
        }
    )
    kept_links = linked[~linked["cluster"].isin(set(sames) | rejected)]
    reviewed_same = set(sames)
    new_linked = pd.concat([kept_links, new_links], ignore_index=True) if len(new_links) else kept_links
    changed = reviewed_same | rejected
    return new_linked, pd.concat(review_rows, ignore_index=True), changed


def _remaining_candidates(
    match: MatchResult, clusters: set[int], excluded: dict[int, set[str]], config: Config
) -> pd.DataFrame:
    """Review rows for clusters whose auto-link a reviewer rejected: their other candidates above the review bar."""
    pairs, people = match.pairs, match.people
    sub = pairs[pairs["cluster"].isin(clusters)]
    sub = sub.assign(
        person_object=people["person_object"].to_numpy(dtype=object)[sub["row"].to_numpy()],
        person_id=people["person_id"].to_numpy(dtype=object)[sub["row"].to_numpy()],
    )
    sub = sub[
        ~np.array(
            [pid in excluded.get(c, ()) for c, pid in zip(sub["cluster"], sub["person_id"], strict=True)], dtype=bool
        )
        & (sub["score"] >= config.review_threshold)
    ]
    sub = sub.sort_values(["cluster", "score"], ascending=[True, False]).drop_duplicates(["cluster", "person_id"])
    return sub.assign(explanation=explain(sub, people), reason="a reviewer rejected its auto-link")
