"""Push against the sandbox: exact effect, idempotence, faults, budget, and kill -9 at random points."""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import shutil
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pandas as pd
import pytest

from wcsf_recon import Config, reconcile
from wcsf_recon.clients.budget import QuotaExhausted
from wcsf_recon.clients.salesforce import SalesforceReader
from wcsf_recon.clients.whatconverts import WhatConvertsClient
from wcsf_recon.errors import StorageError
from wcsf_recon.extract import ExtractSettings, extract
from wcsf_recon.push import PushSettings, push
from wcsf_recon.push.journal import Journal
from wcsf_recon.sandbox import Faults, Sandbox
from wcsf_recon.synth import generate_world

from .builders import journal_fills_after, reconciled_plan

FIELD = "WhatConverts_Lead_ID__c"
SINCE = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def world():
    return generate_world(400, seed=808)


@pytest.fixture(scope="module")
def plan_template(world, tmp_path_factory) -> Path:
    return reconciled_plan(world.snapshot, tmp_path_factory)


@pytest.fixture(scope="module")
def kill_world():
    """A smaller world for the 20 kill -9 trials: about 40 requests a push, so each trial is short
    and the kill points still fall all over the push (before, between and after its batches)."""
    return generate_world(160, seed=808)


@pytest.fixture(scope="module")
def kill_plan_template(kill_world, tmp_path_factory) -> Path:
    return reconciled_plan(kill_world.snapshot, tmp_path_factory, "kill-recon")


