"""A hostile corpus through `run --apply` against the sandbox: the same end state as a clean copy, every file sound.

Every free-text field of the snapshot that no matching rule reads (UTM fields, URLs, GCLID, account and
profile names, Salesforce lead sources, opportunity names, contact roles) gets bare carriage returns,
CRLF, control characters, formula starts after a newline, `$...$` mathtext, `<script>`, bidi overrides
and emoji; one cell is 1 MB. The fields that say who a person is (names, caller IDs, emails, phones,
places, companies, on both sides) get what changes nobody's identity: control characters, bidi
overrides and isolates, zero-width characters, a lone CR or CRLF at the end, surrounding whitespace.
Emoji, markup, mathtext and formula starts stay out of those: `Ann <script>` is another name, and a
clean copy would rightly end differently.
"""

from __future__ import annotations

import html.parser
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from wcsf_recon import Config, Plan, read_snapshot, reconcile
from wcsf_recon.normalize.textvec import UNSENDABLE, visible_field
from wcsf_recon.reconcile import SHEET_NAMES
from wcsf_recon.report_tables import for_people
from wcsf_recon.runs import EXIT_OK, RunLog, run_cycle
from wcsf_recon.sandbox import Sandbox
from wcsf_recon.synth import generate_world
from wcsf_recon.tables.export import first_difference, read_safe_csv
from wcsf_recon.tables.snapshot import Snapshot
from wcsf_recon.tables.workbook import ROW_CAP, xlsx_text

from .xlsx import sheet_values

SINCE = datetime(2024, 1, 1, tzinfo=UTC)
SUFFIXES = (
    "\r@SUM(1+1)",
    "\r\n=cmd|' /c calc'!A1",
    "\n+1-2\r-3",
    "\x0b\x1b\x00\x07x",
    " $x^2$ \\frac{a}{b} $",
    "<script>alert(1)</script>",
    " \u202eevil\u202c \u2066x\u2069",
    " \U0001f600\U0001f44d\U0001f3fd",
)
HOSTILE_FIELDS = {
    "wc_leads": (
        "account",
        "profile",
        "lead_source",
        "lead_medium",
        "lead_campaign",
        "lead_keyword",
        "landing_url",
        "lead_url",
        "gclid",
    ),
    "sf_leads": ("LeadSource", "Status"),
    "sf_opportunities": ("Name", "LeadSource"),
    "sf_contact_roles": ("Role",),
}
IDENTITY_FIELDS = {
    "wc_leads": (
        "contact_name",
        "caller_name",
        "email_address",
        "contact_email_address",
        "phone_number",
        "caller_number",
        "contact_phone_number",
        "contact_company_name",
        "city",
        "caller_city",
        "state",
        "zip",
        "caller_zip",
    ),
    "sf_leads": ("FirstName", "LastName", "Email", "Phone", "MobilePhone", "City", "PostalCode", "Company"),
    "sf_contacts": ("FirstName", "LastName", "Email", "Phone", "MobilePhone", "MailingCity", "MailingPostalCode"),
}
# (before, inside, after): `inside` goes in the middle of the value, so it holds nothing that separates words
INVISIBLE = (
    (" \u202e", "\u200b", "\u202c\r"),
    ("\ufeff", "\x00", "\r\n"),
    ("\u2066", "\u200d", "\u2069\x0b "),
    ("\t\u202a", "\x1b", "\u202c"),
    ("", "\u200c\u2068", "\u2069\x00\r\n"),
    ("\u202d\u00ad", "\u2067\u2069", "\x1b "),
)
MB = 1_000_000


def hostile(value: str) -> str:
    """The value with a hostile tail chosen by the value itself (so a mapped field can be predicted)."""
    return value + SUFFIXES[zlib.crc32(value.encode()) % len(SUFFIXES)]


