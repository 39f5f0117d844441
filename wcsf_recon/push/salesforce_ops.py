"""Salesforce writes for a push: lead creates by upsert on the WhatConverts id, and id backfills.

Creates use sObject Collections upsert keyed by the id field (200 records a call,
`allOrNone=false`), so a resent batch can never make a second lead; above `bulk_threshold`
one Bulk API 2.0 upsert job. When the field is not an External ID in the org, creates fall back
to plain collection creates, and the journal guards against re-sending: an operation left in
doubt is looked up by its id value first. Per-record errors are recorded, not retried, except
transient ones (`UNABLE_TO_LOCK_ROW`, ...) which go round again; a batch the API refuses as a
whole is split to isolate the bad row.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable
from typing import Any

from simple_salesforce import format_soql
from simple_salesforce.exceptions import SalesforceMalformedRequest

from ..clients.salesforce import SalesforceReader
from ..errors import ConfigError
from .journal import Journal, Op

log = logging.getLogger(__name__)
BATCH = 200
Progress = Callable[[str, int, int], None]  # (what, done, total)
TRANSIENT = {"UNABLE_TO_LOCK_ROW", "REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION"}


def is_external_id(reader: SalesforceReader, field: str) -> bool:
    """Is `field` an External ID on Lead (upsert possible)?"""
    return any(f["name"] == field and f.get("externalId") for f in reader.describe("Lead")["fields"])


def check_fields(reader: SalesforceReader, journal: Journal, kinds: tuple[str, ...]) -> None:
    """Refuse, before anything is sent, operations naming fields the org does not have.

    Salesforce refuses a whole collections call (and a whole Bulk job) over one unknown field,
    so a mapping to a field nobody created would otherwise fail every record, batch by batch.
    """
    wanted: dict[str, set[str]] = {}
    for kind in kinds:
        for op in journal.ops("salesforce", kind, ("planned", "sent")):
            names = wanted.setdefault(str(op.payload.get("sobject", "Lead")), set())
            names.update(k for k in op.payload if k not in ("sobject", "Id"))
    missing = {}
    for sobject, names in sorted(wanted.items()):
        gone = sorted(names - set(reader.fields(sobject)))
        if gone:
            missing[sobject] = gone
    if missing:
        listed = "; ".join(f"{sobject}.{', '.join(names)}" for sobject, names in missing.items())
        raise ConfigError(
            f"Salesforce has no field {listed}: create it in the org, or change wc_id_field or "
            "[reconcile.lead_fields] and reconcile again. Nothing was sent"
        )


def resolve_in_doubt(reader: SalesforceReader, journal: Journal, field: str) -> int:
    """Creates sent but never answered: confirm those Salesforce has, re-plan the rest."""
    doubt = journal.ops("salesforce", "create", ("sent",))
    found = 0
    for start in range(0, len(doubt), BATCH):
        chunk = doubt[start : start + BATCH]
        soql = format_soql(f"SELECT Id, {field} FROM Lead WHERE {field} IN {{}}", [o.record_key for o in chunk])

        def lookup(sf: Any, query: str = soql) -> list[dict[str, Any]]:
            return list(sf.query_all_iter(query))

        rows = reader.call(lookup, "look up leads in doubt")
        have = {str(r[field]).removesuffix(".0"): r["Id"] for r in rows}
        confirmed = [(op.op_id, have[op.record_key]) for op in chunk if op.record_key in have]
        again = "not found after an interrupted send; planned again"
        journal.settle(confirmed, [(op.op_id, "IN_DOUBT", again, False) for op in chunk if op.record_key not in have])
        found += len(confirmed)
    return found


def _record(op: Op) -> dict[str, Any]:
    return {
        "attributes": {"type": op.payload.get("sobject", "Lead")},
        **{k: v for k, v in op.payload.items() if k != "sobject" and v is not None},
    }


def _send_batch(reader: SalesforceReader, journal: Journal, ops: list[Op], path: str, method: str) -> None:
    """One collections call for `ops`; splits the batch when the API refuses it as a whole."""
    journal.mark_sent([o.op_id for o in ops])
    body = {"allOrNone": False, "records": [_record(o) for o in ops]}
    try:
        results = reader.call(lambda sf: sf.restful(path, method=method, json=body), f"{method} {path}")
    except SalesforceMalformedRequest as exc:
        if len(ops) == 1:
            content: dict[str, Any] = exc.content[0] if isinstance(exc.content, list) and exc.content else {}
            journal.fail(ops[0].op_id, content.get("errorCode", "MALFORMED_REQUEST"), content.get("message", str(exc)))
            return
        half = len(ops) // 2
        _send_batch(reader, journal, ops[:half], path, method)
        _send_batch(reader, journal, ops[half:], path, method)
        return
    confirmed, failed = [], []
    for op, result in zip(ops, results, strict=True):
        if result.get("success"):
            confirmed.append((op.op_id, result.get("id")))
        else:
            error = (result.get("errors") or [{}])[0]
            code = error.get("statusCode", "UNKNOWN")
            failed.append((op.op_id, code, error.get("message", ""), code not in TRANSIENT))
    journal.settle(confirmed, failed)  # the whole answer in one transaction


def _bulk_upsert(reader: SalesforceReader, journal: Journal, ops: list[Op], field: str) -> None:
    """One Bulk API 2.0 upsert job; results are matched back by the id field (they come unordered)."""
    columns = sorted({k for o in ops for k in o.payload if k != "sobject"})
    records = [{k: ("" if op.payload.get(k) is None else str(op.payload.get(k))) for k in columns} for op in ops]
    journal.mark_sent([o.op_id for o in ops])
    by_key = {o.record_key: o for o in ops}

    def run(sf) -> tuple[str, str]:
        info = sf.bulk2.Lead.upsert(records=records, external_id_field=field, wait=0.1)[0]
        return sf.bulk2.Lead.get_successful_records(info["job_id"]), sf.bulk2.Lead.get_failed_records(info["job_id"])

    ok, failed = reader.call(run, "bulk upsert Lead")
    confirmed = [
        (by_key[row[field]].op_id, row.get("sf__Id"))
        for row in csv.DictReader(io.StringIO(ok))
        if row.get(field) in by_key
    ]
    refused = []
    for row in csv.DictReader(io.StringIO(failed)):
        if row.get(field) in by_key:
            code, _, message = (row.get("sf__Error") or "UNKNOWN:").partition(":")
            refused.append((by_key[row[field]].op_id, code, message, code not in TRANSIENT))
    journal.settle(confirmed, refused)


def push_creates(
    reader: SalesforceReader,
    journal: Journal,
    field: str,
    bulk_threshold: int,
    rounds: int = 5,
    pause_s: float = 0.5,
    progress: Progress | None = None,
) -> bool:
    """Send every planned create; returns whether upsert (External ID) was used."""
    external = is_external_id(reader, field)
    if not external:
        log.warning("%s is not an External ID on Lead: creating leads, the journal guards against re-sends", field)
    resolve_in_doubt(reader, journal, field)
    for attempt in range(rounds):
        pending = journal.ops("salesforce", "create", ("planned",))
        if not pending:
            break
        if attempt:
            time.sleep(pause_s * attempt)
        if external and len(pending) > bulk_threshold:
            _bulk_upsert(reader, journal, pending, field)
            continue
        path, method = (f"composite/sobjects/Lead/{field}", "PATCH") if external else ("composite/sobjects", "POST")
        for start in range(0, len(pending), BATCH):
            _send_batch(reader, journal, pending[start : start + BATCH], path, method)
            if progress:
                progress("salesforce creates", min(start + BATCH, len(pending)), len(pending))
    return external


def push_backfill(
    reader: SalesforceReader, journal: Journal, rounds: int = 5, pause_s: float = 0.5, progress: Progress | None = None
) -> None:
    """Write the WhatConverts id onto linked records (an update: resending it is harmless)."""
    for attempt in range(rounds):
        pending = journal.ops("salesforce", "backfill", ("planned", "sent"))
        if not pending:
            return
        if attempt:
            time.sleep(pause_s * attempt)
        for start in range(0, len(pending), BATCH):
            _send_batch(reader, journal, pending[start : start + BATCH], "composite/sobjects", "PATCH")
            if progress:
                progress("salesforce id backfill", min(start + BATCH, len(pending)), len(pending))
