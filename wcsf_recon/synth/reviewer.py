"""A reviewer who knows a synthetic world's truth: answers review-shaped items same / different / create."""

from __future__ import annotations

import pandas as pd

from ..review.decisions import validate
from .world import World


def truth_decisions(world: World, items: pd.DataFrame, who: str = "truth") -> pd.DataFrame:
    """Decisions for items in the review-queue shape (`wc_lead_ids`, `candidate_id`), from the truth tables.

    The cluster's person is the truth person of most of its leads; a candidate who is that person
    gets `same`; when none is, every candidate gets `different` and the cluster `create`.
    """
    lead_person = world.wc_truth.set_index("lead_id")["person_id"]
    sf_person = world.sf_truth.set_index("Id")["person_id"]
    rows: list[dict[str, str]] = []
    for ids, group in items.groupby("wc_lead_ids", sort=False):
        persons = pd.Series(str(ids).split(";")).map(lead_person).dropna()
        person = persons.mode().iloc[0] if len(persons) else None
        candidates = [str(c) for c in group["candidate_id"].dropna()]
        same = [c for c in candidates if person is not None and sf_person.get(c) == person]
        if same:
            rows.append({"wc_lead_ids": str(ids), "candidate_id": same[0], "decision": "same", "who": who})
        else:
            rows += [
                {"wc_lead_ids": str(ids), "candidate_id": c, "decision": "different", "who": who} for c in candidates
            ]
            rows.append({"wc_lead_ids": str(ids), "candidate_id": "new", "decision": "create", "who": who})
    return validate(pd.DataFrame(rows), "<truth>")
