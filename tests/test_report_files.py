"""Report files people open: duplicates say who and why; the review queue file has no column that repeats another."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wcsf_recon import reconcile


@pytest.fixture(scope="module")
def recon(sample_snapshot):
    return reconcile(sample_snapshot)


def test_salesforce_duplicates_say_who_the_records_are_and_why(recon) -> None:
    dups = recon.reports["salesforce_duplicates"]
    assert len(dups) > 5
    for column in ("name", "email", "phone", "duplicate_of_name", "duplicate_of_email", "duplicate_of_phone", "why"):
        assert column in dups.columns
    assert dups["name"].notna().all() and dups["why"].str.startswith("names agree (").all()
    row = dups.iloc[0]
    assert row["name"].lower() in row["why"] and str(row["duplicate_of"]) in row["why"]
    shared = dups[dups["email"] == dups["duplicate_of_email"]]
    assert len(shared) and shared["why"].str.contains("same email ", regex=False).all()
    assert dups["wc_lead_ids"].notna().all()


def test_review_queue_file_drops_columns_that_repeat_another(recon, tmp_path: Path) -> None:
    queue = recon.reports["review_queue"]
    repeated = (queue["matched_id"] == queue["candidate_id"]) | queue["matched_id"].isna()
    assert repeated.all()  # in the sample the matched record is always the candidate itself
    recon.write(tmp_path)
    written = pd.read_csv(tmp_path / "reports" / "review_queue.csv", dtype=str)
    assert "matched_id" not in written.columns and "matched_object" not in written.columns
    assert "found_through" not in written.columns  # nothing to say: left out
    for a in written.columns:  # no column equals another one
        for b in written.columns:
            if a < b:
                assert not written[a].fillna("").equals(written[b].fillna("")), (a, b)
    assert {"wc_lead_ids", "candidate_id", "decision"} <= set(written.columns)  # what `review --import` reads


def test_lead_import_csv_is_ready_for_data_loader_without_stray_apostrophes(recon, tmp_path: Path) -> None:
    recon.write(tmp_path)
    import csv

    with (tmp_path / "plan" / "salesforce_lead_import.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))  # what an importer sees: the raw cells
    creates = recon.plan.salesforce_lead_creates
    assert len(rows) == len(creates) > 100
    assert "wc_lead_id" not in rows[0] and "cluster" not in rows[0]
    assert {"FirstName", "LastName", "Company", "Phone", "Email", "LeadSource", "WhatConverts_Lead_ID__c"} <= set(
        rows[0]
    )
    phones = [r["Phone"] for r in rows if r["Phone"]]
    assert phones and all(p.startswith("+") for p in phones)  # E.164 as it is, no leading '
    assert not any(v.startswith("'") for r in rows for v in r.values())
    for column in rows[0]:
        expected = creates[column].fillna("").astype(str).tolist()
        assert [r[column] for r in rows] == expected, column
    # the neutralized plan file beside it still has the quote, for people who open it in a spreadsheet
    assert "'+1" in (tmp_path / "plan" / "salesforce_lead_creates.csv").read_text()
