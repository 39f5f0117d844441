"""Each decision kind at the seam (in memory): rejected auto-links, overrides, and every kind of stale decision."""

from __future__ import annotations

import pandas as pd
import pytest

from wcsf_recon import reconcile
from wcsf_recon.review.decisions import validate
from wcsf_recon.synth import generate_world


@pytest.fixture(scope="module")
def world_recon():
    world = generate_world(300, seed=4040)
    return world, reconcile(world.snapshot)


def _decide(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return validate(
        pd.DataFrame([{"wc_lead_ids": a, "candidate_id": b, "decision": c, "who": "gus"} for a, b, c in rows]), "<t>"
    )


def _ids(recon, cluster: int) -> str:
    leads = recon.match.leads
    return ";".join(leads.loc[leads["cluster"] == cluster, "lead_id"].astype(str))


def test_rejecting_an_auto_link_unlinks_it_for_good(world_recon) -> None:
    world, recon = world_recon
    linked = recon.match.decisions.linked
    pairs = recon.match.pairs.assign(person=lambda f: recon.match.people.loc[f["row"], "person_id"].to_numpy())
    rivals = pairs[pairs["score"] >= 0.6].groupby("cluster")["person"].nunique()
    with_rival = linked[linked["cluster"].map(rivals).fillna(0) >= 2].iloc[0]
    alone = linked[linked["cluster"].map(rivals).fillna(0) == 1].iloc[0]
    answers = _decide(
        (_ids(recon, with_rival["cluster"]), with_rival["person_id"], "different"),
        (_ids(recon, alone["cluster"]), alone["person_id"], "different"),
    )
    after = reconcile(world.snapshot, decisions=answers)
    links = after.match.person_links
    assert not ((links["cluster"] == with_rival["cluster"]) & (links["person_id"] == with_rival["person_id"])).any()
    queue = after.reports["review_queue"]
    mine = queue[queue["wc_lead_ids"] == _ids(recon, with_rival["cluster"])]
    assert len(mine) >= 1 and with_rival["person_id"] not in set(mine["candidate_id"])
    assert set(mine["reason"]) == {"a reviewer rejected its auto-link"}
    creates = after.plan.salesforce_lead_creates
    assert _ids(recon, alone["cluster"]) in set(creates["source_lead_ids"])  # no candidate left: created
    assert after.review.stale.empty


def test_same_overrides_the_matcher_and_moves_attribution_inputs(world_recon) -> None:
    world, recon = world_recon
    linked = recon.match.decisions.linked.iloc[0]
    other = recon.match.people[
        (recon.match.people["person_id"] != linked["person_id"])
        & (recon.match.people["sf_id"] == recon.match.people["person_id"])
    ].iloc[0]
    after = reconcile(world.snapshot, decisions=_decide((_ids(recon, linked["cluster"]), other["sf_id"], "same")))
    links = after.match.person_links[after.match.person_links["cluster"] == linked["cluster"]]
    assert set(links["person_id"]) == {other["sf_id"]} and set(links["rule"]) == {"reviewed"}
    assert links["explanation"].str.startswith("reviewed by gus").all()
    backfill = after.plan.salesforce_id_backfill
    assert other["sf_id"] in set(backfill["sf_id"]) or isinstance(other["stored_id"], str)


def test_stale_decisions_are_reported_not_applied(world_recon) -> None:
    world, recon = world_recon
    people, leads = recon.match.people, recon.match.leads
    converted = people[people["sf_id"] != people["person_id"]].iloc[0]
    queue = recon.reports["review_queue"]
    review_ids = queue.dropna(subset=["candidate_id"]).iloc[0]
    two = leads[leads["cluster"] >= 0].drop_duplicates("cluster").iloc[:2]
    spam = leads[leads["cluster"] < 0].iloc[0]
    stored = recon.match.decisions.linked
    by_stored = stored[stored["rule"] == "stored_id"].iloc[0]
    by_email = stored[stored["rule"] == "email_phone"].iloc[0]
    answers = _decide(
        (review_ids["wc_lead_ids"], converted["sf_id"], "same"),
        ("999999999", "new", "create"),
        (";".join(two["lead_id"].astype(str)), "new", "create"),
        (str(spam["lead_id"]), "new", "create"),
        (review_ids["wc_lead_ids"], "00Q5g0000009999AAA", "same"),
        (_ids(recon, by_stored["cluster"]), "new", "create"),
        (_ids(recon, by_email["cluster"]), "new", "create"),
    )
    after = reconcile(world.snapshot, decisions=answers)
    problems = after.reports["stale_decisions"]["problem"].tolist()
    own = people.at[by_stored["row"], "stored_id"] in set(_ids(recon, by_stored["cluster"]).split(";"))
    assert len(problems) == (6 if own else 7)
    assert problems[-1] == f"the cluster now matches {by_email['person_object']} {by_email['person_id']}"
    assert f"was converted to Contact {converted['person_id']}" in problems[0]
    assert "999999999 is no longer in the snapshot" in problems[1]
    assert "no longer one person" in problems[2]
    assert "spam or excluded" in problems[3]
    assert "00Q5g0000009999AAA no longer exists" in problems[4]
    # a create for a cluster linked by a stored id: done if the id is its own lead's, else stale
    status = after.review.applied["status"].iloc[5]
    assert status == ("done" if own else "stale")
    assert after.plan.counts() == recon.plan.counts()  # nothing stale was applied
