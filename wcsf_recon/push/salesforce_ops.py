"""Salesforce writes for a push: lead creates by upsert on the WhatConverts id, and id backfills.

Creates use sObject Collections upsert keyed by the id field (200 records a call,
`allOrNone=false`), so a resent batch can never make a second lead; above `bulk_threshold`
one Bulk API 2.0 upsert job. When the field is not an External ID in the org, creates fall back
to plain collection creates, which are never resent blindly: a create left without a clear
answer (dropped connection, timeout, 5xx) is looked up by its id value first (the journal's
in-doubt path) and only what Salesforce does not have is sent again. Per-record errors are
recorded, not retried, except transient ones (`UNABLE_TO_LOCK_ROW`, ...) which go round again; a
batch the API refuses as a whole is split to isolate the bad row. A refused login stops the push
and leaves the batch planned.

Headers (REST API Developer Guide, "Assignment Rule Header" and "Duplicate Rule Header"):
`Sforce-Auto-Assign` is TRUE when absent, and applies to updates too, so the id backfill always
sends FALSE (it must never reassign owners); creates send the configured choice, and a Bulk 2.0
job runs a rule only when it names `assignmentRuleId` (Bulk API 2.0 "Create a Job"), which is
looked up for "org". `Sforce-Duplicate-Rule-Header: allowSave=true` is sent only when
`duplicate_rules = "allow"`; a DUPLICATES_DETECTED result is final (reported, never retried).
Field names are matched to describe case-insensitively and sent in the org's spelling; text
longer than describe's `length` is truncated with a warning or refused (`long_values`).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simple_salesforce.bulk2 import _Bulk2Client
from simple_salesforce.exceptions import SalesforceMalformedRequest
from simple_salesforce.util import call_salesforce

from ..clients.salesforce import SalesforceAuthError, SalesforceInDoubt, SalesforceReader
from ..clients.soql import in_list
from ..config import Config
from ..errors import ConfigError
from .journal import Journal, Op

log = logging.getLogger(__name__)
BATCH = 200
Progress = Callable[[str, int, int], None]  # (what, done, total)
TRANSIENT = {"UNABLE_TO_LOCK_ROW", "REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION"}
BACKFILL_HEADERS = {"Sforce-Auto-Assign": "FALSE"}


@dataclass(frozen=True)
class WriteRules:
    """How creates treat the org's assignment and duplicate rules, and text too long for a field."""

    assignment: str = "org"  # org | none | an AssignmentRule id
    duplicates: str = "block"  # block | allow
    long_values: str = "truncate"  # truncate | refuse

    @classmethod
    def from_config(cls, config: Config) -> WriteRules:
        """The choices in the config's [reconcile] table."""
        return cls(config.assignment_rules, config.duplicate_rules, config.long_values)

    def create_headers(self) -> dict[str, str]:
        """Headers for collection creates/upserts."""
        headers = {"Sforce-Auto-Assign": {"org": "TRUE", "none": "FALSE"}.get(self.assignment, self.assignment)}
        if self.duplicates == "allow":
            headers["Sforce-Duplicate-Rule-Header"] = "allowSave=true"
        return headers


def is_external_id(reader: SalesforceReader, field: str) -> bool:
    """Is `field` an External ID on Lead (upsert possible)?"""
    found = reader.field("Lead", field)
    return bool(found and found.get("externalId"))


