"""Files a reconciliation writes: layout, formula-injection safety, workbook, CLI."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
from typer.testing import CliRunner

from wcsf_recon import Plan, read_snapshot, reconcile, write_snapshot
from wcsf_recon.cli import app
from wcsf_recon.tables.export import TRIGGERS, neutralize, read_safe_csv, write_safe_csv

from .builders import lead, make_snapshot
from .conftest import SAMPLE


def test_neutralize_formula_cells() -> None:
    frame = pd.DataFrame(
        {"a": ['=HYPERLINK("x")', "+1704", "-2", "@SUM(A1)", "\tx", "\rx", "ok", None], "n": [1, 2, 3, 4, 5, 6, 7, 8]}
    )
    out = neutralize(frame)
    assert out["a"].tolist()[:7] == ['\'=HYPERLINK("x")', "'+1704", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "ok"]
    assert pd.isna(out["a"].iloc[7]) and out["n"].tolist() == frame["n"].tolist()


def test_written_outputs_are_safe_and_plan_round_trips(tmp_path: Path) -> None:
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-01-01T00:00:00Z",
                contact_name="=cmd|'/c calc'!A1 Smith",
                email_address="x@example.com",
                phone_number="+17045550142",
            ),
        ]
    )
    recon = reconcile(snap)
    recon.write(tmp_path)
    unmatched = (tmp_path / "reports" / "unmatched_whatconverts_leads.csv").read_text()
    assert "'=cmd" in unmatched and ",=cmd" not in unmatched
    assert "'+17045550142" in unmatched
    plan = Plan.read(tmp_path / "plan")
    creates = plan.salesforce_lead_creates
    assert creates["Phone"].tolist() == ["+17045550142"]  # the reader takes the quote off again
    assert creates["FirstName"].tolist() == ["=cmd|'/c"]
    book = openpyxl.load_workbook(tmp_path / "reports" / "reconciliation.xlsx")
    assert book.sheetnames == [
        "summary",
        "unmatched leads",
        "unmatched opportunities",
        "review queue",
        "salesforce duplicates",
        "filtered opportunities",
        "stale decisions",
    ]
    cells = [c for row in book["unmatched leads"].iter_rows() for c in row]
    # the value as it is, in a text cell (never evaluated), not a formula
    hostile = [c for c in cells if c.value == "=cmd|'/c calc'!A1 Smith"]
    assert hostile and all(c.data_type == "s" for c in hostile)
    assert not any(c.data_type == "f" for c in cells)


def test_cli_reconcile_writes_everything(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["reconcile", "--snapshot", str(SAMPLE), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Reconciliation summary" in result.output and "salesforce_lead_creates" in result.output
    for rel in (
        "links.csv",
        "plan/salesforce_lead_creates.csv",
        "plan/salesforce_id_backfill.csv",
        "plan/whatconverts_lead_updates.csv",
        "reports/unmatched_whatconverts_leads.csv",
        "reports/unmatched_salesforce_opportunities.csv",
        "reports/review_queue.csv",
        "reports/reconciliation.xlsx",
    ):
        assert (tmp_path / rel).stat().st_size > 0, rel
    links = pd.read_csv(tmp_path / "links.csv", dtype=str)
    assert {"wc_lead_id", "sf_object", "sf_id", "rule", "score", "explanation"} <= set(links.columns)


def test_cli_bad_config_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "c.toml"
    bad.write_text('attribution = "middle"\n')
    result = CliRunner().invoke(
        app, ["reconcile", "--snapshot", str(SAMPLE), "--out", str(tmp_path / "o"), "--config", str(bad)]
    )
    assert result.exit_code == 2
    assert "attribution must be 'first' or 'last'" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_repr_and_html_summary(sample_snapshot) -> None:
    recon = reconcile(sample_snapshot)
    assert "lead links:" in repr(recon) and "plan: salesforce_lead_creates=" in repr(recon)
    assert "<table" in recon._repr_html_()


def test_quoting_is_reversible_for_every_value(tmp_path: Path) -> None:
    values = ["=1+1", "'=1+1", "''@x", "'plain", "+1704", "-2", "ok", "'", None]
    write_safe_csv(pd.DataFrame({"a": values}), tmp_path / "t.csv")
    assert read_safe_csv(tmp_path / "t.csv")["a"].tolist()[:-1] == values[:-1]


def test_snapshot_csvs_are_safe_and_round_trip(tmp_path: Path) -> None:
    snap = make_snapshot(
        wc_leads=[
            lead(1, "2025-01-01T00:00:00Z", contact_name="=cmd|'/c calc'!A1", phone_number="+17045550142"),
            lead(2, "2025-01-02T00:00:00Z", contact_name="@SUM(A1)", email_address="-x@example.com"),
        ]
    )
    dest = write_snapshot(snap, tmp_path / "snap")
    raw = pd.read_csv(next(dest.rglob("*leads*.csv")), dtype=str, keep_default_na=False)
    cells = raw.to_numpy().ravel().tolist()
    assert "'=cmd|'/c calc'!A1" in cells and "'+17045550142" in cells
    assert not any(v[:1] in TRIGGERS for v in cells if v)
    back = read_snapshot(dest)
    assert back.wc_leads["contact_name"].tolist() == ["=cmd|'/c calc'!A1", "@SUM(A1)"]
    assert back.wc_leads["phone_number"].iloc[0] == "+17045550142"
    assert back.wc_leads["email_address"].iloc[1] == "-x@example.com"
