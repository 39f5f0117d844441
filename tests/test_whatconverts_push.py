"""WhatConverts updates in a push, against the sandbox: a wrong secret stops at once, the daily cap
(however it is worded) leaves updates planned, a lead id that is not one is never sent, and the dry
run warns that bulk edits fire "Updated Lead" triggers and how to import the Lead Manager file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from wcsf_recon import reconcile
from wcsf_recon.cli import app
from wcsf_recon.clients.whatconverts import WhatConvertsAuthError, WhatConvertsClient
from wcsf_recon.push.journal import Journal, Op
from wcsf_recon.push.whatconverts_ops import push_updates
from wcsf_recon.sandbox import Faults, Sandbox
from wcsf_recon.synth import generate_world


@pytest.fixture(scope="module")
def world():
    return generate_world(120, seed=808)


def _journal(tmp_path: Path, lead_ids: list[str]) -> Journal:
    journal = Journal(tmp_path / "journal.sqlite")
    journal.add(
        Op(
            f"update:{k}",
            "whatconverts",
            "update",
            k,
            {"quotable": "yes", "quote_value": 10.0, "sales_value": 25.0},
            "planned",
        )
        for k in lead_ids
    )
    return journal


def _states(journal: Journal) -> dict[str, int]:
    out: dict[str, int] = {}
    for (_target, _kind, state), n in journal.counts().items():
        out[state] = out.get(state, 0) + n
    return out


def _posts(box: Sandbox) -> list[tuple[str, int]]:
    return [(path, status) for _, method, path, status in box.state.log if method == "POST"]


def test_a_wrong_secret_stops_at_the_first_401_and_leaves_every_update_planned(world, tmp_path: Path) -> None:
    ids = [str(i) for i in sorted(world.snapshot.wc_leads["lead_id"].astype(int))[:12]]
    with Sandbox(world.snapshot) as box:
        c = box.credentials
        journal = _journal(tmp_path, ids)
        bad = WhatConvertsClient(c.wc_token, "not-the-secret", box.whatconverts_url, verify=str(box.ca_file))
        with pytest.raises(WhatConvertsAuthError, match="authentication failed"):
            push_updates(bad, journal, concurrency=4)
        assert 1 <= len(_posts(box)) <= 4  # at most the requests already in flight
        assert _states(journal) == {"planned": 12}
        # the secret fixed: every update goes out once
        good = box.whatconverts_client(1000, tmp_path / "b.json")
        assert push_updates(good, journal, concurrency=4) == 0
        assert _states(journal) == {"confirmed": 12}


def test_a_cap_worded_differently_leaves_the_rest_planned(world, tmp_path: Path) -> None:
    ids = [str(i) for i in sorted(world.snapshot.wc_leads["lead_id"].astype(int))[:10]]
    faults = Faults(wc_daily_cap=3, wc_cap_message="API limit reached")
    with Sandbox(world.snapshot, faults=faults) as box:
        journal = _journal(tmp_path, ids)
        client = box.whatconverts_client(1000, tmp_path / "b.json", backoff_s=0.01)
        assert push_updates(client, journal, concurrency=1) == 7
        assert _states(journal) == {"confirmed": 3, "planned": 7}  # refused by the cap: planned, never failed
        assert [s for _, s in _posts(box)] == [200, 200, 200, 429]  # the refusal is believed at once
        assert client.budget.remaining == 0  # over the local count of 4 of 1,000


def test_a_lead_id_that_is_not_one_is_never_sent(world, tmp_path: Path) -> None:
    first, second = (str(i) for i in sorted(world.snapshot.wc_leads["lead_id"].astype(int))[:2])
    hostile = [f"{first}/../{second}", "../../../evil?x=", f"{first}?quotable=no#frag"]
    with Sandbox(world.snapshot) as box:
        before = dict(box.state.wc_leads[int(second)])
        journal = _journal(tmp_path, hostile)
        push_updates(box.whatconverts_client(1000, tmp_path / "b.json"), journal)
        assert _posts(box) == [] and box.state.wc_leads[int(second)] == before
        failed = [op for op in journal.all_ops() if op.state == "failed"]
        assert len(failed) == 3 and all(op.error_code == "InvalidLeadId" for op in failed)


def test_dry_run_warns_about_updated_lead_triggers(world, tmp_path: Path, monkeypatch) -> None:
    for key in ("WC_API_TOKEN", "WC_API_SECRET", "SF_USERNAME", "SF_PASSWORD", "SF_SESSION_ID"):
        monkeypatch.delenv(key, raising=False)
    reconcile(world.snapshot).write(tmp_path / "out")
    result = CliRunner().invoke(app, ["push", "--plan", str(tmp_path / "out" / "plan")])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert 'fires WhatConverts "Updated Lead" triggers' in text and "Zapier" in text


def test_the_import_file_is_offered_with_replace_for_sales_value(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot, faults=Faults(wc_daily_cap=0)) as box:
        env = tmp_path / "s.env"
        env.write_text(box.env_text())
        reconcile(world.snapshot).write(tmp_path / "out")
        target = tmp_path / "import.csv"
        result = CliRunner().invoke(
            app,
            [
                "push",
                "--plan",
                str(tmp_path / "out" / "plan"),
                "--apply",
                "--env-file",
                str(env),
                "--state-dir",
                str(tmp_path / "state"),
                "--wc-import-file",
                str(target),
            ],
        )
        text = " ".join(result.output.split())
        assert target.exists(), result.output
        assert "choosing *replace* for Sales Value" in text


def test_extract_cli_exits_11_on_a_cap_worded_differently(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot, faults=Faults(wc_daily_cap=0, wc_cap_message="API limit reached")) as box:
        env = tmp_path / "s.env"
        env.write_text(box.env_text())
        result = CliRunner().invoke(
            app,
            [
                "extract",
                "--env-file",
                str(env),
                "--state-dir",
                str(tmp_path / "state"),
                "--out",
                str(tmp_path / "snap"),
                "--since",
                "2025-06-01",
            ],
        )
        assert result.exit_code == 11, result.output
        assert "API limit reached" in " ".join(result.output.split())
        assert box.state.count("whatconverts") == 1  # refused once, believed, not retried
