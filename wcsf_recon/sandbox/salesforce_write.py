"""Salesforce writes in the sandbox: sObject Collections (create, update, upsert), upsert by external id,
and Bulk API 2.0 ingest jobs — with the per-record errors Salesforce gives.

Validation: `REQUIRED_FIELD_MISSING` (Lead without LastName or Company), `INVALID_FIELD` (unknown
field), `DUPLICATE_VALUE` (a second record with the same unique external id), `MALFORMED_ID`.
A collections call whose body cannot be read as records — an unknown field, or a value that is
not a number/boolean/date where the field wants one — is refused whole with HTTP 400, as
single-record REST calls are (documented for those; for collections an assumption, unconfirmed).
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .org import DEFAULT_OWNER
from .salesforce_api import _errors, _gate, _headers, job_for
from .state import SandboxState

REQUIRED = {
    "Lead": ("LastName", "Company"),
    "Contact": ("LastName",),
    "Account": ("Name",),
    "Opportunity": ("Name", "StageName", "CloseDate"),
}
READ_ONLY = {"Id", "IsDeleted", "CreatedDate", "SystemModstamp", "IsConverted", "IsWon", "IsClosed"}
MAX_COLLECTION = 200


@dataclass
class WriteOptions:
    """What a write request asks about rules: the Assignment Rule and Duplicate Rule headers, or a Bulk job's
    `assignmentRuleId` (REST API Developer Guide, "Assignment Rule Header": absent means TRUE; Bulk API 2.0
    runs assignment rules only when the job names `assignmentRuleId`)."""

    auto_assign: str | None = "TRUE"  # TRUE, FALSE or an AssignmentRule id; None: no rule (a Bulk job without one)
    allow_save: bool = False  # Sforce-Duplicate-Rule-Header allowSave=true

    @classmethod
    def from_headers(cls, headers: Any) -> WriteOptions:
        dup = str(headers.get("sforce-duplicate-rule-header") or "").replace(" ", "").lower()
        return cls(headers.get("sforce-auto-assign") or "TRUE", "allowsave=true" in dup.split(";"))

    def assigns(self, state: SandboxState, creating: bool) -> bool:
        """Does the org's (or the named) Lead assignment rule run on this write?"""
        value = (self.auto_assign or "").upper()
        if value == "TRUE":
            return state.org.assignment_rule
        rules = {k.upper() for k in state.sf["AssignmentRule"]}
        return bool(value) and value != "FALSE" and creating and value in rules


def _error(code: str, message: str, fields: list[str] | None = None) -> dict[str, Any]:
    return {"statusCode": code, "message": message, "fields": fields or []}