def invisible(value: str) -> str:
    """The value with characters that change nobody's identity before, inside and after it."""
    before, inside, after = INVISIBLE[zlib.crc32(value.encode()) % len(INVISIBLE)]
    middle = len(value) // 2
    return before + value[:middle] + inside + value[middle:] + after


def _feed(frame: pd.DataFrame, columns: tuple[str, ...], decorate) -> pd.DataFrame:
    for col in columns:
        if col in frame.columns:
            frame[col] = frame[col].map(lambda v: decorate(v) if isinstance(v, str) and v else v).astype("str")
    return frame


def _hostile_copy(snapshot: Snapshot) -> Snapshot:
    tables = {}
    for name, frame in snapshot.tables().items():
        frame = _feed(frame.copy(), HOSTILE_FIELDS.get(name, ()), hostile)
        tables[name] = _feed(frame, IDENTITY_FIELDS.get(name, ()), invisible)
    leads = tables["wc_leads"]
    leads.loc[0, "lead_url"] = "https://example.com/?q=" + "a b\r\n" * (MB // 5)  # a 1 MB cell
    return Snapshot(**tables, manifest=dict(snapshot.manifest))


def _run(snapshot: Snapshot, tmp_path: Path) -> tuple[dict[str, dict], dict[str, tuple], Path]:
    tmp_path.mkdir()
    with Sandbox(snapshot) as box:
        env = tmp_path / "sandbox.env"
        env.write_text(box.env_text())
        outcome = run_cycle(Config(), env, tmp_path / "state", tmp_path / "runs", apply=True, since=SINCE)
        assert outcome.exit_code == EXIT_OK and outcome.status == "ok", outcome.summary
        assert outcome.summary["failed"] == 0
        field = Config().wc_id_field
        created = {
            str(r[field]): r
            for r in box.state.sf["Lead"].values()
            if r.get(field) and not r.get("IsDeleted") and str(r["Id"]).startswith("00QSB")
        }
        values = {
            str(k): (v.get("quotable"), v.get("quote_value"), v.get("sales_value"))
            for k, v in box.state.wc_leads.items()
        }
    return created, values, outcome.folder


def _visible(value: str) -> str:
    return visible_field(pd.Series([value], dtype="str")).iloc[0]


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)


@pytest.fixture(scope="module")
def world():
    return generate_world(120, seed=2026)


