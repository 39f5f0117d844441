"""`wcsf-recon run` against the sandbox: run folder, run log, lock, exit codes, no secrets written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wcsf_recon import Config, read_snapshot
from wcsf_recon.cli import app
from wcsf_recon.runs import EXIT_AUTH, EXIT_LOCKED, EXIT_OK, EXIT_QUOTA, EXIT_STORAGE, RunLog, run_cycle, run_lock
from wcsf_recon.sandbox import Faults, Sandbox
from wcsf_recon.synth import generate_world
from wcsf_recon.tables.schema import TABLES

from .builders import assert_same_tables, journal_fills_after

SINCE = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def world():
    return generate_world(300, seed=4040)


def _env(box: Sandbox, path: Path, secret: str | None = None) -> Path:
    path.write_text(box.env_text(secret))
    return path


def test_dry_run_then_apply_then_nothing_left(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot) as box:
        env = _env(box, tmp_path / "sandbox.env")
        state, runs = tmp_path / "state", tmp_path / "runs"
        dry = run_cycle(Config(), env, state, runs, apply=False, since=SINCE)
        assert dry.exit_code == EXIT_OK and dry.status == "ok (dry run)"
        assert not [e for e in box.state.log if e[1] in ("POST", "PATCH") and "token" not in e[2]]  # nothing written
        for rel in (
            "snapshot/manifest.json",
            "links.csv",
            "plan/journal.sqlite",
            "plan/results/summary.json",
            "report.html",
            "reports/reconciliation.xlsx",
            "run.json",
        ):
            assert (dry.folder / rel).exists(), rel
        # the snapshot is Parquet, every table, and reads back as what the APIs served
        written = sorted(
            p.relative_to(dry.folder / "snapshot").as_posix() for p in (dry.folder / "snapshot").rglob("*.*")
        )
        assert written == sorted(["manifest.json", *(f"{s.folder}/{s.file_stem}.parquet" for s in TABLES)])
        assert_same_tables(world.snapshot, read_snapshot(dry.folder / "snapshot").tables())
        applied = run_cycle(Config(), env, state, runs, apply=True, since=SINCE)
        assert applied.exit_code == EXIT_OK and applied.summary["created"] > 20 and applied.summary["failed"] == 0
        after = run_cycle(Config(), env, state, runs, apply=True, since=SINCE)
        assert after.summary["plan"]["salesforce_lead_creates"] == 0
        assert after.summary["plan"]["whatconverts_lead_updates"] == 0
        history = RunLog(state).rows()
        assert [r["status"] for r in history] == ["ok (dry run)", "ok", "ok"]
        secrets = [box.credentials.wc_secret, box.credentials.sf_client_secret, box.credentials.wc_token]
        for path in [*runs.rglob("*"), *state.rglob("*")]:
            if path.is_file():
                content = path.read_bytes()
                assert not any(s.encode() in content for s in secrets), path
        out = CliRunner().invoke(app, ["history", "--state-dir", str(state)])
        assert out.exit_code == 0 and "Runs" in out.output
        shown = CliRunner().invoke(app, ["show", history[1]["run_id"], "--state-dir", str(state)])
        assert shown.exit_code == 0 and '"created"' in shown.output


def test_lock_and_auth_failure_exit_codes(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot) as box:
        state = tmp_path / "state"
        with run_lock(state):
            locked = run_cycle(Config(), _env(box, tmp_path / "a.env"), state, tmp_path / "runs", apply=True)
        assert locked.exit_code == EXIT_LOCKED and "another wcsf-recon run holds" in locked.summary["error"]
        bad = run_cycle(
            Config(), _env(box, tmp_path / "b.env", secret="wrong"), state, tmp_path / "runs", apply=True, since=SINCE
        )
        assert bad.exit_code == EXIT_AUTH and "authentication failed" in bad.summary["error"]
        result = CliRunner().invoke(
            app,
            [
                "run",
                "--env-file",
                str(tmp_path / "b.env"),
                "--state-dir",
                str(state),
                "--runs-dir",
                str(tmp_path / "runs"),
                "--since",
                "2024-01-01",
            ],
        )
        assert result.exit_code == EXIT_AUTH and "wrong" not in result.output


def test_config_check_and_logs_redact_secrets(world, tmp_path: Path, capfd) -> None:
    import logging

    from wcsf_recon.logs import Redact

    with Sandbox(world.snapshot) as box:
        env = _env(box, tmp_path / "s.env")
        check = ["config", "check", "--state-dir", str(tmp_path / "state")]
        ok = CliRunner().invoke(app, [*check, "--env-file", str(env)])
        assert ok.exit_code == 0, ok.output
        assert "WhatConverts ok" in ok.output and "Salesforce ok" in ok.output
        bad_cfg = tmp_path / "c.toml"
        bad_cfg.write_text('[reconcile]\nwc_id_field = "Nope__c"\n')
        missing = CliRunner().invoke(app, [*check, "--env-file", str(env), "--config", str(bad_cfg)])
        assert missing.exit_code == 2 and "Nope__c does not exist on Lead" in missing.output
        unmapped_cfg = tmp_path / "m.toml"
        unmapped_cfg.write_text('[reconcile.lead_fields]\nUTM_Source__c = "lead_source"\nColour__c = "lead_medium"\n')
        unmapped = CliRunner().invoke(app, [*check, "--env-file", str(env), "--config", str(unmapped_cfg)])
        assert unmapped.exit_code == 2 and "Lead has no field Colour__c ([reconcile.lead_fields])" in unmapped.output
        wrong = tmp_path / "w.toml"
        wrong.write_text('[reconcile]\nattribution = "middle"\n')
        invalid = CliRunner().invoke(app, ["config", "check", "--config", str(wrong), "--offline"])
        assert invalid.exit_code == 2 and "attribution must be 'first' or 'last'" in invalid.output
    record = logging.LogRecord("wcsf_recon", logging.INFO, __file__, 1, "token %s and %s", ("abcd1234", "x"), None)
    assert Redact(["abcd1234"]).filter(record) and record.getMessage() == "token *** and x"


def _end_state(box: Sandbox) -> tuple[dict[str, int], dict[str, tuple]]:
    """Salesforce leads per WhatConverts id, and every WhatConverts lead's quote/sales values."""
    field = Config().wc_id_field
    per_id: dict[str, int] = {}
    for record in box.state.sf["Lead"].values():
        if record.get(field) and not record.get("IsDeleted"):
            per_id[str(record[field])] = per_id.get(str(record[field]), 0) + 1
    values = {
        str(k): (v.get("quotable"), v.get("quote_value"), v.get("sales_value")) for k, v in box.state.wc_leads.items()
    }
    return per_id, values


