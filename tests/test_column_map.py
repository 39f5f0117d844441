"""Export headers (Salesforce reports, WhatConverts Lead Manager), id fields and config names checked on load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from wcsf_recon import Config, ConfigError, InputError, read_snapshot, reconcile, write_snapshot
from wcsf_recon.cli import app
from wcsf_recon.tables.snapshot import SnapshotWarning

from .conftest import SAMPLE

SF_REPORT = {"Email": "Email Address", "Phone": "Business Phone", "FirstName": "First Name", "MobilePhone": "Mobile"}
WC_EXPORT = {
    "lead_id": "Lead ID",
    "lead_type": "Lead Type",
    "date_created": "Date Created",
    "email_address": "Email Address",
    "phone_number": "Phone Number",
    "lead_source": "Source",
    "quote_value": "Quote Value",
}


def _rename(path: Path, renames: dict[str, str]) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.rename(columns=renames).to_csv(path, index=False)


def _edit(path: Path, edit) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(frame).to_csv(path, index=False)


@pytest.fixture(scope="module")
def world_dir(small_world, tmp_path_factory) -> Path:
    return write_snapshot(small_world.snapshot, tmp_path_factory.mktemp("w") / "snap")


@pytest.fixture(scope="module")
def baseline(world_dir):
    return reconcile(read_snapshot(world_dir))


def _copy(world_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(world_dir, tmp_path / "snap"))


def test_report_and_lead_manager_headers_reconcile_like_api_names(world_dir, baseline, tmp_path) -> None:
    snap = _copy(world_dir, tmp_path)
    _rename(snap / "salesforce" / "Lead.csv", {**SF_REPORT, "Id": "Lead ID", "Company": "Company / Account"})
    _rename(snap / "salesforce" / "Contact.csv", {**SF_REPORT, "Id": "Contact ID"})
    _rename(snap / "whatconverts" / "leads.csv", WC_EXPORT)
    renamed = reconcile(read_snapshot(snap))
    assert renamed.plan.counts() == baseline.plan.counts()
    assert baseline.plan.counts()["salesforce_lead_creates"] > 0
    pd.testing.assert_frame_equal(renamed.links, baseline.links)


def test_config_extends_the_column_map(world_dir, baseline, tmp_path) -> None:
    snap = _copy(world_dir, tmp_path)
    _rename(snap / "salesforce" / "Lead.csv", {"Email": "Lead E-mail"})
    _rename(snap / "salesforce" / "Contact.csv", {"Email": "Work E-mail"})
    cfg = Config.from_mapping(
        {"column_map": {"sf_leads": {"lead e-mail": "Email"}, "sf_contacts": {"Work E-mail": "Email"}}}
    )
    loaded = read_snapshot(snap, column_map=cfg.column_map)
    assert loaded.sf_leads["Email"].notna().sum() > 0
    assert reconcile(loaded, cfg).plan.counts() == baseline.plan.counts()
    with pytest.raises(ConfigError, match=r"column_map\.Leads is not a snapshot table"):
        Config.from_mapping({"column_map": {"Leads": {"a": "b"}}})


def test_two_headers_for_one_column_are_refused(world_dir, tmp_path) -> None:
    snap = _copy(world_dir, tmp_path)
    _edit(snap / "salesforce" / "Lead.csv", lambda f: f.rename(columns={"Email": "Email Address"}).assign(EMAIL="x"))
    with pytest.raises(InputError, match=r"Lead.csv: both 'Email Address' and 'EMAIL' would be read as Email"):
        read_snapshot(snap)


def test_an_empty_matching_column_is_warned_about_loudly(world_dir, tmp_path) -> None:
    snap = _copy(world_dir, tmp_path)
    _rename(snap / "salesforce" / "Lead.csv", {"Email": "E-mail Addr"})
    _rename(snap / "salesforce" / "Contact.csv", {"Email": "E-mail Addr"})
    with pytest.warns(SnapshotWarning, match=r"Salesforce: every email is empty \(sf_leads.Email, sf_contacts.Email\)"):
        read_snapshot(snap)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["reconcile", "--snapshot", str(snap), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "warning: " in result.output and "Salesforce: every email is empty" in result.output


def test_wc_id_field_the_snapshot_lacks_is_refused_naming_what_it_has(tmp_path) -> None:
    with pytest.raises(InputError) as caught:
        read_snapshot(SAMPLE, wc_id_field="WC_Lead_Id__c")
    message = str(caught.value)
    assert "'WC_Lead_Id__c' is not a column" in message
    assert "look like an id field: WhatConverts_Lead_ID__c" in message
    assert "manifest.json has wc_id_field = 'WhatConverts_Lead_ID__c'" in message
    config = tmp_path / "c.toml"
    config.write_text('[reconcile]\nwc_id_field = "WC_Lead_Id__c"\n')
    result = CliRunner().invoke(
        app, ["reconcile", "--snapshot", str(SAMPLE), "--out", str(tmp_path / "o"), "--config", str(config)]
    )
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) <= 3, result.output
    assert "WC_Lead_Id__c" in result.output and not (tmp_path / "o").exists()


def test_wc_id_field_in_another_case_is_named_as_such() -> None:
    with pytest.raises(InputError, match=r"WhatConverts_Lead_ID__c differs only in case"):
        read_snapshot(SAMPLE, wc_id_field="whatconverts_lead_id__c")


def test_an_org_without_the_id_field_yet_still_loads(world_dir, tmp_path) -> None:
    snap = _copy(world_dir, tmp_path)
    for name in ("Lead", "Contact", "Opportunity"):
        _edit(snap / "salesforce" / f"{name}.csv", lambda f: f.drop(columns=["WhatConverts_Lead_ID__c"]))
    manifest = json.loads((snap / "manifest.json").read_text())
    manifest.pop("wc_id_field", None)
    (snap / "manifest.json").write_text(json.dumps(manifest))
    loaded = read_snapshot(snap)
    assert loaded.sf_leads["WhatConverts_Lead_ID__c"].isna().all()


def test_15_character_ids_join_18_character_ones(world_dir, baseline, tmp_path) -> None:
    snap = _copy(world_dir, tmp_path)

    def shorten(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        for col in columns:  # every other row, as a report export mixed with API data would be
            rows = frame.index % 2 == 0
            frame.loc[rows, col] = frame.loc[rows, col].str[:15]
        return frame

    _edit(snap / "salesforce" / "Opportunity.csv", lambda f: shorten(f, ["Id", "AccountId", "ContactId"]))
    _edit(snap / "salesforce" / "Contact.csv", lambda f: shorten(f, ["Id", "AccountId"]))
    _edit(snap / "salesforce" / "OpportunityContactRole.csv", lambda f: shorten(f, ["OpportunityId", "ContactId"]))
    _edit(snap / "salesforce" / "Lead.csv", lambda f: shorten(f, ["ConvertedContactId", "ConvertedAccountId"]))
    raw = pd.read_csv(snap / "salesforce" / "Opportunity.csv", dtype=str)
    assert (raw["ContactId"].dropna().str.len() == 15).any()
    mixed = reconcile(read_snapshot(snap))
    assert baseline.reports["unmatched_salesforce_opportunities"].shape[0] < len(read_snapshot(snap).sf_opportunities)
    pd.testing.assert_frame_equal(
        mixed.reports["unmatched_salesforce_opportunities"], baseline.reports["unmatched_salesforce_opportunities"]
    )
    pd.testing.assert_frame_equal(mixed.links, baseline.links)


def test_lead_fields_naming_a_missing_column_are_refused(tmp_path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[reconcile.lead_fields]\nUTM_Source__c = "lead_sourc"\n')
    cfg = Config.from_toml(config)
    with pytest.raises(ConfigError, match=r"UTM_Source__c = 'lead_sourc'.*no column 'lead_sourc'.*lead_source"):
        reconcile(read_snapshot(SAMPLE), cfg)
    result = CliRunner().invoke(
        app, ["config", "check", "--offline", "--config", str(config), "--snapshot", str(SAMPLE)]
    )
    assert result.exit_code == 2 and "lead_sourc" in result.output, result.output
    ok = tmp_path / "ok.toml"
    ok.write_text('[reconcile.lead_fields]\nUTM_Source__c = "lead_source"\n')
    result = CliRunner().invoke(app, ["config", "check", "--offline", "--config", str(ok), "--snapshot", str(SAMPLE)])
    assert result.exit_code == 0 and "lead_fields" in result.output, result.output


def test_unknown_default_region_is_refused() -> None:
    with pytest.raises(ConfigError, match="default_region must be a region phonenumbers supports"):
        Config.from_mapping({"default_region": "XX"})
    assert Config.from_mapping({"default_region": "gb"}).default_region == "GB"
    result = CliRunner().invoke(app, ["profile", "--snapshot", str(SAMPLE), "--default-region", "XX"])
    assert result.exit_code == 2 and "--default-region" in result.output and "'XX'" in result.output
