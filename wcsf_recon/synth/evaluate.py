"""Measure a reconciliation against a synthetic world's ground truth (precision, recall, creates, values)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..match.graph import components
from ..reconcile import Reconciliation
from ..simulate import apply_plan
from .world import World


def _reachable_leads(world: World, recon: Reconciliation) -> set[str]:
    """Non-spam leads whose own person's Salesforce record shares an exact key with the person's leads,
    directly or through the person's other leads (shared email, phone or visitor id).

    A key counts only if it identifies one person in Salesforce: a landline shared by a household
    or a company switchboard does not say which of them called.
    """
    leads = recon.match.leads
    truth = world.wc_truth.set_index("lead_id")["person_id"]
    leads = leads.assign(person=leads["lead_id"].map(truth))
    leads = leads[leads["person"].notna()].reset_index(drop=True)
    people = recon.match.people.assign(person=lambda f: f["sf_id"].map(world.sf_truth.set_index("Id")["person_id"]))
    shared_lines = set(_phone_owners(world, recon).loc[lambda s: s > 1].index)
    edges = []
    for col in ("n_email", "user_id", "n_phone"):
        sub = leads[[col, "person"]].dropna()
        sub = sub[~sub[col].isin(shared_lines)]
        edges.append(
            pd.DataFrame({"node": sub.index, "key": col + ":" + sub[col].astype(str) + "|" + sub["person"].astype(str)})
        )
    edges = pd.concat(edges, ignore_index=True)
    comp = components(len(leads), edges["node"].to_numpy(), edges["key"].to_numpy())
    # a key reaches a person only if it leads to that person alone (not a shared landline/switchboard)
    key_rows = pd.concat(
        [
            people[[col, "person"]].dropna().set_axis(["key", "person"], axis=1)
            for col in ("stored_id", "n_email", "n_phone", "n_mobile")
        ],
        ignore_index=True,
    )
    key_rows = key_rows.drop_duplicates()
    unique = key_rows[~key_rows["key"].duplicated(keep=False)]
    sf_keys = set(zip(unique["key"].astype(str), unique["person"].astype(int), strict=True))
    hit = np.zeros(len(leads), dtype=bool)
    for col in ("lead_id", "n_email", "n_phone"):
        values = leads[col].astype(str).to_numpy()
        persons = leads["person"].astype(int).to_numpy()
        hit |= np.array([(v, p) in sf_keys for v, p in zip(values, persons, strict=True)])
    good_components = set(comp[hit])
    return set(leads.loc[np.isin(comp, list(good_components)), "lead_id"])


def evaluate(world: World, recon: Reconciliation) -> dict[str, float]:
    """Accuracy figures of `recon` (made from `world.snapshot`) against the world's truth."""
    lead_person = world.wc_truth.set_index("lead_id")["person_id"]
    sf_person = world.sf_truth.set_index("Id")["person_id"]
    links = recon.match.person_links
    correct = links["wc_lead_id"].map(lead_person).to_numpy() == links["sf_id"].map(sf_person).to_numpy()
    correct_ids = set(links.loc[correct, "wc_lead_id"])
    reachable = _reachable_leads(world, recon)
    in_sf = set(sf_person.dropna().astype(int))
    real = world.wc_truth[world.wc_truth["person_id"].notna()]
    in_sf_leads = set(real.loc[real["person_id"].astype(int).isin(in_sf), "lead_id"])

    opp_person = world.opp_truth.set_index("Id")["person_id"]
    opp_links = recon.match.opp_links
    opp_ok = opp_links["lead_id"].map(lead_person).to_numpy() == opp_links["Id"].map(opp_person).to_numpy()
    contacted = set(world.persons.loc[world.persons["n_leads"] > 0, "person_id"])
    reachable_people = set(lead_person.reindex(list(reachable)).dropna().astype(int))
    kept = recon.match.opps_kept["Id"]
    attributable = kept[kept.map(opp_person).isin(reachable_people)]
    attributable_all = kept[kept.map(opp_person).isin(contacted)]
    opp_right = set(opp_links.loc[opp_ok, "Id"])

    creates = recon.plan.salesforce_lead_creates
    create_person = _create_persons(creates, lead_person)
    needing = _identifiable_people(world, recon) - in_sf
    needing_all = set(world.wc_truth.loc[~world.wc_truth["spam"], "person_id"].dropna().astype(int)) - in_sf
    created_for = create_person.dropna().astype(int)
    dup_existing = int(created_for.isin(in_sf).sum())
    repeat = int(created_for[~created_for.isin(in_sf)].duplicated().sum())
    missed = len(needing - set(created_for))
    missed_all = len(needing_all - set(created_for))
    spam_ids = set(world.wc_truth.loc[world.wc_truth["spam"], "lead_id"])

    return {
        "person_link_precision": float(correct.mean()) if len(correct) else 1.0,
        "person_link_recall_reachable": len(correct_ids & reachable) / max(len(reachable), 1),
        "person_link_recall_overall": len(correct_ids & in_sf_leads) / max(len(in_sf_leads), 1),
        "reachable_leads": len(reachable),
        "opp_precision": float(opp_ok.mean()) if len(opp_ok) else 1.0,
        "opp_recall": len(opp_right & set(attributable)) / max(len(attributable), 1),
        "opp_recall_overall": len(opp_right & set(attributable_all)) / max(len(attributable_all), 1),
        "opp_double_credited": int(opp_links["Id"].duplicated().sum()),
        "creates": len(creates),
        "creates_needed": len(needing),
        "create_error_rate": (dup_existing + repeat) / max(len(needing), 1),
        "creates_duplicating_sf": dup_existing,
        "creates_repeated": repeat,
        "missed_new_people_rate": missed / max(len(needing), 1),
        "missed_new_people_rate_overall": missed_all / max(len(needing_all), 1),
        "creates_from_spam": int(creates["wc_lead_id"].isin(spam_ids).sum()),
        "sales_value_person_agreement": _sales_agreement(world, recon, reachable_people),
        "sales_value_person_agreement_overall": _sales_agreement(world, recon, None),
        "review_clusters": int(recon.match.decisions.review["cluster"].nunique()),
    }


