"""Hostile and broken input files: each accepted correctly or refused with a clear message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from wcsf_recon import InputError, read_snapshot

from .conftest import SAMPLE


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    dest = tmp_path / "snap"
    shutil.copytree(SAMPLE, dest, ignore=shutil.ignore_patterns("truth"))
    return dest


def _opps(snap: Path) -> Path:
    return snap / "salesforce" / "Opportunity.csv"


def test_semicolon_delimited_file_is_read(snap: Path) -> None:
    frame = pd.read_csv(_opps(snap), dtype=str)
    frame.to_csv(_opps(snap), sep=";", index=False)
    assert read_snapshot(snap).sf_opportunities["Amount"].notna().sum() == frame["Amount"].notna().sum()


def test_money_with_currency_symbols_and_thousands(snap: Path) -> None:
    frame = pd.read_csv(_opps(snap), dtype=str)
    frame.loc[0, "Amount"] = "$1,250.00"
    frame.loc[1, "Amount"] = "(300.00)"
    frame.loc[2, "Amount"] = "USD 12"
    frame.to_csv(_opps(snap), index=False)
    amounts = read_snapshot(snap).sf_opportunities["Amount"].head(3).tolist()
    assert amounts == [1250.0, -300.0, 12.0]
    frame.loc[3, "Amount"] = "1.250,00"  # a European decimal comma is ambiguous here: refused
    frame.to_csv(_opps(snap), index=False)
    with pytest.raises(InputError, match=r"Opportunity.csv: not a number \(column 'Amount', row 4, value '1.250,00'\)"):
        read_snapshot(snap)


def test_ids_in_scientific_notation_and_embedded_newlines_quotes_and_a_huge_cell(snap: Path) -> None:
    leads = snap / "salesforce" / "Lead.csv"
    frame = pd.read_csv(leads, dtype=str)
    frame.loc[0, "WhatConverts_Lead_ID__c"] = "1.78849242E8"
    frame.loc[1, "Company"] = 'Acme "Best" Plumbing,\nSecond line'
    frame.loc[2, "Company"] = "x" * 10_000_000
    frame.to_csv(leads, index=False)
    loaded = read_snapshot(snap).sf_leads
    assert loaded.loc[0, "WhatConverts_Lead_ID__c"] == "178849242"
    assert loaded.loc[1, "Company"] == 'Acme "Best" Plumbing,\nSecond line'
    assert len(loaded.loc[2, "Company"]) == 10_000_000


def test_other_date_formats(snap: Path) -> None:
    frame = pd.read_csv(_opps(snap), dtype=str)
    frame.loc[0, "CreatedDate"] = "2025-05-28 19:19:51"  # ISO with a space: accepted as UTC
    frame.to_csv(_opps(snap), index=False)
    assert str(read_snapshot(snap).sf_opportunities.loc[0, "CreatedDate"]) == "2025-05-28 19:19:51+00:00"
    frame.loc[0, "CreatedDate"] = "05/28/2025"  # month/day or day/month: refused, not guessed
    frame.to_csv(_opps(snap), index=False)
    with pytest.raises(InputError, match=r"unparseable date .*column 'CreatedDate', row 1, value '05/28/2025'"):
        read_snapshot(snap)


def test_cp1252_file_is_refused_with_the_line(snap: Path) -> None:
    path = snap / "salesforce" / "Account.csv"
    path.write_bytes(path.read_text(encoding="utf-8").replace("Acme", "Acmé").encode("cp1252", errors="replace"))
    with pytest.raises(InputError, match=r"Account.csv: not valid utf-8 at byte \d+ \(line \d+\); re-save the file"):
        read_snapshot(snap)
