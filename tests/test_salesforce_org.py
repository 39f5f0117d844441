"""Push and extract against differently set-up orgs: Number or Text id field, assignment and duplicate rules,
field lengths, several Bulk jobs, case-insensitive names, dropped connections, a refused login, concurrent pushes."""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from wcsf_recon import Config, reconcile
from wcsf_recon.clients.salesforce import SalesforceAuthError, SalesforceReader
from wcsf_recon.extract import ExtractSettings, extract
from wcsf_recon.push import PushLocked, PushSettings, plan_lock, push
from wcsf_recon.push.journal import Journal
from wcsf_recon.sandbox import Faults, OrgSetup, Sandbox
from wcsf_recon.sandbox.org import DEFAULT_OWNER, RULE_OWNER
from wcsf_recon.synth import generate_world

from .builders import reconciled_plan

FIELD = "WhatConverts_Lead_ID__c"


@pytest.fixture(scope="module")
def world():
    return generate_world(200, seed=5)


@pytest.fixture(scope="module")
def plan_template(world, tmp_path_factory) -> Path:
    return reconciled_plan(world.snapshot, tmp_path_factory)


def _plan(template: Path, tmp_path: Path) -> Path:
    shutil.copytree(template, tmp_path / "plan")
    return tmp_path / "plan"


def _reader(box: Sandbox) -> SalesforceReader:
    return SalesforceReader(box.salesforce_credentials(), backoff_s=0.01)


def _creates(plan: Path) -> pd.DataFrame:
    return pd.read_csv(plan / "salesforce_lead_creates.csv", dtype=str, keep_default_na=False)


def _leads_by_wc_id(box: Sandbox) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for record in box.state.sf["Lead"].values():
        value = record.get(FIELD)
        if value not in (None, ""):
            key = str(int(value)) if isinstance(value, float) else str(value)
            out.setdefault(key, []).append(record)
    return out


def _each_create_once(box: Sandbox, plan: Path) -> None:
    have = _leads_by_wc_id(box)
    counts = {wid: len(have.get(wid, [])) for wid in _creates(plan)["wc_lead_id"]}
    assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v != 1}


@pytest.mark.parametrize("id_type", ["string", "double"], ids=["Text", "Number(18,0)"])
def test_resume_after_a_crash_on_text_and_number_id_fields(world, plan_template, tmp_path, id_type) -> None:
    plan = _plan(plan_template, tmp_path)
    with Sandbox(world.snapshot, id_field_is_external=False, org=OrgSetup(id_field_type=id_type)) as box:
        reader = _reader(box)
        assert reader.field("Lead", FIELD)["type"] == id_type
        push(plan, Config(), None, None, PushSettings(apply=False))  # journal the plan
        journal = Journal(plan / "journal.sqlite")
        in_doubt = journal.ops("salesforce", "create", ("planned",))[:3]
        journal.mark_sent([o.op_id for o in in_doubt])  # the run died after sending these three ...
        journal.close()
        done = in_doubt[0]  # ... and Salesforce had created the first before the answer was lost
        made = reader.call(
            lambda sf: sf.restful("composite/sobjects", method="POST", json={"allOrNone": False, "records": [
                {"attributes": {"type": "Lead"}, **{k: v for k, v in done.payload.items() if k != "sobject"}}
            ]}),
            "seed",
        )[0]["id"]  # fmt: skip
        result = push(plan, Config(), None, reader, PushSettings(apply=True))
        assert result.upsert is False and result.failed["salesforce_creates"] == 0
        _each_create_once(box, plan)
        journal = Journal(plan / "journal.sqlite")
        confirmed = {o.op_id: o.result_id for o in journal.ops("salesforce", "create", ("confirmed",))}
        journal.close()
        assert confirmed[done.op_id] == made  # found by the typed lookup, not created again
        quoted = [p for _, _, p, status in box.state.log if status == 400]
        assert quoted == []  # no query was refused for quoting a number


