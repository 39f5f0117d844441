"""One factory builds both clients: the notebook push keeps the extraction state in step (bug 1),
`config check` counts its request in the budget file and `push` takes `--wc-daily-limit` (bug 4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import wcsf_recon
from wcsf_recon import Config, reconcile
from wcsf_recon.cli import app
from wcsf_recon.clients import from_env
from wcsf_recon.extract import ExtractSettings, WhatConvertsState, extract
from wcsf_recon.sandbox import Sandbox
from wcsf_recon.synth import generate_world

SINCE = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def world():
    return generate_world(250, seed=1515)


def _extract_and_plan(env: Path, state: Path, out: Path) -> Path:
    with from_env(env, state) as clients:
        assert clients.salesforce is not None
        snapshot, _ = extract(clients.whatconverts, clients.salesforce, Config(), ExtractSettings(state, SINCE))
    reconcile(snapshot, Config()).write(out)
    return out / "plan"


def _wc_posts(box: Sandbox) -> int:
    return sum(1 for _, method, path, status in box.state.log if method == "POST" and path.startswith("/api/v1/leads/"))


def test_push_plan_from_python_records_pushed_values_so_the_next_run_plans_none(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot) as box:
        env = tmp_path / "s.env"
        env.write_text(box.env_text())
        state = tmp_path / "state"
        plan = _extract_and_plan(env, state, tmp_path / "first")
        planned = len(wcsf_recon.Plan.read(plan).whatconverts_lead_updates)
        assert planned > 0  # the world has won deals whose values WhatConverts lacks

        result = wcsf_recon.push_plan(plan, apply=True, env_file=env, state_dir=state, progress=lambda *a: None)

        assert result.confirmed["whatconverts_updates"] == planned and _wc_posts(box) == planned
        stored = WhatConvertsState(state / "whatconverts").frame().set_index("lead_id")
        confirmed = json.loads((plan / "results" / "summary.json").read_text())["confirmed"]
        assert confirmed["whatconverts_updates"] == planned
        updates = wcsf_recon.Plan.read(plan).whatconverts_lead_updates
        for row in updates.to_dict("records"):  # the state holds what WhatConverts now holds
            lead = stored.loc[str(int(row["wc_lead_id"]))]
            for key in ("sales_value", "quote_value"):  # null where the push sent nothing
                assert pd.isna(row[key]) or float(lead[key]) == float(row[key])
        again = _extract_and_plan(env, state, tmp_path / "second")
        assert len(wcsf_recon.Plan.read(again).whatconverts_lead_updates) == 0
        assert _wc_posts(box) == planned  # nothing was sent twice


def test_config_check_counts_its_request_in_the_budget_file(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot) as box:
        env = tmp_path / "s.env"
        env.write_text(box.env_text())
        state = tmp_path / "state"
        ran = CliRunner().invoke(app, ["config", "check", "--env-file", str(env), "--state-dir", str(state)])
        assert ran.exit_code == 0, ran.output
        budget = json.loads((state / "whatconverts" / "budget.json").read_text())
        assert [entry["used"] for entry in budget.values()] == [1]
        with from_env(env, state, salesforce=False) as clients:  # the next command sees the request spent
            assert clients.whatconverts.budget.used == 1


def test_push_cli_takes_a_daily_limit(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot) as box:
        env = tmp_path / "s.env"
        env.write_text(box.env_text())
        state = tmp_path / "state"
        plan = _extract_and_plan(env, state, tmp_path / "out")
        planned = len(wcsf_recon.Plan.read(plan).whatconverts_lead_updates)
        with from_env(env, state, salesforce=False) as clients:
            used = clients.whatconverts.budget.used  # what the extract spent today
        limit = used + 2
        assert planned > 2
        args = ["push", "--plan", str(plan), "--env-file", str(env), "--state-dir", str(state), "--apply"]
        ran = CliRunner().invoke(app, [*args, "--wc-daily-limit", str(limit)])
        assert ran.exit_code == 0, ran.output
        summary = json.loads((plan / "results" / "summary.json").read_text())
        assert summary["confirmed"]["whatconverts_updates"] == 2 and _wc_posts(box) == 2
        assert summary["remaining"]["whatconverts_updates"] == planned - 2


def test_from_env_without_salesforce_logs_in_only_when_asked(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot) as box:
        env = tmp_path / "s.env"
        env.write_text(box.env_text())
        with from_env(env, tmp_path / "state", salesforce=False, wc_daily_limit=7) as clients:
            assert clients.salesforce is None and clients.whatconverts.budget.limit == 7
            logins = sum(1 for e in box.state.log if e[2].startswith("/services/oauth2/"))
            assert logins == 0
            reader = clients.connect_salesforce()
            assert clients.connect_salesforce() is reader and "Id" in reader.fields("Lead")
            assert sum(1 for e in box.state.log if e[2].startswith("/services/oauth2/")) == 1


def test_push_plan_default_progress_draws_a_bar_per_kind(capsys) -> None:
    from wcsf_recon.push import tqdm_progress

    update = tqdm_progress()
    for done in (200, 400):
        update("salesforce creates", done, 400)
    update("whatconverts updates", 3, 3)
    err = capsys.readouterr().err
    assert "salesforce creates" in err and "400/400" in err and "whatconverts updates" in err and "3/3" in err
