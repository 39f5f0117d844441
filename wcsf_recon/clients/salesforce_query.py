"""Salesforce query results one page at a time, as Arrow text tables, with a cursor saved after each page.

A page is what one request returns: a REST page (`Sforce-Query-Options: batchSize=N`, 200-2,000,
SRC-REST-qopts) or one Bulk API 2.0 result chunk (`maxRecords`, `Sforce-Locator`, SRC-B2-qresults).
Only that page is held; the caller writes it away before asking for the next.

Resuming after a crash, as far as Salesforce allows:
- Bulk API 2.0: a job and its results are kept 7 days after it completes (Bulk API 2.0 limits,
  https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-bulkapi.html)
  and a locator is reusable while the job exists (Get Results for a Query Job,
  https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm),
  so a read continues at the saved job and locator; a job gone (404) is created again and the
  object read from its start.
- REST: a query locator (`nextRecordsUrl`) "expires automatically after 15 minutes of inactivity",
  is meant to be used once, and a user holds at most ten (SOAP API Developer Guide, QueryLocator,
  https://developer.salesforce.com/docs/atlas.en-us.238.0.api.meta/api/sforce_api_calls_querymore_querylocator.htm;
  Salesforce Help 000384958: an expired or invalid one answers INVALID_QUERY_LOCATOR). So REST reads are
  ordered by Id and the cursor keeps the last Id received: a locator that is refused is replaced by
  the same query with `Id > last Id` (keyset paging), which misses and repeats nothing.
Every value is kept as the text the API sent (REST JSON rendered like the Bulk CSV: true/false,
numbers as written, null as null), so a page written to Parquet reads back exactly.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from simple_salesforce import Salesforce, format_soql
from simple_salesforce.bulk2 import Operation
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceOperationError,
    SalesforceResourceNotFound,
)

if TYPE_CHECKING:
    from .salesforce import SalesforceReader

log = logging.getLogger(__name__)

REST_PAGE_MIN, REST_PAGE_MAX = 200, 2000  # batchSize bounds (SRC-REST-qopts)


@dataclass
class Cursor:
    """Where a paged read of one object stands; JSON-safe so it can be saved after every page."""

    sobject: str
    fields: list[str]  # the org's spelling, in SELECT order
    where: list[str] = field(default_factory=list)  # SOQL conditions, ANDed
    method: str = "rest"  # "rest" or "bulk2"
    next_url: str | None = None  # REST: nextRecordsUrl of the next page
    last_id: str | None = None  # REST: the last Id received (keyset restart when a locator is refused)
    job_id: str | None = None  # Bulk 2.0: the query job
    locator: str = ""  # Bulk 2.0: Sforce-Locator of the next chunk ("" = the first)
    started: bool = False  # a first page was asked for
    done: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Cursor:
        return cls(**data)

    def where_clause(self, after_id: str | None = None) -> str:
        """` WHERE a AND b` (or nothing), optionally only the rows after an Id."""
        conditions = [*self.where, *([format_soql("Id > {}", after_id)] if after_id else [])]
        return f" WHERE {' AND '.join(conditions)}" if conditions else ""

    def soql(self, after_id: str | None = None, ordered: bool = False) -> str:
        """The query, optionally only the rows after an Id, ordered by Id."""
        order = " ORDER BY Id" if ordered else ""
        return f"SELECT {', '.join(self.fields)} FROM {self.sobject}{self.where_clause(after_id)}{order}"


def pages(reader: SalesforceReader, cursor: Cursor) -> Iterator[tuple[pa.Table, Cursor]]:
    """Each page of the read as (text table in `cursor.fields` order, the cursor after it), until done."""
    if cursor.method == "bulk2":
        yield from _bulk_pages(reader, cursor)
    else:
        yield from _rest_pages(reader, cursor)


def _rest_pages(reader: SalesforceReader, cursor: Cursor) -> Iterator[tuple[pa.Table, Cursor]]:
    while not cursor.done:
        what = f"query {cursor.sobject}"
        if cursor.next_url:
            url = cursor.next_url
            try:
                body = reader.call(partial(_query_more, url=url, batch=reader.rest_page), what)
            except SalesforceMalformedRequest as exc:
                if "INVALID_QUERY_LOCATOR" not in str(exc.content):
                    raise
                log.info("the query locator of %s expired; continuing after Id %s", cursor.sobject, cursor.last_id)
                cursor = replace(cursor, next_url=None)
                continue
        else:
            soql = cursor.soql(cursor.last_id, ordered=True)
            body = reader.call(partial(_query, soql=soql, batch=reader.rest_page), what)
        records = body["records"]
        table = rest_table(records, cursor.fields)
        cursor = replace(
            cursor,
            started=True,
            next_url=body.get("nextRecordsUrl"),
            last_id=str(records[-1]["Id"]) if records else cursor.last_id,
            done=bool(body["done"]),
        )
        yield table, cursor


def _options(batch: int) -> dict[str, Any]:
    return {"headers": {"Sforce-Query-Options": f"batchSize={batch}"}}


def _query(sf: Salesforce, soql: str, batch: int) -> Any:
    return sf.query(soql, include_deleted=True, **_options(batch))


def _query_more(sf: Salesforce, url: str, batch: int) -> Any:
    return sf.query_more(url, identifier_is_url=True, **_options(batch))


def _bulk(sf: Salesforce, sobject: str) -> Any:
    """simple-salesforce's own Bulk 2.0 client for an object (`SFBulk2Type._client`), on the current session."""
    return getattr(sf.bulk2, sobject)._client


