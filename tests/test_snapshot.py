"""Loading, typing and writing snapshots."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from wcsf_recon import InputError, read_snapshot, write_snapshot
from wcsf_recon.tables.snapshot import Snapshot

from .conftest import SAMPLE


def test_sample_loads_typed(sample_snapshot: Snapshot) -> None:
    leads = sample_snapshot.wc_leads
    assert len(leads) > 2000
    assert isinstance(leads["date_created"].dtype, pd.DatetimeTZDtype)
    assert str(leads["date_created"].dt.tz) == "UTC"
    assert leads["spam"].dtype == "boolean"
    assert leads["quote_value"].dtype == "float64"
    assert leads["lead_id"].dtype == "str"
    opps = sample_snapshot.sf_opportunities
    assert opps["IsWon"].dtype == "boolean" and opps["Amount"].dtype == "float64"
    lead_ids = sample_snapshot.sf_leads["WhatConverts_Lead_ID__c"].dropna()
    assert len(lead_ids) > 100
    assert not lead_ids.str.contains(r"\.").any(), "178849242.0 must load as 178849242"


def test_float_rendered_ids_are_in_the_sample_file() -> None:
    raw = pd.read_csv(SAMPLE / "salesforce" / "Lead.csv", dtype=str)["WhatConverts_Lead_ID__c"].dropna()
    assert raw.str.endswith(".0").any()  # the committed file really carries Number-field renderings


def test_round_trip_csv_and_parquet(small_world, tmp_path: Path) -> None:
    snap = small_world.snapshot
    for fmt in ("csv", "parquet"):
        dest = write_snapshot(snap, tmp_path / fmt, fmt=fmt)
        back = read_snapshot(dest)
        for name, frame in snap.tables().items():
            pd.testing.assert_frame_equal(back.tables()[name], frame, check_dtype=False, obj=f"{fmt}:{name}")


def test_unknown_columns_are_kept(tmp_path: Path) -> None:
    snap = _copy_sample(tmp_path)
    path = snap / "salesforce" / "Lead.csv"
    frame = pd.read_csv(path, dtype=str)
    frame["Favourite_Color__c"] = "blue"
    frame.to_csv(path, index=False)
    assert (read_snapshot(snap).sf_leads["Favourite_Color__c"] == "blue").all()


def test_jsonl_raw_leads(tmp_path: Path) -> None:
    snap = _copy_sample(tmp_path)
    (snap / "whatconverts" / "leads.csv").unlink()
    (snap / "whatconverts" / "leads.jsonl").write_text(
        '{"lead_id": 178849242, "lead_type": "Phone Call", "date_created": "2025-05-28T19:19:51Z",'
        ' "email_address": "", "quote_value": null, "spam": false, "additional_fields": [],'
        ' "lead_analysis": {"Lead Summary": "wants a quote"}}\n'
        '{"lead_id": 178849243, "lead_type": "Web Form", "date_created": "2025-05-29T10:00:00Z",'
        ' "additional_fields": {"First Name*": "Dana"}, "spam": true}\n'
    )
    leads = read_snapshot(snap).wc_leads
    assert leads["lead_id"].tolist() == ["178849242", "178849243"]
    assert leads["email_address"].isna().all()
    assert leads["additional_fields.First Name*"].tolist()[1] == "Dana"
    assert leads["spam"].tolist() == [False, True]
    assert "wants a quote" in leads["lead_analysis"].iloc[0]


def _copy_sample(tmp_path: Path) -> Path:
    dest = tmp_path / "snap"
    shutil.copytree(SAMPLE, dest, ignore=shutil.ignore_patterns("truth"))
    return dest


def _rewrite(path: Path, edit) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")


def _error(snap: Path) -> str:
    with pytest.raises(InputError) as info:
        read_snapshot(snap)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_missing_required_column(tmp_path: Path) -> None:
    snap = _copy_sample(tmp_path)
    path = snap / "salesforce" / "Opportunity.csv"
    frame = pd.read_csv(path, dtype=str).drop(columns=["StageName"])
    frame.to_csv(path, index=False)
    message = _error(snap)
    assert "Opportunity.csv" in message and "missing required column(s) StageName" in message


def test_duplicate_primary_key(tmp_path: Path) -> None:
    snap = _copy_sample(tmp_path)
    path = snap / "whatconverts" / "leads.csv"
    _rewrite(path, lambda lines: [*lines[:6], lines[3], *lines[6:]])
    message = _error(snap)
    assert "leads.csv: duplicate primary key (first seen at row 3)" in message
    assert "column 'lead_id', row 6" in message


def test_unparseable_date(tmp_path: Path) -> None:
    snap = _copy_sample(tmp_path)
    path = snap / "salesforce" / "Lead.csv"
    frame = pd.read_csv(path, dtype=str)
    frame.loc[4, "CreatedDate"] = "31/12/2025 10:00"
    frame.to_csv(path, index=False)
    message = _error(snap)
    assert "Lead.csv: unparseable date" in message
    assert "column 'CreatedDate', row 5, value '31/12/2025 10:00'" in message


def test_not_a_boolean(tmp_path: Path) -> None:
    snap = _copy_sample(tmp_path)
    path = snap / "salesforce" / "Opportunity.csv"
    frame = pd.read_csv(path, dtype=str)
    frame.loc[2, "IsWon"] = "maybe"
    frame.to_csv(path, index=False)
    assert "column 'IsWon', row 3, value 'maybe'" in _error(snap)


def test_wrong_encoding(tmp_path: Path) -> None:
    snap = _copy_sample(tmp_path)
    path = snap / "salesforce" / "Contact.csv"
    lines = path.read_bytes().split(b"\n")
    lines[7] = lines[7].replace(b",", ",Müller".encode("cp1252"), 1)  # one line saved by Excel
    path.write_bytes(b"\n".join(lines))
    message = _error(snap)
    assert "Contact.csv: not valid utf-8" in message and "line 8" in message and "row 7" in message


def test_utf16_bom_refused_utf8_bom_accepted(tmp_path: Path) -> None:
    snap = _copy_sample(tmp_path)
    path = snap / "salesforce" / "Account.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert len(read_snapshot(snap).sf_accounts) > 0  # Excel's UTF-8 BOM is fine
    path.write_bytes(text.encode("utf-16"))
    assert "Account.csv: file is UTF-16 encoded (byte-order mark found); save it as UTF-8" in _error(snap)


def test_empty_file(tmp_path: Path) -> None:
    snap = _copy_sample(tmp_path)
    (snap / "salesforce" / "OpportunityContactRole.csv").write_text("")
    assert "OpportunityContactRole.csv: file is empty (expected a header row)" in _error(snap)


def test_header_only_file_is_an_empty_table(tmp_path: Path) -> None:
    snap = _copy_sample(tmp_path)
    (snap / "salesforce" / "OpportunityContactRole.csv").write_text("Id,OpportunityId,ContactId\n")
    assert len(read_snapshot(snap).sf_contact_roles) == 0


def test_malformed_csv_row(tmp_path: Path) -> None:
    snap = _copy_sample(tmp_path)
    path = snap / "salesforce" / "Account.csv"
    _rewrite(path, lambda lines: [*lines[:3], lines[3] + ",extra,cells,here", *lines[4:]])
    message = _error(snap)
    assert "Account.csv: malformed CSV" in message and "row 3" in message


def test_missing_required_table(tmp_path: Path) -> None:
    snap = _copy_sample(tmp_path)
    (snap / "salesforce" / "Lead.csv").unlink()
    assert "Lead.csv: required table file not found" in _error(snap)


def test_cli_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from wcsf_recon.cli import app

    snap = _copy_sample(tmp_path)
    (snap / "salesforce" / "Contact.csv").write_text("")
    result = CliRunner().invoke(app, ["profile", "--snapshot", str(snap)])
    assert result.exit_code == 2
    assert "Contact.csv: file is empty" in result.output
    assert "Traceback" not in result.output


def test_failed_write_leaves_destination_untouched(small_world, tmp_path: Path) -> None:
    dest = write_snapshot(small_world.snapshot, tmp_path / "snap")
    before = {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    broken = Snapshot(**{**small_world.snapshot.tables(), "sf_accounts": _Unwritable()})
    with pytest.raises(RuntimeError):
        write_snapshot(broken, dest)
    after = {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["snap"]  # no staging folder left behind


class _Unwritable(pd.DataFrame):
    """A table whose serialization fails half-way through a snapshot write."""

    @property
    def columns(self):  # type: ignore[override]
        raise RuntimeError("disk full")