def test_dropped_connections_without_an_external_id_make_no_duplicates(world, plan_template, tmp_path) -> None:
    cut_creates = 0
    for seed in range(12):  # the first seeds whose dropped answers hit create calls (the sequence is seeded)
        plan = _plan(plan_template, tmp_path / str(seed))
        faults = Faults(reset_rate=0.5, seed=seed)
        with Sandbox(world.snapshot, id_field_is_external=False, faults=faults) as box:
            result = push(plan, Config(), None, _reader(box), PushSettings(apply=True))
            cut = [p for _, m, p, status in box.state.log if status == 0 and m == "POST" and "composite" in p]
            _each_create_once(box, plan)
            assert result.failed["salesforce_creates"] == 0 and result.remaining["salesforce_creates"] == 0
            cut_creates += len(cut)
        if cut_creates >= 2:
            break
    assert cut_creates >= 2, "create answers were really cut off after Salesforce did the work"


def test_a_second_push_of_the_same_plan_is_refused(world, plan_template, tmp_path) -> None:
    plan = _plan(plan_template, tmp_path)
    with Sandbox(world.snapshot) as box, plan_lock(plan):  # as if another process were applying it
        with pytest.raises(PushLocked, match="another push is applying"):
            push(plan, Config(), None, _reader(box), PushSettings(apply=True))
        assert not _leads_by_wc_id(box).keys() & set(_creates(plan)["wc_lead_id"])


def test_cli_push_takes_the_run_lock(world, plan_template, tmp_path) -> None:
    from typer.testing import CliRunner

    from wcsf_recon.cli import app
    from wcsf_recon.runs import run_lock

    plan = _plan(plan_template, tmp_path)
    with Sandbox(world.snapshot) as box:
        env = tmp_path / "box.env"
        env.write_text(box.env_text())
        state = tmp_path / "state"
        with run_lock(state):
            out = CliRunner().invoke(
                app, ["push", "--plan", str(plan), "--apply", "--env-file", str(env), "--state-dir", str(state)]
            )
        assert out.exit_code != 0 and "run.lock" in out.output
        from wcsf_recon.push import push_plan
        from wcsf_recon.runs import RunLocked

        with run_lock(state), pytest.raises(RunLocked):  # the notebook entry point takes it too
            push_plan(plan, apply=True, env_file=env, state_dir=state)
        assert box.state.count("salesforce") == 0


@pytest.mark.parametrize("bulk", [False, True], ids=["collections", "bulk2"])
def test_assignment_rules_run_on_creates_as_configured_and_never_on_the_backfill(
    world, plan_template, tmp_path, bulk
) -> None:
    for choice, owner in (("org", RULE_OWNER), ("none", DEFAULT_OWNER)):
        plan = _plan(plan_template, tmp_path / choice)
        with Sandbox(world.snapshot, org=OrgSetup(assignment_rule=True)) as box:
            backfilled = pd.read_csv(plan / "salesforce_id_backfill.csv", dtype=str)
            leads = backfilled.loc[backfilled["sf_object"] == "Lead", "sf_id"].tolist()
            assert leads, "the plan backfills some leads"
            before = {i: box.state.sf["Lead"][i]["OwnerId"] for i in leads}
            settings = PushSettings(apply=True, backfill_ids=True, bulk_threshold=1 if bulk else 10_000)
            push(plan, Config(assignment_rules=choice), None, _reader(box), settings)
            after = {i: box.state.sf["Lead"][i]["OwnerId"] for i in leads}
            assert after == before, "the id backfill reassigned owners"
            assert all(box.state.sf["Lead"][i][FIELD] for i in leads)
            planned = set(_creates(plan)["wc_lead_id"])
            created = [r[0]["OwnerId"] for wid, r in _leads_by_wc_id(box).items() if wid in planned]
            assert created and set(created) == {owner}, (choice, set(created))