def _typed(state: SandboxState, sobject: str, name: str, value: Any) -> Any:
    """A value as the org stores it: the id field as text, or as a number when it is Number(18,0)."""
    if name != state.wc_id_field or value in (None, ""):
        return value
    if state.sf_types[sobject].get(name) == "double":
        return float(value)
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _validate(
    state: SandboxState, sobject: str, values: dict[str, Any], creating: bool, write: WriteOptions | None = None
) -> dict[str, Any] | None:
    unknown = [k for k in values if k not in state.sf_fields[sobject] and k != "attributes"]
    if unknown:
        return _error("INVALID_FIELD", f"No such column '{unknown[0]}' on sobject of type {sobject}", unknown[:1])
    if creating:
        missing = [f for f in REQUIRED.get(sobject, ()) if values.get(f) in (None, "")]
        if missing:
            return _error("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing)
    for name, value in values.items():  # text longer than describe's `length` (SRC-REST-errors STRING_TOO_LONG)
        limit = state.length(sobject, name) if name != "attributes" else 0
        if limit and isinstance(value, str) and len(value) > limit:
            return _error("STRING_TOO_LONG", f"{name}: data value too large: {value[:40]} (max length={limit})", [name])
    if creating and sobject == "Lead" and state.org.duplicate_rule and not (write and write.allow_save):
        email = str(values.get("Email") or "").lower()
        twins = [
            r["Id"]
            for r in state.sf["Lead"].values()
            if email and not r["IsDeleted"] and str(r.get("Email") or "").lower() == email
        ]
        if twins and twins[0] != values.get("Id"):
            return _error("DUPLICATES_DETECTED", "Use one of these records?", [])
    ext = state.wc_id_field
    if state.id_field_is_external and values.get(ext) not in (None, ""):
        key = _typed(state, sobject, ext, values[ext])
        for record in state.sf[sobject].values():
            if record.get(ext) == key and record["Id"] != values.get("Id") and not record["IsDeleted"]:
                return _error(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {ext} duplicates value on record with id: {record['Id']}",
                    [ext],
                )
    return None


def _apply(
    state: SandboxState,
    sobject: str,
    values: dict[str, Any],
    record_id: str | None,
    write: WriteOptions | None = None,
) -> tuple[str, bool]:
    """Write one record (create when `record_id` is None); returns (id, created)."""
    clean = {k: _typed(state, sobject, k, v) for k, v in values.items() if k not in ("attributes", "Id")}
    if sobject == "Lead" and write is not None and write.assigns(state, record_id is None):
        clean["OwnerId"] = state.rule_owner
    now = state.now_sf()
    with state.lock:
        if record_id is None:
            record_id = state.new_id(sobject)
            record = dict.fromkeys(state.sf_fields[sobject])
            record.update(clean, Id=record_id, IsDeleted=False, CreatedDate=now, SystemModstamp=now)
            if sobject == "Lead":
                record["IsConverted"] = False
                record["OwnerId"] = record.get("OwnerId") or DEFAULT_OWNER
            state.sf[sobject][record_id] = record
            return record_id, True
        state.sf[sobject][record_id].update(clean, SystemModstamp=now)
        return record_id, False


def _upsert_one(
    state: SandboxState, sobject: str, field: str, values: dict[str, Any], write: WriteOptions | None = None
) -> dict[str, Any]:
    key = values.get(field)
    if key in (None, ""):
        return {"success": False, "errors": [_error("MISSING_ARGUMENT", f"{field} not specified", [field])]}
    key = _typed(state, sobject, field, key)
    with state.lock:
        matches = [r["Id"] for r in state.sf[sobject].values() if r.get(field) == key and not r["IsDeleted"]]
        if len(matches) > 1:
            return {
                "success": False,
                "errors": [_error("DUPLICATE_EXTERNAL_ID", f"{field}: more than one record found for {key}", [field])],
            }
        problem = _validate(
            state, sobject, {**values, "Id": matches[0] if matches else None}, creating=not matches, write=write
        )
        if problem:
            return {"success": False, "errors": [problem]}
        record_id, created = _apply(state, sobject, values, matches[0] if matches else None, write)
    return {"id": record_id, "success": True, "errors": [], "created": created}


def _lock_fault(state: SandboxState) -> dict[str, Any] | None:
    """UNABLE_TO_LOCK_ROW for a share of records when the fault plan asks for it."""
    with state.faults._lock:
        if state.faults.lock_rate and state.faults._rng.random() < state.faults.lock_rate:
            return {
                "success": False,
                "errors": [
                    _error("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record or 1 records")
                ],
            }
    return None


def _unreadable(state: SandboxState, sobject: str, values: dict[str, Any]) -> Response | None:
    """The 400 Salesforce gives a whole request when one record names an unknown field or a bad value."""
    for name, value in values.items():
        if name == "attributes":
            continue
        kind = state.sf_types[sobject].get(name)
        if kind is None:
            return _errors(400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}")
        if value is not None and not _readable_as(kind, value):
            return _errors(
                400,
                "JSON_PARSER_ERROR",
                f"Cannot deserialize instance of {kind} from VALUE_STRING value {value} at [field {name}]",
            )
    return None


def _readable_as(kind: str, value: Any) -> bool:
    if kind in ("double", "currency", "int", "percent"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return True
        try:
            float(str(value))
        except ValueError:
            return False
        return True
    if kind == "boolean":
        return isinstance(value, bool) or str(value).lower() in ("true", "false")
    if kind in ("date", "datetime"):
        try:
            datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return False
    return True


async def collections(request: Request) -> Response:
    """POST create / PATCH update on /composite/sobjects; PATCH upsert on /composite/sobjects/{obj}/{field}."""
    state: SandboxState = request.app.state.sandbox
    if (denied := _gate(state, request)) is not None:
        return denied
    body = await request.json()
    records = body.get("records") or []
    if len(records) > MAX_COLLECTION:
        return _errors(400, "EXCEEDED_ID_LIMIT", f"record count exceeds {MAX_COLLECTION}")
    for values in records:
        sobject = request.path_params.get("sobject") or (values.get("attributes") or {}).get("type")
        if sobject in state.sf and (refused := _unreadable(state, sobject, values)) is not None:
            return refused
    results = []
    write = WriteOptions.from_headers(request.headers)
    for values in records:
        sobject = request.path_params.get("sobject") or (values.get("attributes") or {}).get("type")
        if sobject not in state.sf:
            results.append(
                {"success": False, "errors": [_error("INVALID_TYPE", f"sObject type '{sobject}' is not supported.")]}
            )
            continue
        if (fault := _lock_fault(state)) is not None:
            results.append(fault)
            continue
        field = request.path_params.get("field")
        if field:
            results.append(_upsert_one(state, sobject, field, values, write))
        elif request.method == "POST":
            problem = _validate(state, sobject, values, creating=True, write=write)
            results.append(
                {"success": False, "errors": [problem]}
                if problem
                else {"id": _apply(state, sobject, values, None, write)[0], "success": True, "errors": []}
            )
        else:
            record_id = values.get("Id")
            if record_id not in state.sf[sobject]:
                results.append({"success": False, "errors": [_error("MALFORMED_ID", f"invalid id: {record_id}")]})
                continue
            problem = _validate(state, sobject, values, creating=False, write=write)
            results.append(
                {"success": False, "errors": [problem]}
                if problem
                else {"id": _apply(state, sobject, values, record_id, write)[0], "success": True, "errors": []}
            )
    return JSONResponse(results, headers=_headers(state))


async def upsert_by_external_id(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if (denied := _gate(state, request)) is not None:
        return denied
    sobject, field, value = (request.path_params[k] for k in ("sobject", "field", "value"))
    result = _upsert_one(
        state, sobject, field, {**(await request.json()), field: value}, WriteOptions.from_headers(request.headers)
    )
    if not result["success"]:
        err = result["errors"][0]
        status = 300 if err["statusCode"] == "DUPLICATE_EXTERNAL_ID" else 400
        return JSONResponse(
            [{"errorCode": err["statusCode"], "message": err["message"], "fields": err["fields"]}], status_code=status
        )
    return JSONResponse(result, status_code=201 if result["created"] else 200, headers=_headers(state))


async def create_ingest_job(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if (denied := _gate(state, request)) is not None:
        return denied
    body = await request.json()
    job_id = f"750SI{secrets.token_hex(6)}"
    with state.lock:
        state.jobs[job_id] = {
            "kind": "ingest",
            "object": body["object"],
            "operation": body["operation"],
            "external": body.get("externalIdFieldName"),
            "write": WriteOptions(body.get("assignmentRuleId")),
            "state": "Open",
            "csv": "",
            "ok": [],
            "failed": [],
        }
    return JSONResponse(
        {"id": job_id, "state": "Open", "object": body["object"], "operation": body["operation"]},
        headers=_headers(state),
    )


async def ingest_job(request: Request) -> Response:
    """GET status, PUT data (…/batches), PATCH state (UploadComplete -> processed at once)."""
    state, job, problem = job_for(request)
    if problem is not None:
        return problem
    assert job is not None  # job_for gives a job whenever it gives no problem
    if request.method == "PUT":
        job["csv"] += (await request.body()).decode("utf-8")
        return Response(status_code=201)
    if request.method == "PATCH":
        wanted = (await request.json()).get("state")
        if wanted == "UploadComplete":
            _process(state, job)
        elif wanted == "Aborted":
            job["state"] = "Aborted"
    total = len(job["ok"]) + len(job["failed"])
    return JSONResponse(
        {
            "id": request.path_params["job_id"],
            "state": job["state"],
            "object": job["object"],
            "operation": job["operation"],
            "numberRecordsProcessed": total,
            "numberRecordsFailed": len(job["failed"]),
        },
        headers=_headers(state),
    )


def _process(state: SandboxState, job: dict[str, Any]) -> None:
    rows = list(csv.DictReader(io.StringIO(job["csv"])))
    for row in rows:
        values = {k: (None if v == "" else v) for k, v in row.items()}
        write = job["write"]
        if job["operation"] == "upsert":
            result = _upsert_one(state, job["object"], job["external"], values, write)
        else:
            problem = _validate(state, job["object"], values, creating=True, write=write)
            result = (
                {"success": False, "errors": [problem]}
                if problem
                else {"id": _apply(state, job["object"], values, None, write)[0], "success": True, "created": True}
            )
        if result["success"]:
            job["ok"].append({"sf__Id": result["id"], "sf__Created": str(result.get("created", True)).lower(), **row})
        else:
            err = result["errors"][0]
            job["failed"].append(
                {"sf__Id": "", "sf__Error": f"{err['statusCode']}:{err['message']}:{','.join(err['fields'])}", **row}
            )
    job["state"] = "JobComplete"


def ingest_results(request: Request) -> Response:
    state, job, problem = job_for(request)
    if problem is not None:
        return problem
    assert job is not None  # job_for gives a job whenever it gives no problem
    rows = (
        job["ok"]
        if request.path_params["kind"] == "successfulResults"
        else (job["failed"] if request.path_params["kind"] == "failedResults" else [])
    )
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return Response(out.getvalue(), media_type="text/csv", headers=_headers(state))


_V = "/services/data/v{version}"
ROUTES = [
    Route(_V + "/composite/sobjects", collections, methods=["POST", "PATCH"]),
    Route(_V + "/composite/sobjects/{sobject}/{field}", collections, methods=["PATCH"]),
    Route(_V + "/sobjects/{sobject}/{field}/{value}", upsert_by_external_id, methods=["PATCH"]),
    Route(_V + "/jobs/ingest", create_ingest_job, methods=["POST"]),
    Route(_V + "/jobs/ingest/{job_id}", ingest_job, methods=["GET", "PATCH"]),
    Route(_V + "/jobs/ingest/{job_id}/batches", ingest_job, methods=["PUT"]),
    Route(_V + "/jobs/ingest/{job_id}/{kind}", ingest_results, methods=["GET"]),
]
