"""Rough edges around push: wrong folder, no credentials, stale counts, old journals, NaN, tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wcsf_recon import Config, apply_plan, reconcile
from wcsf_recon import cli as cli_module
from wcsf_recon.cli import app, main
from wcsf_recon.clients.salesforce import SalesforceReader
from wcsf_recon.push import PushSettings, push
from wcsf_recon.push.journal import Journal
from wcsf_recon.sandbox import Sandbox
from wcsf_recon.synth import generate_world


@pytest.fixture(scope="module")
def world():
    return generate_world(150, seed=4141)


@pytest.fixture
def out(world, tmp_path: Path) -> Path:
    reconcile(world.snapshot).write(tmp_path / "out")
    return tmp_path / "out"


@pytest.fixture
def no_credentials(monkeypatch):
    for key in ("WC_API_TOKEN", "WC_API_SECRET", "SF_USERNAME", "SF_PASSWORD", "SF_SESSION_ID"):
        monkeypatch.delenv(key, raising=False)


def _strict_json(path: Path) -> object:
    def refuse(constant: str) -> None:
        raise ValueError(f"{path.name} holds a bare {constant}")

    return json.loads(path.read_text(), parse_constant=refuse)


def test_push_given_the_out_folder_says_where_the_plan_is(out: Path, no_credentials) -> None:
    result = CliRunner().invoke(app, ["push", "--plan", str(out)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: {out}: this is a reconcile output folder; the plan is in {out / 'plan'}"
    ]


def test_dry_run_without_credentials_counts_and_says_what_it_could_not_check(out: Path, no_credentials) -> None:
    result = CliRunner().invoke(app, ["push", "--plan", str(out / "plan")])
    assert result.exit_code == 0, result.output
    assert "dry run: nothing sent" in result.output and "API calls it would use" in result.output
    assert "not checked: today's WhatConverts request budget" in result.output
    assert "not checked: that the Salesforce org has every field" in result.output
    dry = _strict_json(out / "plan" / "results" / "dry_run.json")  # valid JSON: empty cells are null, not NaN
    creates = dry["first_rows"]["salesforce_lead_creates"]
    assert creates and any(v is None for row in creates for v in row.values())
    assert dry["would_send"]["whatconverts_requests"] > 0


def test_estimates_follow_the_journal_and_a_new_reconcile_starts_a_new_journal(world, out: Path) -> None:
    plan = out / "plan"
    with Sandbox(world.snapshot) as box:
        wc = box.whatconverts_client(10_000, out / "budget.json", backoff_s=0.01)
        sf = SalesforceReader(box.salesforce_credentials(), backoff_s=0.01)
        first = push(plan, Config(), wc, None, PushSettings(apply=False))
        assert first.estimated_calls["whatconverts_requests"] == first.planned["whatconverts_updates"] > 0
        applied = push(plan, Config(), wc, sf, PushSettings(apply=True))
        assert applied.remaining == {k: 0 for k in applied.planned}
        assert (
            applied.estimated_calls["whatconverts_requests"] == 0 and applied.estimated_calls["salesforce_calls"] == 0
        )
        rerun = push(plan, Config(), wc, None, PushSettings(apply=False))
        assert rerun.estimated_calls["whatconverts_requests"] == 0
        wc.close()
    # the world after the push, reconciled into the same folder: nothing left to do, and the old journal moved aside
    after = reconcile(apply_plan(world.snapshot, reconcile(world.snapshot).plan))
    after.write(out)
    assert not (plan / "journal.sqlite").exists()
    archived = list((plan / "previous").glob("*/journal.sqlite"))
    assert len(archived) == 1
    journal = Journal(archived[0])
    try:  # the earlier push's record is kept, not lost
        confirmed = sum(n for (_, _, state), n in journal.counts().items() if state == "confirmed")
    finally:
        journal.close()
    assert confirmed == sum(applied.confirmed.values()) > 0
    fresh = push(plan, Config(), None, None, PushSettings(apply=False))
    counts = after.plan.counts()
    assert fresh.planned == {
        "salesforce_creates": counts["salesforce_lead_creates"],
        "whatconverts_updates": counts["whatconverts_lead_updates"],
    }
    assert fresh.confirmed == {"salesforce_creates": 0, "whatconverts_updates": 0}


def test_an_unexpected_error_is_one_line_with_a_pointer_to_verbose(monkeypatch, capsys, tmp_path) -> None:
    def boom(*_args, **_kwargs):
        raise RuntimeError("kaboom\nsecond line of detail")

    monkeypatch.setattr(cli_module, "_read_snapshot", boom)
    with pytest.raises(SystemExit) as stopped:
        main(["profile", "--snapshot", str(tmp_path)])
    assert stopped.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) <= 2, err  # one line (rich may wrap it at the terminal width)
    text = " ".join(err)
    assert "profile failed unexpectedly: RuntimeError: kaboom" in text and "--verbose" in text
    assert "Traceback" not in text and "second line" not in text
    with pytest.raises(RuntimeError, match="kaboom"):
        main(["--verbose", "profile", "--snapshot", str(tmp_path)])