def _with_twin(box: Sandbox, plan: Path) -> str:
    """A lead already in the org with the email of one planned create; returns that create's wc id."""
    creates = _creates(plan)
    row = creates[creates["Email"] != ""].iloc[0]
    box.state.sf["Lead"]["00QSBtwin000000AAA"] = {
        **dict.fromkeys(box.state.sf_fields["Lead"]),
        "Id": "00QSBtwin000000AAA",
        "LastName": "Twin",
        "Company": "Twin Co",
        "Email": row["Email"].upper(),
        "IsDeleted": False,
        "OwnerId": DEFAULT_OWNER,
    }
    return row["wc_lead_id"]


def test_duplicates_detected_is_recorded_reported_not_retried(world, plan_template, tmp_path) -> None:
    plan = _plan(plan_template, tmp_path)
    with Sandbox(world.snapshot, org=OrgSetup(duplicate_rule=True)) as box:
        twin = _with_twin(box, plan)
        result = push(plan, Config(), None, _reader(box), PushSettings(apply=True))
        assert result.failed["salesforce_creates"] == 1
        journal = Journal(plan / "journal.sqlite")
        failed = journal.ops("salesforce", "create", ("failed",))
        journal.close()
        assert [(o.record_key, o.error_code, o.attempts) for o in failed] == [(twin, "DUPLICATES_DETECTED", 1)]
        errors = pd.read_csv(plan / "results" / "salesforce_errors.csv", dtype=str)
        assert errors[["key", "error_code"]].values.tolist() == [[twin, "DUPLICATES_DETECTED"]]
        assert twin not in _leads_by_wc_id(box)
    plan = _plan(plan_template, tmp_path / "allow")
    with Sandbox(world.snapshot, org=OrgSetup(duplicate_rule=True)) as box:
        twin = _with_twin(box, plan)
        result = push(plan, Config(duplicate_rules="allow"), None, _reader(box), PushSettings(apply=True))
        assert result.failed["salesforce_creates"] == 0
        _each_create_once(box, plan)


def test_values_longer_than_the_field_are_truncated_or_refused_never_sent_to_fail(
    world, plan_template, tmp_path, caplog
) -> None:
    long_url = "https://example.com/landing?" + "utm=x&" * 80  # 508 characters; the field holds 255
    for choice in ("truncate", "refuse"):
        plan = _plan(plan_template, tmp_path / choice)
        creates = _creates(plan)
        creates.loc[0, "Landing_Page__c"] = long_url
        creates.to_csv(plan / "salesforce_lead_creates.csv", index=False)
        (plan / "plan_manifest.json").unlink(missing_ok=True)  # an edited plan: push the file as it is
        wid = creates.loc[0, "wc_lead_id"]
        with Sandbox(world.snapshot) as box, caplog.at_level(logging.WARNING):
            caplog.clear()
            result = push(plan, Config(long_values=choice), None, _reader(box), PushSettings(apply=True))
            assert "longer than its 255 characters" in caplog.text
            journal = Journal(plan / "journal.sqlite")
            op = next(o for o in journal.all_ops() if o.op_id == f"create:{wid}")
            journal.close()
            if choice == "truncate":
                assert result.failed["salesforce_creates"] == 0
                assert _leads_by_wc_id(box)[wid][0]["Landing_Page__c"] == long_url[:255]
            else:
                assert (op.state, op.error_code, op.attempts) == ("failed", "STRING_TOO_LONG", 0)
                assert wid not in _leads_by_wc_id(box)
                assert result.failed["salesforce_creates"] == 1


