"""`history` at 80 columns and when empty; `run --backfill-ids`, and `run` saying when backfills were skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from wcsf_recon.cli import app
from wcsf_recon.runs import RunLog
from wcsf_recon.sandbox import Sandbox
from wcsf_recon.synth import generate_world


def test_empty_history_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["history", "--state-dir", str(tmp_path)])
    assert result.exit_code == 0
    assert result.output.strip().startswith("no runs recorded in") and "runs.sqlite" in result.output


def test_history_is_readable_at_80_columns(tmp_path: Path) -> None:
    log = RunLog(tmp_path)
    summary = {"created": 1234, "updated": 56789, "failed": 3, "wc_requests_total": 4321}
    summary["extract"] = {"sf_api_usage": "14250/15000"}
    for i, status in enumerate(["ok (dry run)", "quota exhausted", "ok"]):
        run_id = f"20261201T21{i:02d}00123456Z"
        log.start(run_id, applied=i > 0)
        log.finish(run_id, status, 0, summary)
    log.close()
    result = CliRunner().invoke(app, ["history", "--state-dir", str(tmp_path)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80, "\n".join(lines)
    rows = [line.strip() for line in lines if line.strip().startswith("20261201T21")]
    assert len(rows) == 3  # one line per run: nothing wrapped
    assert rows[1].startswith("20261201T210100 ") and "quota exhausted" in rows[1] and "56,789" in rows[1]
    assert "14250/15000" in rows[2] and "dry run" in rows[0] and "dry run" not in rows[1]
    shown = CliRunner().invoke(app, ["show", "20261201T210100", "--state-dir", str(tmp_path)])
    assert shown.exit_code == 0 and "20261201T210100123456Z" in shown.output  # the prefix history shows is enough


@pytest.fixture(scope="module")
def world():
    return generate_world(120, seed=5151)


def test_run_says_backfills_were_skipped_and_sends_them_with_the_flag(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot) as box:
        env = tmp_path / "sandbox.env"
        env.write_text(box.env_text())
        common = ["--env-file", str(env), "--state-dir", str(tmp_path / "state"), "--since", "2024-01-01"]
        dry = CliRunner().invoke(app, ["run", *common, "--runs-dir", str(tmp_path / "runs")])
        assert dry.exit_code == 0, dry.output
        found = [line for line in dry.output.splitlines() if "id backfills were not sent" in line]
        assert found and "--backfill-ids" in dry.output
        applied = CliRunner().invoke(
            app, ["run", *common, "--runs-dir", str(tmp_path / "runs2"), "--apply", "--backfill-ids"]
        )
        assert applied.exit_code == 0, applied.output
        assert "id backfills were not sent" not in applied.output
        last = RunLog(tmp_path / "state").rows()[-1]["summary"]
        assert last["backfills_skipped"] == 0
        assert last["push"]["confirmed"]["salesforce_backfill"] == last["plan"]["salesforce_id_backfill"] > 0