FAULT_MATRIX = {
    "429/503 storm": (Faults(error_rate=0.15, error_statuses=(429, 503), seed=1), {EXIT_OK}),
    "connections dropped": (Faults(reset_rate=0.1, seed=2), {EXIT_OK}),
    "session expiry": (Faults(session_expires_after=4), {EXIT_OK}),
    "WhatConverts daily cap": (Faults(wc_daily_cap=3), {EXIT_QUOTA}),
    "Salesforce daily cap": (Faults(sf_daily_cap=2), {EXIT_QUOTA}),
}


@pytest.fixture(scope="module")
def undisturbed_end_state(world, tmp_path_factory) -> tuple[dict[str, int], dict[str, tuple]]:
    tmp = tmp_path_factory.mktemp("undisturbed")
    with Sandbox(world.snapshot) as box:
        outcome = run_cycle(Config(), _env(box, tmp / "env"), tmp / "state", tmp / "runs", apply=True, since=SINCE)
        assert outcome.exit_code == EXIT_OK
        return _end_state(box)


@pytest.mark.parametrize("scenario", list(FAULT_MATRIX))
def test_fault_matrix_ends_clearly_and_resumes_to_the_same_state(
    world, undisturbed_end_state, tmp_path: Path, scenario: str
) -> None:
    faults, first_codes = FAULT_MATRIX[scenario]
    with Sandbox(world.snapshot, faults=faults) as box:
        env, state, runs = _env(box, tmp_path / "env"), tmp_path / "state", tmp_path / "runs"
        first = run_cycle(Config(), env, state, runs, apply=True, since=SINCE)
        assert first.exit_code in first_codes, first.summary
        if first.exit_code != EXIT_OK:
            assert "daily" in first.summary["error"] and first.status == "quota exhausted"
            refusals = [status for *_, status in box.state.log if status in (403, 429)]
            assert len(refusals) <= 4  # stopped at the first refusals (at most one per worker), no storm
            box.state.faults = Faults()  # the next day
            box.state.next_day()
            (state / "whatconverts" / "budget.json").unlink(missing_ok=True)
            assert run_cycle(Config(), env, state, runs, apply=True, since=SINCE).exit_code == EXIT_OK
        per_id, values = _end_state(box)
        expected_per_id, expected_values = undisturbed_end_state
        assert set(per_id.values()) == {1}  # no duplicate lead for any WhatConverts person
        assert per_id.keys() == expected_per_id.keys() and values == expected_values
        statuses = [r["status"] for r in RunLog(state).rows()]
        assert statuses[-1] == "ok"


def test_json_log_lines_redact_messages_and_tracebacks(capfd) -> None:
    import json
    import logging

    from wcsf_recon.logs import setup_logging

    setup_logging(verbose=True, secrets=["s3cr3t-value"], json_lines=True)
    log = logging.getLogger("wcsf_recon.test")
    log.debug("connecting with %s", "s3cr3t-value")
    try:
        raise RuntimeError("refused s3cr3t-value")
    except RuntimeError:
        log.exception("failed")
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines()]
    assert [e["level"] for e in lines] == ["DEBUG", "ERROR"]
    assert lines[0]["message"] == "connecting with ***" and lines[0]["logger"] == "wcsf_recon.test"
    assert "RuntimeError: refused ***" in lines[1]["exception"]
    assert "s3cr3t-value" not in json.dumps(lines)


def test_disk_full_under_the_journal_exits_14_and_the_next_run_finishes(
    world, undisturbed_end_state, tmp_path: Path, monkeypatch
) -> None:
    from wcsf_recon.push.journal import Journal

    real_confirm = Journal.confirm
    with Sandbox(world.snapshot) as box:
        env, state, runs = _env(box, tmp_path / "env"), tmp_path / "state", tmp_path / "runs"
        monkeypatch.setattr(Journal, "confirm", journal_fills_after(30))
        full = run_cycle(Config(), env, state, runs, apply=True, since=SINCE)
        assert full.exit_code == EXIT_STORAGE and "disk is full" in full.summary["error"]
        monkeypatch.setattr(Journal, "confirm", real_confirm)
        assert run_cycle(Config(), env, state, runs, apply=True, since=SINCE).exit_code == EXIT_OK
        per_id, values = _end_state(box)
        assert set(per_id.values()) == {1} and (per_id.keys(), values) == (
            undisturbed_end_state[0].keys(),
            undisturbed_end_state[1],
        )
        assert [r["status"] for r in RunLog(state).rows()] == ["storage error", "ok"]
