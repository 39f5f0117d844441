"""The synthetic world: deterministic, messy in the promised ways, with consistent truth."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wcsf_recon import normalize_snapshot, read_snapshot
from wcsf_recon.synth import generate_world, read_truth, write_world


def test_same_seed_same_world() -> None:
    a, b = generate_world(120, seed=5), generate_world(120, seed=5)
    for name, frame in a.snapshot.tables().items():
        pd.testing.assert_frame_equal(frame, b.snapshot.tables()[name])
    c = generate_world(120, seed=6)
    assert not a.snapshot.wc_leads["contact_name"].equals(c.snapshot.wc_leads["contact_name"])


def test_truth_covers_every_record(small_world) -> None:
    snap = small_world.snapshot
    assert set(small_world.wc_truth["lead_id"]) == set(snap.wc_leads["lead_id"])
    spam = small_world.wc_truth[small_world.wc_truth["spam"]]
    assert len(spam) > 0 and spam["person_id"].isna().all()
    real = small_world.wc_truth[~small_world.wc_truth["spam"]]
    assert real["person_id"].notna().all()
    sf_ids = set(snap.sf_leads["Id"]) | set(snap.sf_contacts["Id"])
    assert set(small_world.sf_truth["Id"]) == sf_ids
    assert set(small_world.opp_truth["Id"]) == set(snap.sf_opportunities["Id"])


def test_world_is_messy_in_the_promised_ways() -> None:
    world = generate_world(2500, seed=3)
    leads, sf_leads = world.snapshot.wc_leads, world.snapshot.sf_leads
    assert (leads["lead_status"] == "Repeat").mean() > 0.15
    assert leads["duplicate"].sum() > 0
    assert leads["caller_name"].eq("WIRELESS CALLER").any()
    assert leads["contact_name"].str.islower().mean() > 0.1
    assert leads["email_address"].str.contains(r"gmial|yaho\.|hotmial", na=False).any()
    assert sf_leads["Phone"].str.contains(r"^\(\d{3}\) ", na=False).any()
    assert sf_leads["Phone"].str.contains(r" x\d+$", na=False).any()
    assert sf_leads["WhatConverts_Lead_ID__c"].notna().any() and sf_leads["WhatConverts_Lead_ID__c"].isna().any()
    assert sf_leads["IsConverted"].any() and sf_leads["ConvertedOpportunityId"].notna().any()
    assert world.persons["household_of"].notna().any()
    assert world.persons["switchboard"].notna().any()
    same_name = world.persons.duplicated(["first_name", "last_name"], keep=False)
    assert same_name.any()
    countries = set(sf_leads["Country"].dropna())
    assert {"United Kingdom", "Canada"} & countries or {"UK", "CA"} & countries


def test_written_world_reads_back(tmp_path: Path) -> None:
    world = generate_world(200, seed=9)
    write_world(world, tmp_path / "w")
    snap = read_snapshot(tmp_path / "w")
    assert snap.counts() == world.snapshot.counts()
    truth = read_truth(tmp_path / "w")
    assert len(truth["wc_truth"]) == len(world.wc_truth)


def test_sample_normalization_reports_invalid_values(sample_snapshot) -> None:
    from wcsf_recon.normalize import quality_report

    report = quality_report(normalize_snapshot(sample_snapshot))
    assert {"invalid_number", "missing_at"} <= set(report["reason"])
    assert (report["count"] > 0).all()