def check_fields(reader: SalesforceReader, journal: Journal, kinds: tuple[str, ...]) -> None:
    """Refuse, before anything is sent, operations naming fields the org does not have (names case-insensitive).

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
        gone = sorted(n for n in names if reader.field(sobject, n) is None)
        if gone:
            missing[sobject] = gone
    if missing:
        listed = "; ".join(f"{sobject}.{', '.join(names)}" for sobject, names in missing.items())
        raise ConfigError(
            f"Salesforce has no field {listed}: create it in the org, or change wc_id_field or "
            "[reconcile.lead_fields] and reconcile again. Nothing was sent"
        )


def too_long(reader: SalesforceReader, ops: list[Op]) -> list[tuple[Op, str, int, int]]:
    """(op, field, characters, limit) for every text value longer than its field's describe `length`."""
    found = []
    for op in ops:
        sobject = str(op.payload.get("sobject", "Lead"))
        for name, value in op.payload.items():
            meta = reader.field(sobject, name) if isinstance(value, str) and name != "sobject" else None
            limit = int((meta or {}).get("length") or 0)
            if meta and limit and len(value) > limit:
                found.append((op, str(meta["name"]), len(value), limit))
    return found


def fit_lengths(reader: SalesforceReader, journal: Journal, rules: WriteRules, apply: bool, kind: str) -> int:
    """Warn about values too long for their field; with `refuse`, fail those operations before sending."""
    found = too_long(reader, journal.ops("salesforce", kind, ("planned", "sent")))
    per_field = Counter((name, limit) for _, name, _, limit in found)
    action = "refused" if rules.long_values == "refuse" else "truncated to fit"
    for (name, limit), count in sorted(per_field.items()):
        log.warning("%d %s value(s) of %s are longer than its %d characters: %s", count, kind, name, limit, action)
    if apply and rules.long_values == "refuse":
        refused = [
            (
                op.op_id,
                "STRING_TOO_LONG",
                f"{name} has {n} characters; the org's field holds {limit} (long_values)",
                True,
            )
            for op, name, n, limit in found
        ]
        journal.settle((), refused)
    return len(found)