def _create_job(sf: Salesforce, sobject: str, soql: str) -> Any:
    return _bulk(sf, sobject).create_job(Operation.query_all, soql)


def _wait_for_job(sf: Salesforce, sobject: str, job_id: str) -> Any:
    return _bulk(sf, sobject).wait_for_job(job_id, True, 0.1)


def _results(sf: Salesforce, sobject: str, job_id: str, locator: str, size: int) -> Any:
    return _bulk(sf, sobject).get_query_results(job_id, locator, size)


def _bulk_pages(reader: SalesforceReader, cursor: Cursor) -> Iterator[tuple[pa.Table, Cursor]]:
    while not cursor.done:
        if cursor.job_id is None:
            soql = cursor.soql()
            job = reader.call(partial(_create_job, sobject=cursor.sobject, soql=soql), f"bulk query {cursor.sobject}")
            cursor = replace(cursor, job_id=str(job["id"]), locator="", started=False)
        job_id, locator = str(cursor.job_id), cursor.locator
        if not cursor.started:
            try:
                reader.call(
                    partial(_wait_for_job, sobject=cursor.sobject, job_id=job_id), f"bulk query {cursor.sobject}"
                )
            except SalesforceOperationError as exc:  # the job ended Failed: read the same rows through REST
                log.warning("bulk query of %s failed (%s); reading it through REST", cursor.sobject, str(exc)[:200])
                yield from _rest_pages(reader, replace(cursor, method="rest", job_id=None, locator=""))
                return
        try:
            result = reader.call(
                partial(_results, sobject=cursor.sobject, job_id=job_id, locator=locator, size=reader.bulk_page),
                f"bulk results {cursor.sobject}",
            )
        except SalesforceResourceNotFound:  # the job is gone (kept 7 days): ask again from the start
            log.info("bulk query job of %s no longer exists; starting the object again", cursor.sobject)
            cursor = replace(cursor, job_id=None, locator="", started=False)
            continue
        table = csv_table(result["records"], cursor.fields)
        cursor = replace(cursor, started=True, locator=result["locator"], done=not result["locator"])
        yield table, cursor


def _text(value: Any) -> str | None:
    """A REST JSON value as the Bulk CSV writes it: true/false, numbers as written, null stays null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def rest_table(records: list[dict[str, Any]], fields: list[str]) -> pa.Table:
    """One REST page as text columns; an empty text value is null, as in the Bulk CSV."""
    columns = {}
    for name in fields:
        values = [_text(r.get(name)) for r in records]
        columns[name] = pa.array([v if v != "" else None for v in values], pa.string())
    return pa.table(columns)


def csv_table(text: str, fields: list[str]) -> pa.Table:
    """One Bulk 2.0 CSV chunk as text columns: only the empty value is null ("NULL", "NA" stay text).

    Jobs are created with `lineEnding` LF (simple-salesforce's default), so a carriage return is
    always part of a value, quoted or not; Arrow's reader would end a row there, so each one is
    parsed as a NUL (simple-salesforce strips NULs from results: none is real) and put back.
    """
    if not text.strip():
        return pa.table({name: pa.array([], pa.string()) for name in fields})
    carriage_returns = "\r" in text
    table = pacsv.read_csv(
        io.BytesIO((text.replace("\r", "\0") if carriage_returns else text).encode("utf-8")),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in fields},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    table = table.select(fields)
    if carriage_returns:
        table = pa.table({name: pc.replace_substring(table[name], "\0", "\r") for name in fields})
    return table
