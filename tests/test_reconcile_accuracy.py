"""Accuracy against the synthetic world's ground truth, on a seed the matcher was never tuned on.

The matcher was tuned on seeds 7-14 and 100-129. 20261127 was the held-out seed until its
failures were studied; 20261128 was fixed before its first evaluation and not tuned on
afterwards. Figures, and the spread over 20 more unseen seeds, are in the README.

The extended generator (`mess="outside"`, kinds of mess found in real accounts) has its own
held-out seed, 20261201, fixed on 2026-12-01 before its first evaluation. Every target holds there
since 2026-12-02 (until then four were strict xfails); figures per kind are in the README accuracy section.
"""

from __future__ import annotations

import pytest

from wcsf_recon.reconcile import reconcile  # not `from wcsf_recon import`: the module shadows the lazy name
from wcsf_recon.simulate import apply_plan
from wcsf_recon.synth import generate_world
from wcsf_recon.synth.evaluate import evaluate

EVAL_SEED = 20261128
OUTSIDE_SEED = 20261201  # the extended generator's held-out seed (mess="outside")


@pytest.fixture(scope="module")
def world_and_recon():
    world = generate_world(3000, seed=EVAL_SEED)
    return world, reconcile(world.snapshot)


@pytest.fixture(scope="module")
def metrics(world_and_recon):
    return evaluate(*world_and_recon)


def test_person_links(metrics) -> None:
    assert metrics["person_link_precision"] >= 0.995
    assert metrics["person_link_recall_reachable"] >= 0.99
    assert metrics["reachable_leads"] > 3000


def test_opportunity_attribution(metrics) -> None:
    assert metrics["opp_precision"] >= 0.99
    assert metrics["opp_recall"] >= 0.97
    assert metrics["opp_double_credited"] == 0


def test_creates(metrics) -> None:
    assert metrics["creates_needed"] > 500
    assert metrics["create_error_rate"] <= 0.01
    assert metrics["missed_new_people_rate"] <= 0.01
    assert metrics["creates_from_spam"] == 0


def test_sales_value_per_person(metrics) -> None:
    assert metrics["sales_value_person_agreement"] >= 0.99


def test_second_reconcile_after_applying_the_plan_plans_nothing(world_and_recon) -> None:
    world, recon = world_and_recon
    assert all(n > 100 for n in recon.plan.counts().values())
    again = reconcile(apply_plan(world.snapshot, recon.plan))
    assert again.plan.counts() == {
        "salesforce_lead_creates": 0,
        "salesforce_id_backfill": 0,
        "whatconverts_lead_updates": 0,
    }


def test_every_link_is_explained(world_and_recon) -> None:
    links = world_and_recon[1].links
    assert {"wc_lead_id", "sf_object", "sf_id", "rule", "score", "explanation"} <= set(links.columns)
    assert links["rule"].notna().all() and links["explanation"].str.len().gt(20).all()
    assert links["score"].between(0, 1).all()
    assert set(links["sf_object"]) == {"Lead", "Contact", "Opportunity"}
    person = links[links["sf_object"] != "Opportunity"]
    assert not person["wc_lead_id"].duplicated().any()  # one person per lead
    opp = links[links["sf_object"] == "Opportunity"]
    assert not opp["sf_id"].duplicated().any()  # one lead per opportunity


def test_review_queue_lists_candidates_with_reasons(world_and_recon) -> None:
    review = world_and_recon[1].reports["review_queue"]
    assert len(review) > 0
    assert review["reason"].notna().all()
    assert review["wc_lead_ids"].notna().all()


# ---- the extended generator: kinds of mess found outside (wcsf_recon/synth/outside.py) ----------

OUTSIDE_TARGETS = [
    pytest.param("person_link_precision", ">=", 0.995, id="link-precision"),
    pytest.param("person_link_recall_reachable", ">=", 0.99, id="link-recall"),
    pytest.param("opp_precision", ">=", 0.99, id="opp-precision"),
    pytest.param("opp_recall", ">=", 0.97, id="opp-recall"),
    pytest.param("opp_double_credited", "<=", 0, id="opp-never-twice"),
    pytest.param("create_error_rate", "<=", 0.01, id="create-errors"),
    pytest.param("missed_new_people_rate", "<=", 0.01, id="missed-creates"),
    pytest.param("creates_from_spam", "<=", 0, id="no-spam-creates"),
    pytest.param("sales_value_person_agreement", ">=", 0.99, id="sales-value"),
]


@pytest.fixture(scope="module")
def outside_metrics():
    world = generate_world(3000, seed=OUTSIDE_SEED, mess="outside")
    assert set(world.mess_log["kind"]) >= {"shared_mailbox", "place_caller_id", "swapped_names"}
    return evaluate(world, reconcile(world.snapshot))


@pytest.mark.parametrize(("metric", "op", "target"), OUTSIDE_TARGETS)
def test_targets_on_the_outside_mess(outside_metrics, metric: str, op: str, target: float) -> None:
    value = outside_metrics[metric]
    assert value >= target if op == ">=" else value <= target, f"{metric} = {value:.4f}"


def test_outside_world_is_big_enough_to_measure(outside_metrics) -> None:
    assert outside_metrics["reachable_leads"] > 3000 and outside_metrics["creates_needed"] > 500