def test_hostile_corpus_runs_to_the_clean_end_state_and_every_file_round_trips(world, tmp_path: Path) -> None:
    clean_created, clean_values, clean_folder = _run(world.snapshot, tmp_path / "clean")
    bad = _hostile_copy(world.snapshot)
    bad_created, bad_values, folder = _run(bad, tmp_path / "hostile")

    # the same links and the same plan sections, row for row (identity fields matched as if clean)
    decided = ["wc_lead_id", "sf_object", "sf_id", "rule", "score", "cluster"]
    clean_links, bad_links = (read_safe_csv(f / "links.csv") for f in (clean_folder, folder))
    assert len(clean_links) and first_difference(clean_links[decided], bad_links[decided]) is None
    clean_plan, bad_plan = (Plan.read(f / "plan") for f in (clean_folder, folder))
    assert bad_plan.counts() == clean_plan.counts()
    for name, frame in clean_plan.sections().items():  # the same records in every section
        keys = [c for c in ("wc_lead_id", "sf_id", "Id", "cluster") if c in frame.columns]
        assert first_difference(frame[keys], bad_plan.sections()[name][keys]) is None, name

    # both systems end as for the clean copy: the same creates, the same WhatConverts values
    assert clean_created and bad_created.keys() == clean_created.keys()
    assert bad_values == clean_values
    mapped = Config().lead_fields
    for wc_id, clean in clean_created.items():
        got = bad_created[wc_id]
        for sf_field in ("FirstName", "LastName", "Email", "Phone", "LeadSource"):  # names built from visible text
            assert got.get(sf_field) == clean.get(sf_field), (wc_id, sf_field)
        # the company as typed, format characters kept, controls XML cannot hold dropped
        assert UNSENDABLE.search(got["Company"]) is None and _visible(got["Company"]) == clean["Company"], wc_id
        for sf_field in mapped:  # each hostile value arrived whole, in its own record, less those controls
            want = clean.get(sf_field)
            assert got.get(sf_field) == (UNSENDABLE.sub("", hostile(want)) if want else want), (wc_id, sf_field)
    sent = [v for r in bad_created.values() for f in ("Company", *mapped) if isinstance(v := r.get(f), str)]
    assert any("\u202e" in v for v in sent) and any("\r" in v for v in sent)  # bidi and CR go as typed

    # every file of the run opens and round-trips
    snap = read_snapshot(folder / "snapshot")
    for table, columns in IDENTITY_FIELDS.items():  # the extract kept the identity fields as served
        for col in columns:
            if col in bad.tables()[table].columns:
                got_col, want_col = snap.tables()[table][col], bad.tables()[table][col]
                assert got_col.str.strip().fillna("").tolist() == want_col.str.strip().fillna("").tolist(), col
    assert (folder / "snapshot" / "whatconverts" / "leads.parquet").exists()
    assert snap.wc_leads["lead_url"].str.len().max() >= MB
    recon = reconcile(snap)
    assert first_difference(recon.links, read_safe_csv(folder / "links.csv")) is None
    files = {name: for_people(name, frame) for name, frame in recon.reports.items()}
    for name, frame in files.items():
        assert first_difference(frame, read_safe_csv(folder / "reports" / f"{name}.csv")) is None, name
    for name, frame in recon.plan.sections().items():
        assert first_difference(frame, read_safe_csv(folder / "plan" / f"{name}.csv")) is None, name
    creates = recon.plan.salesforce_lead_creates
    imported = pd.read_csv(folder / "plan" / "salesforce_lead_import.csv", dtype=str, keep_default_na=False)
    assert len(imported) == len(creates)
    for col in mapped:
        assert imported[col].tolist() == creates[col].fillna("").tolist(), col
    for name, frame in files.items():
        rows, types = sheet_values(folder / "reports" / "reconciliation.xlsx", SHEET_NAMES[name])
        assert rows[0] == [str(c) for c in frame.columns] if len(frame.columns) else True
        assert len(rows) - 1 == min(len(frame), ROW_CAP), name
        assert "f" not in {t for row in types for t in row}
        for j, col in enumerate(frame.columns):
            if frame[col].dtype == "str":
                want = xlsx_text(frame[col]).tolist()
                assert [r[j] for r in rows[1:]] == [None if pd.isna(v) else v for v in want], (name, col)
    page = (folder / "report.html").read_text(encoding="utf-8")
    tags = _Tags()
    tags.feed(page)
    assert "script" not in tags.tags and "<script>alert" not in page
    assert not [p for p in folder.rglob("*") if ".tmp" in p.name]


def test_a_report_that_fails_is_recorded_and_the_push_goes_on(world, tmp_path: Path, monkeypatch) -> None:
    import wcsf_recon.runs as runs

    def broken(*args: object) -> None:
        raise ValueError("the chart could not be drawn")

    monkeypatch.setattr(runs, "write_documents", broken)
    with Sandbox(world.snapshot) as box:
        env = tmp_path / "sandbox.env"
        env.write_text(box.env_text())
        outcome = run_cycle(Config(), env, tmp_path / "state", tmp_path / "runs", apply=True, since=SINCE)
    assert outcome.exit_code == EXIT_OK and outcome.summary["created"] > 0
    assert outcome.status == "ok, report failed"
    assert "ValueError: the chart could not be drawn" in outcome.summary["report_error"]
    assert '"report_error"' in (outcome.folder / "run.json").read_text()
    row = RunLog(tmp_path / "state").rows()[-1]
    assert row["status"] == "ok, report failed" and "report_error" in row["summary"]