def _key(value: Any) -> str:
    """An id-field value as the journal keys it: Number(18,0) answers 178800123.0, Text answers '178800123'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).removesuffix(".0")


def resolve_in_doubt(reader: SalesforceReader, journal: Journal, field: str, ops: list[Op] | None = None) -> int:
    """Creates sent but never answered: confirm those Salesforce has, re-plan the rest.

    The IN list is typed from describe: a Number id field takes bare numbers, a Text one quoted text.
    """
    doubt = journal.ops("salesforce", "create", ("sent",)) if ops is None else ops
    meta = reader.field("Lead", field) or {"name": field, "type": "string"}
    name = meta["name"]
    found = 0
    for start in range(0, len(doubt), BATCH):
        chunk = doubt[start : start + BATCH]
        soql = f"SELECT Id, {name} FROM Lead WHERE {name} IN {in_list([o.record_key for o in chunk], meta['type'])}"

        def lookup(sf: Any, query: str = soql) -> list[dict[str, Any]]:
            return list(sf.query_all_iter(query))

        rows = reader.call(lookup, "look up leads in doubt")
        have = {_key(r[name]): r["Id"] for r in rows}
        confirmed = [(op.op_id, have[op.record_key]) for op in chunk if op.record_key in have]
        again = "not found after an interrupted send; planned again"
        journal.settle(confirmed, [(op.op_id, "IN_DOUBT", again, False) for op in chunk if op.record_key not in have])
        found += len(confirmed)
    return found


def _fields(reader: SalesforceReader, op: Op) -> dict[str, Any]:
    """The payload in the org's spelling of each field, text cut to the field's length."""
    sobject = str(op.payload.get("sobject", "Lead"))
    out: dict[str, Any] = {}
    for key, value in op.payload.items():
        if key == "sobject" or value is None:
            continue
        meta = reader.field(sobject, key) or {"name": key}
        limit = int(meta.get("length") or 0)
        out[meta["name"]] = value[:limit] if isinstance(value, str) and limit and len(value) > limit else value
    return out


def _record(reader: SalesforceReader, op: Op) -> dict[str, Any]:
    return {"attributes": {"type": op.payload.get("sobject", "Lead")}, **_fields(reader, op)}


@dataclass(frozen=True)
class _Call:
    """One kind of collections call: where, how, with which headers, and whether a resend is safe."""

    path: str
    method: str
    headers: dict[str, str]
    idempotent: bool = True
    id_field: str = ""


def _send_batch(reader: SalesforceReader, journal: Journal, ops: list[Op], call: _Call) -> None:
    """One collections call for `ops`; splits the batch when the API refuses it as a whole."""
    journal.mark_sent([o.op_id for o in ops])
    body = {"allOrNone": False, "records": [_record(reader, o) for o in ops]}
    what = f"{call.method} {call.path}"
    try:
        results = reader.call(
            lambda sf: sf.restful(call.path, method=call.method, json=body, headers=call.headers),
            what,
            idempotent=call.idempotent,
        )
    except SalesforceInDoubt as exc:  # Salesforce may have created them: look before sending again
        log.warning("%s; looking the %d records up by %s before sending again", exc, len(ops), call.id_field)
        resolve_in_doubt(reader, journal, call.id_field, ops)
        return
    except SalesforceAuthError:  # a refused login: nothing was done, so nothing is in doubt
        journal.settle((), [(op.op_id, "AUTH_FAILED", "Salesforce login refused; not sent", False) for op in ops])
        raise
    except SalesforceMalformedRequest as exc:
        if len(ops) == 1:
            content: dict[str, Any] = exc.content[0] if isinstance(exc.content, list) and exc.content else {}
            journal.fail(ops[0].op_id, content.get("errorCode", "MALFORMED_REQUEST"), content.get("message", str(exc)))
            return
        half = len(ops) // 2
        _send_batch(reader, journal, ops[:half], call)
        _send_batch(reader, journal, ops[half:], call)
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


class _AssigningBulk2Client(_Bulk2Client):
    """simple-salesforce's Bulk 2.0 client, with `assignmentRuleId` on ingest jobs (it has no option for it)."""

    def __init__(self, inner: _Bulk2Client, rule_id: str) -> None:
        super().__init__(inner.object_name, inner.bulk2_url, inner.headers, inner.session)
        self.rule_id = rule_id

    def create_job(self, operation: Any, query: str | None = None, column_delimiter: Any = "COMMA",
                   line_ending: Any = "LF", external_id_field: str | None = None) -> Any:  # fmt: skip
        """The parent's ingest job request plus `assignmentRuleId` (Bulk API 2.0 "Create a Job", Lead/Case)."""
        payload = {
            "operation": operation,
            "columnDelimiter": column_delimiter,
            "lineEnding": line_ending,
            "object": self.object_name,
            "contentType": "CSV",
            "assignmentRuleId": self.rule_id,
        }
        if external_id_field:
            payload["externalIdFieldName"] = external_id_field
        result = call_salesforce(
            url=self._construct_request_url(None, False),
            method="POST",
            session=self.session,
            headers=self._get_headers(self.JSON_CONTENT_TYPE, self.JSON_CONTENT_TYPE),
            data=json.dumps(payload, allow_nan=False),
        )
        return result.json()


def _bulk_rule_id(reader: SalesforceReader, rules: WriteRules) -> str | None:
    """The AssignmentRule a Bulk job names: the org's active Lead rule for "org", none for "none"."""
    if rules.assignment == "none":
        return None
    if rules.assignment != "org":
        return rules.assignment
    soql = "SELECT Id FROM AssignmentRule WHERE SobjectType = 'Lead' AND Active = true"
    rows = reader.call(lambda sf: list(sf.query_all_iter(soql)), "look up the active lead assignment rule")
    return rows[0]["Id"] if rows else None


