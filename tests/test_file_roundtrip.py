"""Every file we write round-trips every value; hostile values are refused on load or made harmless on output."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wcsf_recon import Config, InputError, Plan, read_snapshot, reconcile, write_snapshot
from wcsf_recon.config import DEFAULT_WC_ID_FIELD
from wcsf_recon.errors import StorageError
from wcsf_recon.html_report import build_report
from wcsf_recon.normalize.frame import MATCH_PREFIX, normalize_wc_leads
from wcsf_recon.push import push
from wcsf_recon.runs import RunLog, run_cycle
from wcsf_recon.tables.coerce import coerce_table
from wcsf_recon.tables.export import first_difference, read_safe_csv, write_safe_csv
from wcsf_recon.tables.schema import WC_LEADS
from wcsf_recon.tables.wc_records import leads_frame
from wcsf_recon.tables.workbook import write_workbook

from .builders import lead, make_snapshot
from .conftest import SAMPLE
from .xlsx import sheet_values

# text that hurts files: bare carriage returns, CRLF, control characters, formula starts after a newline
HOSTILE = "Spring\r@SUM(1+1)\r\n=cmd|'/c calc'!A1\n+1\x0b\x1b\x00 $x^2$ <script>alert(1)</script> \u202eevil \U0001f600"
# any text (lone surrogates cannot be UTF-8 at all), weighted towards what breaks CSVs; "\r\n" comes from pairs
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(["\r", "\n", "=", "'", '"', ",", "\x00"]),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.one_of(st.none(), TEXT), min_size=1, max_size=8))
def test_csv_round_trips_any_text(values: list[str | None], tmp_path: Path) -> None:
    frame = pd.DataFrame({"text": pd.Series(values, dtype=object), "n": range(len(values))})
    path = tmp_path / "t.csv"
    write_safe_csv(frame, path)
    back = read_safe_csv(path)
    # an empty string and a missing value are the same empty cell in CSV (the one thing CSV cannot tell apart)
    assert first_difference(frame, back) is None
    assert len(back) == len(values)


def test_a_bare_carriage_return_stays_in_its_cell_and_neutralized(tmp_path: Path) -> None:
    write_safe_csv(pd.DataFrame({"a": ["Spring\r@SUM(1+1)", "x"], "b": ["1", "2"]}), tmp_path / "t.csv")
    raw = (tmp_path / "t.csv").read_bytes()
    assert b'"Spring\r@SUM(1+1)"' in raw
    back = read_safe_csv(tmp_path / "t.csv")
    assert back["a"].tolist() == ["Spring\r@SUM(1+1)", "x"] and back["b"].tolist() == ["1", "2"]


def test_snapshot_csv_round_trips_hostile_text(tmp_path: Path) -> None:
    snap = make_snapshot(
        wc_leads=[
            lead(1, "2025-01-01T00:00:00Z", contact_name="Ann Lee", lead_campaign=HOSTILE, lead_keyword="a\r@SUM(1)"),
            lead(2, "2025-01-02T00:00:00Z", contact_name="Bo Ray", lead_keyword="b"),
        ]
    )
    dest = write_snapshot(snap, tmp_path / "snap")
    back = read_snapshot(dest)
    assert len(back.wc_leads) == 2
    assert back.wc_leads["lead_campaign"].iloc[0] == HOSTILE.strip()
    assert back.wc_leads["lead_keyword"].tolist() == ["a\r@SUM(1)", "b"]


def _plan_with(value: str) -> Plan:
    snap = make_snapshot(
        wc_leads=[
            lead(1, "2025-01-01T00:00:00Z", contact_name="Ann Lee", email_address="ann@example.com", gclid=value),
            lead(2, "2025-01-02T00:00:00Z", contact_name="Bo Ray", email_address="bo@example.com", gclid="plain"),
        ]
    )
    return reconcile(snap).plan


def test_plan_reads_back_exactly_and_a_changed_plan_is_refused(tmp_path: Path) -> None:
    plan = _plan_with("Spring\r@SUM(1+1)")
    plan.write(tmp_path / "plan")
    back = Plan.read(tmp_path / "plan")
    assert len(back.salesforce_lead_creates) == 2
    assert sorted(back.salesforce_lead_creates["GCLID__c"]) == ["Spring\r@SUM(1+1)", "plain"]
    creates = tmp_path / "plan" / "salesforce_lead_creates.csv"
    text = creates.read_bytes()
    creates.write_bytes(text.replace(b'"Spring\r@SUM(1+1)"', b"Spring\r@SUM(1+1)"))  # what the old writer wrote
    with pytest.raises(InputError, match=r"salesforce_lead_creates.csv: reads back as 3 rows but 2 were written"):
        Plan.read(tmp_path / "plan")
    creates.write_bytes(text.replace(b"plain", b"plaim"))
    with pytest.raises(InputError, match="content differs from what was written; nothing pushed"):
        Plan.read(tmp_path / "plan")
    (tmp_path / "plan" / "plan_manifest.json").unlink()  # a plan edited on purpose
    assert sorted(Plan.read(tmp_path / "plan").salesforce_lead_creates["GCLID__c"]) == ["Spring\r@SUM(1+1)", "plaim"]


def test_workbook_holds_control_characters_formulas_and_markup(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "text": [HOSTILE, "<r>&x</r>", "=1+1", "x" * 40_000, None],
            "n": [1.5, None, 3, 4, 5],
            "when": pd.to_datetime(["2025-01-01T10:00:00Z", None, None, None, None], utc=True),
        }
    )
    write_workbook({"a:b/c": frame}, tmp_path / "w.xlsx")
    assert [p.name for p in tmp_path.iterdir()] == ["w.xlsx"]  # no temporary file left
    rows, types = sheet_values(tmp_path / "w.xlsx", "a_b_c")
    assert rows[0] == ["text", "n", "when"]
    texts = [r[0] for r in rows[1:]]
    assert texts[0] == HOSTILE.replace("\x0b", "").replace("\x1b", "").replace("\x00", "")
    assert texts[1:4] == ["<r>&x</r>", "=1+1", "x" * 32_767] and texts[4] is None
    assert "f" not in {t for row in types for t in row}  # no formula cell anywhere
    assert rows[1][1] == 1.5 and rows[2][1] is None
    assert str(rows[1][2]) == "2025-01-01 10:00:00"


def test_reconciliation_workbook_with_control_characters_in_lead_fields(tmp_path: Path) -> None:
    snap = make_snapshot(
        wc_leads=[lead(1, "2025-01-01T00:00:00Z", contact_name="Ann\x0b Lee\x1b\x00", email_address="a@x.com")]
    )
    reconcile(snap).write(tmp_path)
    rows, _ = sheet_values(tmp_path / "reports" / "reconciliation.xlsx", "unmatched leads")
    assert "Ann Lee" in [v for row in rows for v in row]
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name]


def test_workbook_caps_rows_and_says_so(tmp_path: Path) -> None:
    write_workbook({"big": pd.DataFrame({"i": range(25)})}, tmp_path / "w.xlsx", row_cap=10)
    rows, _ = sheet_values(tmp_path / "w.xlsx", "big")
    assert rows[0][0].startswith("First 10 of 25 rows") and rows[1] == ["i"]
    assert [r[0] for r in rows[2:]] == list(range(10))
    book = openpyxl.load_workbook(tmp_path / "w.xlsx")
    assert book["big"].freeze_panes == "A3" and book["big"].auto_filter.ref == "A2:A12"


def test_a_failed_workbook_leaves_no_temporary_file(tmp_path: Path) -> None:
    class Boom:
        def __getattr__(self, name):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_workbook({"ok": pd.DataFrame({"a": [1]}), "bad": Boom()}, tmp_path / "w.xlsx")  # type: ignore[dict-item]
    assert list(tmp_path.iterdir()) == []


def test_report_draws_mathtext_and_markup_as_text() -> None:
    snap = read_snapshot(SAMPLE)
    sources = pd.Series(["$x^$ \\frac{", "<script>x", "$$", "a$b$c"] * len(snap.wc_leads), dtype="str")
    snap.wc_leads["lead_source"] = sources.iloc[: len(snap.wc_leads)].to_numpy()
    page = build_report(reconcile(snap))
    assert "<script>x" not in page and "&lt;script&gt;x" in page


def _leads_csv(tmp_path: Path, column: str, value: str) -> Path:
    snap = tmp_path / "snap"
    shutil.copytree(SAMPLE, snap)
    path = snap / "whatconverts" / "leads.csv"
    frame = pd.read_csv(path, dtype=str)
    frame.loc[2, column] = value
    frame.to_csv(path, index=False)
    return snap


@pytest.mark.parametrize("value", ["178800161/../178800422", "../../../evil?x=", "178800133?quotable=no#frag"])
def test_lead_ids_that_are_not_integers_are_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(InputError, match=r"leads.csv: not a valid id .*column 'lead_id', row 3, value"):
        read_snapshot(_leads_csv(tmp_path, "lead_id", value))


@pytest.mark.parametrize("value", ["00Q5g0000000001AA/../x", "00Q5g00000000", "00Q5g0000000001AAA?x=1"])
def test_salesforce_ids_that_are_not_ids_are_refused(tmp_path: Path, value: str) -> None:
    snap = tmp_path / "snap"
    shutil.copytree(SAMPLE, snap)
    path = snap / "salesforce" / "Lead.csv"
    frame = pd.read_csv(path, dtype=str)
    frame.loc[0, "Id"] = value
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"Lead.csv: not a valid id \(a Salesforce id is 15 or 18 .*row 1"):
        read_snapshot(snap)


@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity", "1e309", "NaN"])
def test_non_finite_money_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(InputError, match=r"leads.csv: not a (finite )?number \(column 'quote_value', row 3"):
        read_snapshot(_leads_csv(tmp_path, "quote_value", value))


def test_non_finite_money_in_parquet_and_huge_integers_are_refused(tmp_path: Path) -> None:
    frame = pd.DataFrame({"lead_id": ["1"], "lead_type": ["Web Form"], "date_created": ["2025-01-01T00:00:00Z"]})
    with pytest.raises(InputError, match="not a finite number"):
        coerce_table(frame.assign(quote_value=[float("inf")]), WC_LEADS, "x.parquet", DEFAULT_WC_ID_FIELD)
    with pytest.raises(InputError, match=r"x.csv: not a finite number \(column 'lead_score', row 1, value '3.7e400'"):
        coerce_table(frame.assign(lead_score=["3.7e400"]), WC_LEADS, "x.csv", DEFAULT_WC_ID_FIELD)
    with pytest.raises(InputError, match=r"integer out of range \(column 'lead_score', row 1"):
        coerce_table(frame.assign(lead_score=["1e30"]), WC_LEADS, "x.csv", DEFAULT_WC_ID_FIELD)


def test_deeply_nested_jsonl_is_a_clear_error(tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    shutil.copytree(SAMPLE, snap)
    (snap / "whatconverts" / "leads.csv").unlink()
    good = json.dumps({"lead_id": 1, "lead_type": "Web Form", "date_created": "2025-01-01T00:00:00Z"})
    deep = '{"lead_id": 2, "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    (snap / "whatconverts" / "leads.jsonl").write_text(good + "\n" + deep + "\n")
    with pytest.raises(InputError, match=r"leads.jsonl: JSON nested deeper than 32 levels \(row 2\)"):
        read_snapshot(snap)


def test_no_leads_is_an_empty_table_not_missing_columns() -> None:
    table = coerce_table(leads_frame([]), WC_LEADS, "<api leads>", DEFAULT_WC_ID_FIELD)
    assert len(table) == 0 and {"lead_id", "lead_type", "date_created"} <= set(table.columns)


def test_empty_jsonl_is_zero_leads(tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    shutil.copytree(SAMPLE, snap)
    (snap / "whatconverts" / "leads.csv").unlink()
    (snap / "whatconverts" / "leads.jsonl").write_text("")
    assert len(read_snapshot(snap).wc_leads) == 0


def test_a_huge_multi_word_name_is_read_by_its_prefix() -> None:
    words = " ".join(["Ann", "Marie", *(["Lee"] * 200_000), "Zed"])  # 800 KB of words
    snap = make_snapshot(wc_leads=[lead(1, "2025-01-01T00:00:00Z", contact_name=words)])
    norm = normalize_wc_leads(snap.wc_leads, Config())
    prefix = make_snapshot(wc_leads=[lead(1, "2025-01-01T00:00:00Z", contact_name=words[:MATCH_PREFIX])])
    expected = normalize_wc_leads(prefix.wc_leads, Config())
    assert norm["contact_name"].iloc[0] == words  # the value is kept
    got = (norm["n_first"].iloc[0], norm["n_last"].iloc[0])
    assert got == (expected["n_first"].iloc[0], expected["n_last"].iloc[0])
    assert norm["n_last"].iloc[0] != "zed"


def test_a_run_left_running_by_a_dead_process_is_marked_interrupted(tmp_path: Path) -> None:
    state = tmp_path / "state"
    log = RunLog(state)
    log.start("20250101T000000000000Z", applied=True)  # a run killed with -9: never finished
    log.close()
    run_cycle(Config(), tmp_path / "missing.env", state, tmp_path / "runs", apply=True)
    rows = RunLog(state).rows()
    assert rows[0]["run_id"] == "20250101T000000000000Z" and rows[0]["status"] == "interrupted"
    assert rows[1]["status"] != "running"


def test_a_locked_journal_is_not_called_a_full_disk(tmp_path: Path) -> None:
    plan = _plan_with("x")
    plan.write(tmp_path / "plan")
    push(tmp_path / "plan", Config(), None, None)  # creates the journal
    holder = sqlite3.connect(tmp_path / "plan" / "journal.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another push of this plan, mid-write
    try:
        with pytest.raises(StorageError) as caught:
            push(tmp_path / "plan", Config(), None, None)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "locked" in str(caught.value) and "Free space" not in str(caught.value)
    assert "Another process has the journal open" in str(caught.value)
