"""Salesforce extraction page by page into Parquet partitions, resumed after a stop, against the loopback sandbox.

The real simple-salesforce client over HTTPS on 127.0.0.1; stops are the API's own refusals
(the org's daily cap, REQUEST_LIMIT_EXCEEDED TotalRequests) and expired query locators / deleted
Bulk jobs on the server side, never a patched client.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wcsf_recon import Config
from wcsf_recon.clients.budget import QuotaExhausted
from wcsf_recon.clients.salesforce import SalesforceReader
from wcsf_recon.clients.salesforce_query import csv_table, rest_table
from wcsf_recon.extract import COMPACT_AFTER, ExtractSettings, ExtractStats, SalesforceState, extract_salesforce
from wcsf_recon.sandbox import Faults, Sandbox
from wcsf_recon.synth import generate_world
from wcsf_recon.tables.coerce import coerce_table
from wcsf_recon.tables.partitions import Partitions
from wcsf_recon.tables.schema import SF_OBJECTS, TABLES

from .builders import assert_same_tables

PAGE = 200  # the smallest REST batchSize Salesforce takes
CHUNK = 100  # Bulk API 2.0 maxRecords per result chunk
DESCRIBES = len(SF_OBJECTS)  # the first API calls of a read: one describe per object


@pytest.fixture(scope="module")
def world():
    return generate_world(500, seed=77)  # 293 Leads: two REST pages, three Bulk chunks


def _reader(box: Sandbox, bulk: bool) -> SalesforceReader:
    threshold = 0 if bulk else 10**9
    return SalesforceReader(
        box.salesforce_credentials(), backoff_s=0.01, bulk_threshold=threshold, bulk_page=CHUNK, rest_page=PAGE
    )


def _extract(
    box: Sandbox, state: Path, bulk: bool, stats: ExtractStats | None = None
) -> tuple[dict[str, pd.DataFrame], ExtractStats]:
    """The Salesforce half of `extract`, typed as a snapshot types it."""
    stats = stats or ExtractStats()
    raw = extract_salesforce(_reader(box, bulk), Config(), ExtractSettings(state_dir=state), stats)
    specs = [spec for spec in TABLES if spec.name in raw]
    typed = {spec.name: coerce_table(raw[spec.name], spec, spec.file_stem, Config().wc_id_field) for spec in specs}
    return typed, stats


def _parts(state: Path, sobject: str) -> list[Path]:
    return sorted((state / "salesforce" / sobject / "parts").glob("*.parquet"))


def _served_rows(world) -> int:
    return sum(len(getattr(world.snapshot, attr)) for attr in SF_OBJECTS)


@pytest.mark.parametrize("bulk", [False, True], ids=["rest", "bulk2"])
def test_a_multi_page_read_is_one_partition_per_page_and_equals_the_served_tables(world, tmp_path, bulk) -> None:
    with Sandbox(world.snapshot) as box:
        tables, stats = _extract(box, tmp_path, bulk)
    assert_same_tables(world.snapshot, tables)
    size = CHUNK if bulk else PAGE
    for attr, sobject in SF_OBJECTS.items():
        rows = len(getattr(world.snapshot, attr))
        parts = _parts(tmp_path, sobject)
        assert len(parts) == stats.sf_pages[sobject] == math.ceil(rows / size), sobject
        assert [pq.ParquetFile(p).metadata.num_rows for p in parts][:-1] == [size] * (len(parts) - 1)
    assert stats.sf_rows_held == size  # never more than one page at once
    assert set(stats.sf_methods.values()) == {"bulk2" if bulk else "rest"}


@pytest.mark.parametrize(
    ("bulk", "expire"),
    [(False, False), (False, True), (True, False)],
    ids=["rest-locator", "rest-locator-expired", "bulk2-locator"],
)
def test_a_read_stopped_mid_object_resumes_without_losing_or_repeating_a_record(world, tmp_path, bulk, expire) -> None:
    # calls before Lead's second page: describes, COUNT(), then the first page (Bulk: create job, poll once)
    before_second_page = DESCRIBES + 1 + (3 if bulk else 1)
    with Sandbox(world.snapshot, faults=Faults(sf_daily_cap=before_second_page)) as box:
        first = ExtractStats()
        with pytest.raises(QuotaExhausted, match="daily API allowance"):
            _extract(box, tmp_path, bulk, first)
        saved = json.loads((tmp_path / "salesforce" / "Lead" / "progress.json").read_text())
        assert saved["cursor"] is not None and not saved["cursor"]["done"]
        assert [pq.ParquetFile(p).metadata.num_rows for p in _parts(tmp_path, "Lead")] == [CHUNK if bulk else PAGE]
        box.faults.sf_daily_cap = None  # the allowance is back (the next day)
        if expire:
            box.state.queries.clear()  # the locator expired meanwhile: INVALID_QUERY_LOCATOR
        tables, stats = _extract(box, tmp_path, bulk)
        jobs = box.state.counters.get("salesforce POST /services/data/v59.0/jobs/query", 0)
        refused = [path for _, _, path, status in box.state.log if status == 400]
    assert len(refused) == int(expire) and all("/query/01gSB" in path for path in refused)  # the expired locator
    assert_same_tables(world.snapshot, tables)
    assert first.sf_rows_fetched == {"Lead": CHUNK if bulk else PAGE}
    assert sum(first.sf_rows_fetched.values()) + sum(stats.sf_rows_fetched.values()) == _served_rows(
        world
    )  # none twice
    assert sum(pq.ParquetFile(p).metadata.num_rows for p in _parts(tmp_path, "Lead")) == len(world.snapshot.sf_leads)
    assert jobs == (len(SF_OBJECTS) if bulk else 0)  # the Lead job was continued, not created again
    assert json.loads((tmp_path / "salesforce" / "Lead" / "progress.json").read_text())["cursor"] is None


def test_a_bulk_job_gone_before_the_resume_reads_the_object_again_without_duplicates(world, tmp_path) -> None:
    with Sandbox(world.snapshot, faults=Faults(sf_daily_cap=DESCRIBES + 4)) as box:
        with pytest.raises(QuotaExhausted):
            _extract(box, tmp_path, bulk=True)
        box.faults.sf_daily_cap = None
        box.state.jobs.clear()  # results are kept 7 days: after that the job answers 404
        tables, stats = _extract(box, tmp_path, bulk=True)
    assert_same_tables(world.snapshot, tables)
    assert stats.sf_rows_fetched["Lead"] == len(world.snapshot.sf_leads)  # read again from its start
    assert len(tables["sf_leads"]) == tables["sf_leads"]["Id"].nunique() == len(world.snapshot.sf_leads)


def test_an_incremental_read_appends_a_partition_and_state_of_the_earlier_layout_is_migrated(world, tmp_path) -> None:
    with Sandbox(world.snapshot) as box:
        _extract(box, tmp_path, bulk=False)
        lead = tmp_path / "salesforce" / "Lead"
        stored = pd.concat([pd.read_parquet(p) for p in _parts(tmp_path, "Lead")])
        mark = json.loads((lead / "progress.json").read_text())["watermark"]
        for p in _parts(tmp_path, "Lead"):  # the layout before partitions: one table and a watermark file
            p.unlink()
        (lead / "progress.json").unlink()
        stored.to_parquet(tmp_path / "salesforce" / "Lead.parquet", index=False)
        (tmp_path / "salesforce" / "Lead.watermark.json").write_text(json.dumps({"SystemModstamp": mark}))
        tables, stats = _extract(box, tmp_path, bulk=False)
    assert_same_tables(world.snapshot, tables)
    assert not (tmp_path / "salesforce" / "Lead.parquet").exists()
    assert stats.sf_rows_fetched.get("Lead", 0) < 20  # only rows modified near the watermark
    assert sum(stats.sf_rows_fetched.values()) < 60


def test_many_small_partitions_merge_into_one_keeping_the_newest_row_of_each_id(tmp_path) -> None:
    state = SalesforceState(tmp_path, "Lead")
    progress = state.progress()
    for i in range(COMPACT_AFTER + 1):  # one small page per incremental run
        state.append(pa.table({"Id": [f"00Q{i % 5}", f"00Q{i}"], "Email": [str(i), None]}), progress)
    before = state.parts.frame("Id")
    state.compact(progress)
    assert len(state.parts.files()) == 1 and progress["next_part"] == COMPACT_AFTER + 3
    pd.testing.assert_frame_equal(state.parts.frame("Id"), before)
    assert before.set_index("Id").loc["00Q4", "Email"] == str(COMPACT_AFTER - 3)  # the newest of 00Q4
    assert before["Email"].isna().sum() == COMPACT_AFTER + 1 - 5 and len(before) == COMPACT_AFTER + 1


HOSTILE_TEXT = [
    "a,b",
    'say "hi"',
    "line1\nline2",
    "bare\rCR",
    "NULL",
    "NA",
    "nan",
    " spaced ",
    "007",
    "ü ☃",
    "=1+1",
    "x",
]


def test_every_value_of_a_page_round_trips_through_its_parquet_partition(tmp_path) -> None:
    """Bulk CSV and REST JSON pages keep every text as sent; only the empty value is null; then Parquet and back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")  # as the sandbox (and Salesforce) write a Bulk result
    writer.writerow(["Id", "Text"])
    writer.writerows([[f"00Q{i:03d}", text] for i, text in enumerate([*HOSTILE_TEXT, ""])])
    bulk = csv_table(out.getvalue(), ["Id", "Text"])
    assert bulk["Text"].to_pylist() == [*HOSTILE_TEXT, None]
    records = [
        {"Id": "00Q1", "IsConverted": True, "Amount": 1500.0, "Score": 7, "Rate": 0.1, "Email": None, "City": ""},
        {
            "Id": "00Q2",
            "IsConverted": False,
            "Amount": 12.5,
            "Score": None,
            "Rate": 1e-7,
            "Email": "a@b.co",
            "City": "Köln",
        },
    ]
    rest = rest_table(records, ["Id", "IsConverted", "Amount", "Score", "Rate", "Email", "City"])
    assert rest.to_pylist() == [
        {
            "Id": "00Q1",
            "IsConverted": "true",
            "Amount": "1500.0",
            "Score": "7",
            "Rate": "0.1",
            "Email": None,
            "City": None,
        },
        {
            "Id": "00Q2",
            "IsConverted": "false",
            "Amount": "12.5",
            "Score": None,
            "Rate": "1e-07",
            "Email": "a@b.co",
            "City": "Köln",
        },
    ]
    for n, page in enumerate([bulk, rest], start=1):
        Partitions(tmp_path / str(n)).write(page, 1)
        assert pq.read_table(tmp_path / str(n) / "000001.parquet").equals(page)