def _bulk_upsert(
    reader: SalesforceReader,
    journal: Journal,
    ops: list[Op],
    field: str,
    rules: WriteRules,
    job_records: int | None = None,
) -> None:
    """A Bulk API 2.0 upsert; results are matched back by the id field (they come unordered).

    simple-salesforce splits the data into several jobs (at about 100 MB, or `job_records`) and
    returns one job info per job (SRC-SS bulk2 `_upload_file`): every job's results are read.
    """
    rows = [_fields(reader, op) for op in ops]
    columns = sorted({k for row in rows for k in row if k != "Id"})
    records = [{k: ("" if row.get(k) is None else str(row.get(k))) for k in columns} for row in rows]
    name = (reader.field("Lead", field) or {"name": field})["name"]
    rule_id = _bulk_rule_id(reader, rules)
    journal.mark_sent([o.op_id for o in ops])
    by_key = {o.record_key: o for o in ops}

    def run(sf) -> list[tuple[str, str]]:
        handler = sf.bulk2.Lead
        if rule_id:
            handler._client = _AssigningBulk2Client(handler._client, rule_id)
        infos = handler.upsert(records=records, external_id_field=name, batch_size=job_records, wait=0.1)
        return [(handler.get_successful_records(i["job_id"]), handler.get_failed_records(i["job_id"])) for i in infos]

    confirmed: list[tuple[str, str | None]] = []
    refused: list[tuple[str, str, str, bool]] = []
    for ok, failed in reader.call(run, "bulk upsert Lead"):
        confirmed += [
            (by_key[row[name]].op_id, row.get("sf__Id"))
            for row in csv.DictReader(io.StringIO(ok))
            if row.get(name) in by_key
        ]
        for row in csv.DictReader(io.StringIO(failed)):
            if row.get(name) in by_key:
                code, _, message = (row.get("sf__Error") or "UNKNOWN:").partition(":")
                refused.append((by_key[row[name]].op_id, code, message, code not in TRANSIENT))
    journal.settle(confirmed, refused)  # every job's answer in one transaction


def push_creates(
    reader: SalesforceReader,
    journal: Journal,
    field: str,
    bulk_threshold: int,
    rounds: int = 5,
    pause_s: float = 0.5,
    progress: Progress | None = None,
    rules: WriteRules | None = None,
    bulk_job_records: int | None = None,
) -> bool:
    """Send every planned create; returns whether upsert (External ID) was used."""
    rules = rules or WriteRules()
    external = is_external_id(reader, field)
    name = (reader.field("Lead", field) or {"name": field})["name"]
    if not external:
        log.warning("%s is not an External ID on Lead: creating leads, the journal guards against re-sends", name)
    resolve_in_doubt(reader, journal, field)
    fit_lengths(reader, journal, rules, True, "create")
    call = (
        _Call(f"composite/sobjects/Lead/{name}", "PATCH", rules.create_headers())
        if external
        else _Call("composite/sobjects", "POST", rules.create_headers(), idempotent=False, id_field=field)
    )
    for attempt in range(rounds):
        pending = journal.ops("salesforce", "create", ("planned",))
        if not pending:
            break
        if attempt:
            time.sleep(pause_s * attempt)
        if external and len(pending) > bulk_threshold:
            _bulk_upsert(reader, journal, pending, field, rules, bulk_job_records)
            continue
        for start in range(0, len(pending), BATCH):
            _send_batch(reader, journal, pending[start : start + BATCH], call)
            if progress:
                progress("salesforce creates", min(start + BATCH, len(pending)), len(pending))
    return external


def push_backfill(
    reader: SalesforceReader, journal: Journal, rounds: int = 5, pause_s: float = 0.5, progress: Progress | None = None
) -> None:
    """Write the WhatConverts id onto linked records (an update: resending it is harmless; never reassigns)."""
    call = _Call("composite/sobjects", "PATCH", BACKFILL_HEADERS)
    for attempt in range(rounds):
        pending = journal.ops("salesforce", "backfill", ("planned", "sent"))
        if not pending:
            return
        if attempt:
            time.sleep(pause_s * attempt)
        for start in range(0, len(pending), BATCH):
            _send_batch(reader, journal, pending[start : start + BATCH], call)
            if progress:
                progress("salesforce id backfill", min(start + BATCH, len(pending)), len(pending))