def _phone_owners(world: World, recon: Reconciliation) -> pd.Series:
    """Number of different people seen on each phone, in WhatConverts leads and Salesforce records."""
    leads = recon.match.leads
    leads = leads.assign(person=leads["lead_id"].map(world.wc_truth.set_index("lead_id")["person_id"]))
    people = recon.match.people.assign(person=lambda f: f["sf_id"].map(world.sf_truth.set_index("Id")["person_id"]))
    pairs = pd.concat(
        [leads[["n_phone", "person"]].set_axis(["phone", "person"], axis=1)]
        + [people[[c, "person"]].set_axis(["phone", "person"], axis=1) for c in ("n_phone", "n_mobile")]
    )
    return pairs.dropna().drop_duplicates().groupby("phone")["person"].nunique()


def _identifiable_people(world: World, recon: Reconciliation) -> set[int]:
    """People with a lead that says who they are: an email, a typed name, or a phone nobody else uses.

    A person known only through calls on a shared landline or switchboard (the caller ID naming
    the line's owner) cannot be told from the others on that line.
    """
    leads = recon.match.leads
    person = leads["lead_id"].map(world.wc_truth.set_index("lead_id")["person_id"])
    leads = leads.assign(person=person)[person.notna()]
    people = recon.match.people.assign(person=lambda f: f["sf_id"].map(world.sf_truth.set_index("Id")["person_id"]))
    phone_owners = pd.concat(
        [leads[["n_phone", "person"]].set_axis(["phone", "person"], axis=1)]
        + [people[[c, "person"]].set_axis(["phone", "person"], axis=1) for c in ("n_phone", "n_mobile")]
    )
    owners = phone_owners.dropna().drop_duplicates().groupby("phone")["person"].nunique()
    private = leads["n_phone"].map(owners).eq(1)
    known = leads["n_email"].notna() | (leads["n_name_source"] == "typed") | private
    return set(leads.loc[known, "person"].astype(int))


def _create_persons(creates: pd.DataFrame, lead_person: pd.Series) -> pd.Series:
    """The person a create stands for: the truth person of most of the leads it was built from."""
    if creates.empty:
        return pd.Series(dtype="float")
    rows = creates[["source_lead_ids"]].assign(lead=creates["source_lead_ids"].str.split(";")).explode("lead")
    rows["person"] = rows["lead"].map(lead_person)
    mode = rows.dropna(subset=["person"]).groupby(level=0)["person"].agg(lambda s: s.value_counts().index[0])
    return mode.reindex(creates.index)


def _sales_agreement(world: World, recon: Reconciliation, among: set[int] | None) -> float:
    """Share of people with leads and opportunities whose summed sales_value, after the plan, equals their won amount.

    `among` restricts the people counted (to those reachable by an exact key); None counts all.
    """
    after = apply_plan(world.snapshot, recon.plan)
    leads = after.wc_leads.assign(person=lambda f: f["lead_id"].map(world.wc_truth.set_index("lead_id")["person_id"]))
    sales = leads.groupby("person")["sales_value"].sum(min_count=0)
    opps = recon.match.opps_kept.assign(person=lambda f: f["Id"].map(world.opp_truth.set_index("Id")["person_id"]))
    won = opps.assign(won=np.where(opps["IsWon"].fillna(False).astype(bool), opps["Amount"].fillna(0), 0.0))
    won = won.groupby("person")["won"].sum()
    people = won.index.intersection(sales.index)
    if among is not None:
        people = people[people.isin(list(among))]
    if not len(people):
        return 1.0
    return float((np.abs(sales.reindex(people).fillna(0) - won.reindex(people)) < 0.01).mean())