def test_every_bulk_job_is_read(world, plan_template, tmp_path) -> None:
    plan = _plan(plan_template, tmp_path)
    with Sandbox(world.snapshot) as box:
        n = len(_creates(plan))
        result = push(
            plan, Config(), None, _reader(box), PushSettings(apply=True, bulk_threshold=1, bulk_job_records=10)
        )
        jobs = box.state.counters["salesforce POST /services/data/v59.0/jobs/ingest"]
        assert jobs == -(-n // 10) and jobs > 1
        assert result.confirmed["salesforce_creates"] == n and result.remaining["salesforce_creates"] == 0


def test_api_names_are_case_insensitive_in_push_and_extract(world, plan_template, tmp_path) -> None:
    config = Config(wc_id_field=FIELD.lower())  # the plan's payloads name the field in lower case
    plan = _plan(plan_template, tmp_path)
    with Sandbox(world.snapshot) as box:
        reader = _reader(box)
        result = push(plan, config, None, reader, PushSettings(apply=True))
        assert result.upsert is True and result.failed["salesforce_creates"] == 0
        _each_create_once(box, plan)
        wc = box.whatconverts_client(1000, tmp_path / "budget.json")
        settings = ExtractSettings(state_dir=tmp_path / "state", history_start=datetime(2024, 1, 1, tzinfo=UTC))
        snapshot, _ = extract(wc, reader, config, settings)
        stored = snapshot.sf_leads[FIELD.lower()].dropna()
        assert set(_creates(plan)["wc_lead_id"]) <= set(stored)


def test_a_refused_login_stops_the_push_and_leaves_the_batch_planned(world, plan_template, tmp_path) -> None:
    plan = _plan(plan_template, tmp_path)
    with Sandbox(world.snapshot) as box:
        reader = _reader(box)
        reader.describe("Lead")
        box.credentials.sf_client_secret = "rotated"  # the secret changed: the next login is refused
        box.faults.session_expires_after = box.state.sf_calls  # and the current session ends now
        with pytest.raises(SalesforceAuthError, match="client credentials"):
            push(plan, Config(), None, reader, PushSettings(apply=True))
        logins = [p for _, _, p, _ in box.state.log if "oauth2" in p]
        journal = Journal(plan / "journal.sqlite")
        states = {o.state for o in journal.ops("salesforce", "create", ("planned", "sent", "failed", "confirmed"))}
        journal.close()
        assert states == {"planned"} and len(logins) == 2  # the first login and the one refused retry


def test_config_check_reports_what_the_push_depends_on(world, tmp_path) -> None:
    from typer.testing import CliRunner

    from wcsf_recon.cli import app

    setups = {
        "plain": (OrgSetup(), {}),
        "ruled": (
            OrgSetup(id_field_type="double", assignment_rule=True, duplicate_rule=True, currencies={"EUR": 1.1}),
            {"id_field_is_external": False},
        ),
    }
    outputs = {}
    for name, (org, options) in setups.items():
        with Sandbox(world.snapshot, org=org, **options) as box:
            env = tmp_path / f"{name}.env"
            env.write_text(box.env_text())
            ran = CliRunner().invoke(
                app, ["config", "check", "--env-file", str(env), "--state-dir", str(tmp_path / name)]
            )
            assert ran.exit_code == 0, ran.output
            outputs[name] = " ".join(ran.output.split())
    plain, ruled = outputs["plain"], outputs["ruled"]
    assert "login flow: OAuth client credentials" in plain
    assert f"id field {FIELD}: Text, External ID (creates upsert)" in plain
    assert f"id field {FIELD}: Number, not an External ID" in ruled
    assert "lead assignment rules: none active" in plain and "lead assignment rules: Web leads" in ruled
    assert "lead duplicate rules: none active" in plain and "Standard Lead Duplicate Rule" in ruled
    assert "multi-currency: off" in plain and "multi-currency: on" in ruled
    assert (
        "Landing_Page__c 255" in plain and "LastName" not in plain.split("field lengths:")[1].split("Salesforce ok")[0]
    )


def test_multi_currency_amounts_are_summed_in_the_corporate_currency(world, tmp_path) -> None:
    with Sandbox(world.snapshot, org=OrgSetup(currencies={"EUR": 0.5})) as box:
        opps = [r for r in box.state.sf["Opportunity"].values() if r.get("Amount")]
        euro = opps[0]
        euro["CurrencyIsoCode"], euro["Amount"] = "EUR", 1000.0  # 1,000 EUR at 0.5 EUR per USD = 2,000 USD
        wc = box.whatconverts_client(1000, tmp_path / "budget.json")
        settings = ExtractSettings(state_dir=tmp_path / "state", history_start=datetime(2024, 1, 1, tzinfo=UTC))
        snapshot, _ = extract(wc, _reader(box), Config(), settings)
    got = snapshot.sf_opportunities.set_index("Id")
    assert float(got.loc[euro["Id"], "Amount"]) == 2000.0
    assert float(got.loc[opps[1]["Id"], "Amount"]) == round(float(opps[1]["Amount"]), 2)  # USD unchanged
    assert (got["AmountCurrency"] == "USD").all() and got.loc[euro["Id"], "CurrencyIsoCode"] == "EUR"
    updates = reconcile(snapshot).plan.whatconverts_lead_updates
    assert len(updates) and updates["explanation"].str.contains("sums in USD").all()
    euro_lead = updates["opportunity_ids"].str.contains(euro["Id"])
    assert euro_lead.sum() == 1
    assert updates.loc[euro_lead, "explanation"].str.contains("static rates (CurrencyType)", regex=False).all()
    assert updates.loc[~euro_lead, "explanation"].str.contains("no Amount converted").all()


def test_dated_rates_convert_each_amount_at_the_rate_in_force_on_its_close_date(world, tmp_path) -> None:
    """Advanced currency management: an EUR rate change on 2025-07-01 splits two opportunities closing either
    side of it (0.5 then 0.8 EUR per USD); one closing before any dated rate falls back to CurrencyType (0.9)."""
    dated = {"EUR": [("2024-01-01", 0.5), ("2025-07-01", 0.8)]}
    with Sandbox(world.snapshot, org=OrgSetup(currencies={"EUR": 0.9}, dated_rates=dated)) as box:
        opps = [r for r in box.state.sf["Opportunity"].values() if r.get("Amount")]
        before, after, uncovered = opps[0], opps[1], opps[2]
        for record, close in ((before, "2025-06-30"), (after, "2025-07-01"), (uncovered, "2023-12-31")):
            record["CurrencyIsoCode"], record["Amount"], record["CloseDate"] = "EUR", 1000.0, close
        expected = {before["Id"]: 2000.0, after["Id"]: 1250.0, uncovered["Id"]: 1111.11}
        usd = {r["Id"]: round(float(r["Amount"] or 0.0), 2) for r in opps if r["Id"] not in expected}
        wc = box.whatconverts_client(1000, tmp_path / "budget.json")
        settings = ExtractSettings(state_dir=tmp_path / "state", history_start=datetime(2024, 1, 1, tzinfo=UTC))
        snapshot, _ = extract(wc, _reader(box), Config(), settings)
    got = snapshot.sf_opportunities.set_index("Id")
    assert {k: float(got.loc[k, "Amount"]) for k in expected} == expected
    assert got.loc[before["Id"], "AmountRates"] == "dated" and got.loc[uncovered["Id"], "AmountRates"] == "static"
    updates = reconcile(snapshot).plan.whatconverts_lead_updates
    mine = updates[updates["opportunity_ids"].str.contains("|".join(expected))]
    assert len(mine) >= 3  # the leads these opportunities are attributed to get sums at each one's rate
    for row in mine.itertuples():
        ids = str(row.opportunity_ids).split(";")
        assert row.quote_value == pytest.approx(sum({**usd, **expected}[i] for i in ids), abs=0.01)
        assert ("dated rates" in row.explanation) == bool({before["Id"], after["Id"]} & set(ids))
        assert ("static rates (CurrencyType)" in row.explanation) == (uncovered["Id"] in ids)
    static_only = updates[~updates["opportunity_ids"].str.contains("|".join(expected))]
    assert static_only["explanation"].str.contains("no Amount converted").all()


def test_dated_rate_periods_are_half_open_and_kept_per_currency() -> None:
    """[StartDate, NextStartDate): the day a new rate starts takes the new rate; each ISO code has its own
    periods; no CloseDate, a date past a closed period, or the corporate currency fall back / stay as entered."""
    from wcsf_recon.extract import in_corporate_currency

    opps = pd.DataFrame(
        {
            "Amount": ["100", "100", "100", "100", "100", "100"],
            "CurrencyIsoCode": ["EUR", "EUR", "GBP", "EUR", "USD", "GBP"],
            "CloseDate": ["2025-06-30", "2025-07-01", "2025-07-01", None, "2025-07-01", "2026-01-01"],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    dated = pd.DataFrame(
        {
            "IsoCode": ["EUR", "EUR", "GBP"],
            "ConversionRate": [0.5, 0.8, 0.25],
            "StartDate": ["2025-01-01", "2025-07-01", "2025-01-01"],
            "NextStartDate": ["2025-07-01", None, "2025-12-01"],
        }
    )
    got = in_corporate_currency(opps, ("USD", {"USD": 1.0, "EUR": 0.9, "GBP": 0.4}), dated)
    assert got["Amount"].tolist() == ["200.00", "125.00", "400.00", "111.11", "100.00", "250.00"]
    assert got["AmountRates"].fillna("none").tolist() == ["dated", "dated", "dated", "static", "none", "static"]
    assert got.index.tolist() == [10, 11, 12, 13, 14, 15] and got["Amount_original"].eq("100").all()


def test_single_currency_orgs_are_unchanged(world, tmp_path) -> None:
    with Sandbox(world.snapshot) as box:
        wc = box.whatconverts_client(1000, tmp_path / "budget.json")
        settings = ExtractSettings(state_dir=tmp_path / "state", history_start=datetime(2024, 1, 1, tzinfo=UTC))
        snapshot, _ = extract(wc, _reader(box), Config(), settings)
    assert "AmountCurrency" not in snapshot.sf_opportunities
    assert "explanation" not in reconcile(snapshot).plan.whatconverts_lead_updates


def test_a_bare_carriage_return_survives_a_bulk_upsert(world, tmp_path) -> None:
    """Issue 12 item 1 on the Bulk 2.0 path: simple-salesforce writes the job CSV with the csv module, which
    quotes a value holding a lone `\\r` or `\\r\\n`, so each arrives whole on its own record (a guard: it
    passed before any change, unlike pandas' CSV writer, which split such rows)."""
    from dataclasses import replace

    leads = world.snapshot.wc_leads.copy()
    leads["lead_source"] = [f"Spring\r@SUM(1+{i})\r\nsale" for i in range(len(leads))]
    snapshot = replace(world.snapshot, wc_leads=leads)
    recon = reconcile(snapshot)
    recon.write(tmp_path / "out")
    plan = tmp_path / "out" / "plan"
    with Sandbox(snapshot) as box:
        before = len(box.state.sf["Lead"])
        result = push(plan, Config(), None, _reader(box), PushSettings(apply=True, bulk_threshold=1))
        n = len(recon.plan.salesforce_lead_creates)
        assert result.confirmed["salesforce_creates"] == n and result.failed["salesforce_creates"] == 0
        assert len(box.state.sf["Lead"]) == before + n  # no record split into two, none lost
        have = _leads_by_wc_id(box)
        expected = dict(zip(leads["lead_id"].astype(str), leads["lead_source"], strict=True))
        for wid in recon.plan.salesforce_lead_creates["wc_lead_id"].astype(str):
            assert len(have[wid]) == 1 and have[wid][0]["UTM_Source__c"] == expected[wid], wid