def _fresh_plan(template: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "plan"
    shutil.copytree(template, dest)
    return dest


def _clients(box: Sandbox, state: Path, limit: int = 10_000) -> tuple[WhatConvertsClient, SalesforceReader]:
    wc = box.whatconverts_client(limit, state / "budget.json", backoff_s=0.01)
    sf = SalesforceReader(
        box.salesforce_credentials(),
        backoff_s=0.01,
    )
    return wc, sf


def _target_state(box: Sandbox, plan: Path) -> dict[str, object]:
    """What a finished push must leave: one Lead per planned create, every update's values."""
    creates = pd.read_csv(plan / "salesforce_lead_creates.csv", dtype=str)
    updates = pd.read_csv(plan / "whatconverts_lead_updates.csv", dtype=str)
    by_id: dict[str, int] = {}
    for record in box.state.sf["Lead"].values():
        if record.get(FIELD):
            by_id[record[FIELD]] = by_id.get(record[FIELD], 0) + 1
    lead_values = {
        str(k): (v.get("quotable"), v.get("quote_value"), v.get("sales_value")) for k, v in box.state.wc_leads.items()
    }
    return {
        "creates": {wid: by_id.get(wid, 0) for wid in creates["wc_lead_id"]},
        "updates": {row.wc_lead_id: lead_values[row.wc_lead_id] for row in updates.itertuples()},
        "expected_updates": {
            row.wc_lead_id: ("Yes", _value(row.quote_value), _value(row.sales_value)) for row in updates.itertuples()
        },
    }


def _value(text: object) -> float | None:
    """A planned value; empty = left out of the update (null and nothing to credit), so it stays null."""
    return None if pd.isna(text) else float(str(text))


def _assert_done(box: Sandbox, plan: Path) -> None:
    state = _target_state(box, plan)
    assert set(state["creates"].values()) == {1}, "every planned lead exists exactly once"
    assert state["updates"] == state["expected_updates"]


def test_dry_run_sends_nothing(world, plan_template, tmp_path: Path) -> None:
    plan = _fresh_plan(plan_template, tmp_path)
    with Sandbox(world.snapshot) as box:
        c = box.credentials
        wc = WhatConvertsClient(c.wc_token, c.wc_secret, box.whatconverts_url, verify=str(box.ca_file))
        result = push(plan, Config(), wc, None, PushSettings(apply=False))
        assert box.state.log == []
        assert result.planned["salesforce_creates"] > 50 and result.estimated_calls["whatconverts_requests"] > 50
        assert (plan / "results" / "dry_run.json").exists()


def test_push_applies_exactly_the_plan_and_a_reconcile_after_plans_nothing(sample_snapshot, tmp_path) -> None:
    world_snapshot = sample_snapshot  # the committed 2,000-person sample
    reconcile(world_snapshot).write(tmp_path / "recon")
    plan = tmp_path / "recon" / "plan"
    with Sandbox(world_snapshot) as box:
        wc, sf = _clients(box, tmp_path)
        result = push(plan, Config(), wc, sf, PushSettings(apply=True, backfill_ids=True))
        assert result.error_rate == 0 and result.upsert is True
        _assert_done(box, plan)
        n_creates = result.planned["salesforce_creates"]
        assert len(box.state.sf["Lead"]) == len(world_snapshot.sf_leads) + n_creates
        assert result.wc_requests == result.planned["whatconverts_updates"]  # one request per changed lead
        again = push(plan, Config(), wc, sf, PushSettings(apply=True, backfill_ids=True))
        assert again.wc_requests == 0 and len(box.state.sf["Lead"]) == len(world_snapshot.sf_leads) + n_creates
        snapshot, _ = extract(wc, sf, Config(), ExtractSettings(state_dir=tmp_path / "st", history_start=SINCE))
        assert reconcile(snapshot).plan.counts() == {
            "salesforce_lead_creates": 0,
            "salesforce_id_backfill": 0,
            "whatconverts_lead_updates": 0,
        }
        success = pd.read_csv(plan / "results" / "salesforce_success.csv", dtype=str)
        assert len(success) == n_creates + result.planned["salesforce_backfill"]


def test_faults_reach_the_same_end_state(world, plan_template, tmp_path: Path) -> None:
    plan = _fresh_plan(plan_template, tmp_path)
    faults = Faults(error_rate=0.1, session_expires_after=2, lock_rate=0.1, slow_rate=0.05, slow_s=0.3, seed=9)
    with Sandbox(world.snapshot, faults=faults) as box:
        wc, sf = _clients(box, tmp_path)
        wc._http.timeout = httpx.Timeout(0.15)  # the slow answers become client timeouts, retried
        result = push(plan, Config(), wc, sf, PushSettings(apply=True))
        _assert_done(box, plan)
        assert result.failed == {"salesforce_creates": 0, "whatconverts_updates": 0}
        assert sf.logins >= 2
        journal = Journal(plan / "journal.sqlite")
        assert any(op.attempts > 1 for op in journal.all_ops())  # locked rows were sent again
        journal.close()


def test_bulk_job_above_threshold(world, plan_template, tmp_path: Path) -> None:
    plan = _fresh_plan(plan_template, tmp_path)
    with Sandbox(world.snapshot) as box:
        wc, sf = _clients(box, tmp_path)
        push(plan, Config(), wc, sf, PushSettings(apply=True, bulk_threshold=10))
        _assert_done(box, plan)
        assert box.state.counters["salesforce POST /services/data/v59.0/jobs/ingest"] == 1
        assert box.state.counters["salesforce PATCH /services/data/v59.0/composite/sobjects/Lead/" + FIELD] == 0


def test_without_external_id_creates_once_and_resolves_doubt(world, plan_template, tmp_path: Path) -> None:
    plan = _fresh_plan(plan_template, tmp_path)
    with Sandbox(world.snapshot, id_field_is_external=False) as box:
        wc, sf = _clients(box, tmp_path)
        journal = Journal(plan / "journal.sqlite")
        push(plan, Config(), None, None, PushSettings(apply=False))  # journal the plan
        first = journal.ops("salesforce", "create", ("planned",))[:3]
        journal.mark_sent([o.op_id for o in first])  # as if a run died after sending these
        journal.close()
        result = push(plan, Config(), wc, sf, PushSettings(apply=True))
        assert result.upsert is False
        _assert_done(box, plan)  # the three in doubt were not there, so they were created once


def test_budget_covers_largest_values_first_then_continues(world, plan_template, tmp_path: Path) -> None:
    plan = _fresh_plan(plan_template, tmp_path)
    with Sandbox(world.snapshot) as box:
        wc, sf = _clients(box, tmp_path, limit=10)
        export = tmp_path / "lead-manager-import.csv"
        result = push(plan, Config(), wc, sf, PushSettings(apply=True, wc_import_file=export))
        assert result.wc_requests == 10 and result.remaining["whatconverts_updates"] > 0
        sent = [op for op in Journal(plan / "journal.sqlite").ops("whatconverts", "update", ("confirmed",))]
        planned = pd.read_csv(plan / "whatconverts_lead_updates.csv")
        top = planned.sort_values(["sales_value", "quote_value"], ascending=False).head(10)["wc_lead_id"].astype(str)
        assert {op.record_key for op in sent} == set(top)
        rows = pd.read_csv(export, dtype=str)
        assert list(rows.columns) == ["Lead ID", "Quotable", "Quote Value", "Sales Value"]
        assert len(rows) == result.remaining["whatconverts_updates"]
        both = rows.merge(planned.astype({"wc_lead_id": str}), left_on="Lead ID", right_on="wc_lead_id")
        assert both["sales_value"].isna().any()  # values the plan leaves out (null, nothing credited) ...
        assert (both["Sales Value"].isna() == both["sales_value"].isna()).all()  # ... stay empty cells, not 0
        (tmp_path / "budget.json").unlink()  # the next UTC day
        wc2, sf2 = _clients(box, tmp_path)
        push(plan, Config(), wc2, sf2, PushSettings(apply=True))
        _assert_done(box, plan)


def _cli_push(argv: list[str]) -> None:
    """`wcsf-recon ARGV` in a process of its own, as the console script runs it, with no credentials in its env."""
    for key in [k for k in os.environ if k.startswith(("WC_", "SF_"))]:
        del os.environ[key]
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    from wcsf_recon.cli import main

    main(argv)


def test_kill_minus_9_at_random_points_then_resume(kill_world, kill_plan_template, tmp_path: Path) -> None:
    rng = random.Random(20261127)
    killed_mid_way = 0
    # Each push is its own process, killed with SIGKILL. They fork from a server that has already
    # imported the CLI and its libraries: a fresh interpreter would spend about a second importing
    # them in each of the 20 trials before the push starts, and the kill points are counted in requests.
    processes = multiprocessing.get_context("forkserver")
    processes.set_forkserver_preload(["wcsf_recon.cli", "wcsf_recon.push", "wcsf_recon.clients.factory"])
    for trial in range(20):
        plan = _fresh_plan(kill_plan_template, tmp_path / f"t{trial}")
        with Sandbox(kill_world.snapshot, faults=Faults(latency_s=0.004)) as box:
            env_file = tmp_path / f"t{trial}" / "sandbox.env"
            env_file.write_text(box.env_text())
            argv = ["push", "--plan", str(plan), "--apply", "--env-file", str(env_file)]
            argv += ["--state-dir", str(tmp_path / f"t{trial}" / "state")]
            total = len(pd.read_csv(plan / "whatconverts_lead_updates.csv")) + 6
            kill_after = rng.randrange(0, total)  # requests the sandbox has seen when the process dies
            proc = processes.Process(target=_cli_push, args=(argv,))
            proc.start()
            deadline = time.monotonic() + 60
            while proc.is_alive() and len(box.state.log) < kill_after and time.monotonic() < deadline:
                time.sleep(0.002)
            if proc.is_alive():
                os.kill(proc.pid, signal.SIGKILL)
                killed_mid_way += 1
            proc.join(timeout=60)
            assert proc.exitcode is not None and (proc.exitcode in (0, -signal.SIGKILL)), proc.exitcode
            writes_before = box.state.count("whatconverts")
            wc, sf = _clients(box, tmp_path / f"t{trial}" / "state")
            push(plan, Config(), wc, sf, PushSettings(apply=True))  # resume in this process
            _assert_done(box, plan)
            assert box.state.count("whatconverts") >= writes_before
    assert killed_mid_way >= 18  # the trials really were interrupted, at points spread over the push


def test_cli_push_exit_status_and_no_secrets_written(world, plan_template, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from wcsf_recon.cli import app

    plan = _fresh_plan(plan_template, tmp_path)
    creates = pd.read_csv(plan / "salesforce_lead_creates.csv", dtype=str)
    creates.loc[: len(creates) // 2, "Company"] = ""  # half the creates will be refused: REQUIRED_FIELD_MISSING
    creates.to_csv(plan / "salesforce_lead_creates.csv", index=False)
    (plan / "plan_manifest.json").unlink()  # edited on purpose: push it as it is
    with Sandbox(world.snapshot) as box:
        c = box.credentials
        env_file = tmp_path / "sandbox.env"
        env_file.write_text(box.env_text())
        args = ["push", "--plan", str(plan), "--env-file", str(env_file), "--state-dir", str(tmp_path / "state")]
        dry = CliRunner().invoke(app, args)
        assert dry.exit_code == 0 and "dry run: nothing sent" in dry.output
        applied = CliRunner().invoke(app, [*args, "--apply"])
        assert applied.exit_code == 3, applied.output
        errors = pd.read_csv(plan / "results" / "salesforce_errors.csv", dtype=str)
        assert set(errors["error_code"]) == {"REQUIRED_FIELD_MISSING"}
        secrets = [c.wc_secret, c.sf_client_secret, c.wc_token]
        written = [p for p in (tmp_path / "state").rglob("*") if p.is_file()] + [
            p for p in plan.rglob("*") if p.is_file()
        ]
        for path in written:
            content = path.read_bytes()
            assert not any(secret.encode() in content for secret in secrets), path
        assert not any(secret in applied.output for secret in secrets)


def test_values_cannot_inject_soql(world, plan_template, tmp_path: Path) -> None:
    from wcsf_recon.push.journal import Op
    from wcsf_recon.push.salesforce_ops import resolve_in_doubt

    with Sandbox(world.snapshot) as box:
        _, sf = _clients(box, tmp_path)
        journal = Journal(tmp_path / "j.sqlite")
        evil = "1' OR Id != null OR Id = '2"
        journal.add([Op("create:evil", "salesforce", "create", evil, {"LastName": "x"}, "planned")])
        journal.mark_sent(["create:evil"])
        assert resolve_in_doubt(sf, journal, FIELD) == 0  # the quote is escaped: no lead matches
        assert journal.ops("salesforce", "create", ("planned",))[0].record_key == evil
        queries = [path for _, method, path, _ in box.state.log if method == "GET" and "query" in path]
        assert queries and all(status == 200 for *_, status in box.state.log)
        journal.close()


def test_disk_full_mid_push_stops_clearly_and_resumes(world, plan_template, tmp_path: Path, monkeypatch) -> None:
    plan = _fresh_plan(plan_template, tmp_path)
    real_confirm = Journal.confirm
    with Sandbox(world.snapshot) as box:
        wc, sf = _clients(box, tmp_path)
        monkeypatch.setattr(Journal, "confirm", journal_fills_after(25))
        with pytest.raises(StorageError, match=r"journal\.sqlite could not be written \(database or disk is full\)"):
            push(plan, Config(), wc, sf, PushSettings(apply=True))
        monkeypatch.setattr(Journal, "confirm", real_confirm)  # space freed
        push(plan, Config(), wc, sf, PushSettings(apply=True))
        _assert_done(box, plan)


def test_connection_drops_after_the_work_is_done_make_no_duplicates(world, plan_template, tmp_path: Path) -> None:
    plan = _fresh_plan(plan_template, tmp_path)
    with Sandbox(world.snapshot, faults=Faults(reset_rate=0.15, seed=5)) as box:
        wc, sf = _clients(box, tmp_path)
        result = push(plan, Config(), wc, sf, PushSettings(apply=True))
        _assert_done(box, plan)
        assert result.failed == {"salesforce_creates": 0, "whatconverts_updates": 0}
        assert [status for *_, status in box.state.log].count(0) > 0  # answers really were cut off


def test_salesforce_daily_cap_stops_clearly_and_resumes(world, plan_template, tmp_path: Path) -> None:
    plan = _fresh_plan(plan_template, tmp_path)
    with Sandbox(world.snapshot, faults=Faults(sf_daily_cap=1)) as box:
        wc, sf = _clients(box, tmp_path)
        with pytest.raises(QuotaExhausted, match=r"Salesforce refused .*daily API allowance is used up"):
            push(plan, Config(), wc, sf, PushSettings(apply=True))
        refused = box.state.log.copy()
        box.state.faults.sf_daily_cap = None  # the rolling 24 hours have passed
        push(plan, Config(), wc, sf, PushSettings(apply=True))
        _assert_done(box, plan)
        assert [status for *_, status in refused].count(403) == 1  # no retry storm against a spent allowance


def test_a_field_the_org_lacks_is_refused_before_anything_is_sent(world, plan_template, tmp_path: Path) -> None:
    """A lead_fields mapping to a field nobody created: exit 2 naming it, no write, the journal keeps the plan."""
    from typer.testing import CliRunner

    from wcsf_recon.cli import app

    plan = _fresh_plan(plan_template, tmp_path)
    creates = pd.read_csv(plan / "salesforce_lead_creates.csv", dtype=str)
    creates["Colour__c"] = "red"
    creates.to_csv(plan / "salesforce_lead_creates.csv", index=False)
    (plan / "plan_manifest.json").unlink()  # edited on purpose: push it as it is
    with Sandbox(world.snapshot) as box:
        env_file = tmp_path / "sandbox.env"
        env_file.write_text(box.env_text())
        args = ["push", "--plan", str(plan), "--env-file", str(env_file), "--state-dir", str(tmp_path / "state")]
        refused = CliRunner().invoke(app, [*args, "--apply"])
        assert refused.exit_code == 2, refused.output
        assert "Salesforce has no field Lead.Colour__c" in refused.output
        assert "[reconcile.lead_fields]" in refused.output and "Nothing was sent" in refused.output
        writes = [k for k, n in box.state.counters.items() if n and ("composite" in k or "jobs/ingest" in k)]
        assert writes == []
        journal = Journal(plan / "journal.sqlite")
        assert {op.state for op in journal.all_ops()} == {"planned"}
        journal.close()


def test_a_batch_refused_whole_is_split_down_to_the_bad_record(world, plan_template, tmp_path: Path) -> None:
    """One unreadable value makes Salesforce refuse the whole collection: halving isolates it in ~2 log2(n) calls."""
    from wcsf_recon.sandbox import ORG_FIELDS

    plan = _fresh_plan(plan_template, tmp_path)
    creates = pd.read_csv(plan / "salesforce_lead_creates.csv", dtype=str)
    creates["Employees__c"] = "12"
    bad = creates["wc_lead_id"].iloc[len(creates) // 3]
    creates.loc[creates["wc_lead_id"] == bad, "Employees__c"] = "a dozen"
    creates.to_csv(plan / "salesforce_lead_creates.csv", index=False)
    (plan / "plan_manifest.json").unlink()  # edited on purpose: push it as it is
    org = {"Lead": [*ORG_FIELDS["Lead"], "Employees__c:double"]}
    with Sandbox(world.snapshot, extra_fields=org) as box:
        _, sf = _clients(box, tmp_path)
        result = push(plan, Config(), None, sf, PushSettings(apply=True))
        assert result.failed["salesforce_creates"] == 1
        assert result.confirmed["salesforce_creates"] == len(creates) - 1
        errors = pd.read_csv(plan / "results" / "salesforce_errors.csv", dtype=str)
        assert errors[["key", "error_code"]].values.tolist() == [[bad, "JSON_PARSER_ERROR"]]
        calls = box.state.counters["salesforce PATCH /services/data/v59.0/composite/sobjects/Lead/" + FIELD]
        batches = -(-len(creates) // 200)
        assert batches < calls <= batches + 2 * math.ceil(math.log2(min(len(creates), 200))), calls
        made = {r[FIELD] for r in box.state.sf["Lead"].values() if r.get(FIELD)}
        assert set(creates["wc_lead_id"]) - made == {bad}
