"""The Salesforce REST and Bulk API 2.0 surface the toolkit uses: OAuth token, describe, query, Bulk query jobs."""

from __future__ import annotations

import csv
import html
import io
import re
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..clients.salesforce import API_VERSION
from .records import sf_csv_value
from .soql import SoqlError, parse, run
from .state import SandboxState

PAGE_SIZE = 2000
API_LIMIT = 15000


def _errors(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse([{"message": message, "errorCode": code, "fields": []}], status_code=status)


def _headers(state: SandboxState) -> dict[str, str]:
    return {"Sforce-Limit-Info": f"api-usage={state.sf_calls}/{API_LIMIT}"}


def _gate(state: SandboxState, request: Request) -> Response | None:
    """Session check, session-expiry and rate faults; counts the API call."""
    header = request.headers.get("authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else ""
    with state.lock:
        state.sf_calls += 1
        expiry = state.faults.session_expires_after
        if expiry is not None and not state.session_expired_once and state.sf_calls > expiry:
            state.session_expired_once = True
            state.sessions.clear()
        if token not in state.sessions:
            return _errors(401, "INVALID_SESSION_ID", "Session expired or invalid")
        cap = state.faults.sf_daily_cap
        if cap is not None and state.sf_calls > cap:
            return _errors(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    status = state.faults.roll_error()
    if status == 429 or status == 403:  # a passing limit (too many concurrent long requests): back off
        return _errors(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.")
    if status is not None:
        return PlainTextResponse("Service Unavailable", status_code=status)
    return None


async def token(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    form = await request.form()
    creds = state.credentials
    grant = form.get("grant_type")
    ok_client = form.get("client_id") == creds.sf_client_id and form.get("client_secret") == creds.sf_client_secret
    if grant == "password":
        ok = (
            ok_client
            and form.get("username") == creds.sf_username
            and form.get("password") == (creds.sf_password + creds.sf_security_token)
        )
    elif grant == "client_credentials":
        ok = ok_client
    elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
        ok = _jwt_ok(creds, str(form.get("assertion", "")), str(request.base_url).rstrip("/"))
    else:
        return JSONResponse(
            {"error": "unsupported_grant_type", "error_description": "grant type not supported"}, status_code=400
        )
    if not ok:
        return JSONResponse({"error": "invalid_grant", "error_description": "authentication failure"}, status_code=400)
    access = "00DSB!" + secrets.token_urlsafe(24)
    with state.lock:
        state.sessions.add(access)
    base = str(request.base_url).rstrip("/")
    return JSONResponse(
        {
            "access_token": access,
            "scope": "api",  # the token answer's keys as Salesforce documents them (tests/fixtures/salesforce)
            "instance_url": base,
            "id": f"{base}/id/00DSB/005SB",
            "token_type": "Bearer",
            "issued_at": "0",
            "signature": "sandbox",
        }
    )


def _jwt_ok(creds: Any, assertion: str, base: str) -> bool:
    """An RS256 assertion from the connected app for its user, addressed to login, test or this host."""
    import jwt

    if creds.sf_jwt_public_key is None:
        return False
    audiences = ["https://login.salesforce.com", "https://test.salesforce.com", base]
    try:
        claims = jwt.decode(assertion, creds.sf_jwt_public_key, algorithms=["RS256"], audience=audiences)
    except jwt.PyJWTError:
        return False
    return claims.get("iss") == creds.sf_client_id and claims.get("sub") == creds.sf_username


async def soap_login(request: Request) -> Response:
    """The partner SOAP `login` call simple-salesforce makes for username + password + security token."""
    state: SandboxState = request.app.state.sandbox
    body = (await request.body()).decode("utf-8", "replace")
    user = re.search(r"<n1:username>(.*?)</n1:username>", body, re.DOTALL)
    password = re.search(r"<n1:password>(.*?)</n1:password>", body, re.DOTALL)
    creds = state.credentials
    if (
        not user
        or not password
        or (html.unescape(user[1]), html.unescape(password[1]))
        != (creds.sf_username, creds.sf_password + creds.sf_security_token)
    ):
        fault = (
            "<?xml version='1.0' encoding='UTF-8'?><soapenv:Envelope "
            "xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/' xmlns:sf='urn:fault.partner.soap.sforce.com'>"
            "<soapenv:Body><soapenv:Fault><faultcode>INVALID_LOGIN</faultcode><detail><sf:LoginFault>"
            "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode><sf:exceptionMessage>Invalid username, password, "
            "security token; or user locked out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>"
            "</soapenv:Body></soapenv:Envelope>"
        )
        return Response(fault, status_code=500, media_type="text/xml")
    access = "00DSB!" + secrets.token_urlsafe(24)
    with state.lock:
        state.sessions.add(access)
    base = str(request.base_url).rstrip("/")
    ok = (
        "<?xml version='1.0' encoding='UTF-8'?><soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'"
        " xmlns='urn:partner.soap.sforce.com'><soapenv:Body><loginResponse><result>"
        f"<serverUrl>{base}/services/Soap/u/{API_VERSION}/00DSB</serverUrl><sessionId>{access}</sessionId>"
        "<userId>005SB</userId></result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )
    return Response(ok, media_type="text/xml")


def describe(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if (denied := _gate(state, request)) is not None:
        return denied
    sobject = request.path_params["sobject"]
    if sobject not in state.sf:
        return _errors(404, "NOT_FOUND", f"The requested resource does not exist: {sobject}")
    fields = [
        {
            "name": name,
            "type": state.sf_types[sobject][name],
            "length": state.length(sobject, name),
            "precision": 18 if state.sf_types[sobject][name] == "double" else 0,
            "scale": 0,
            "custom": name.endswith("__c"),
            "externalId": name == state.wc_id_field and state.id_field_is_external,
            "unique": name == state.wc_id_field and state.id_field_is_external,
            "nillable": name not in ("Id", "LastName", "Company", "Name", "StageName"),
            "label": name,
        }
        for name in state.sf_fields[sobject]
    ]
    return JSONResponse({"name": sobject, "queryable": True, "fields": fields}, headers=_headers(state))


def _select(state: SandboxState, soql: str, include_deleted: bool) -> tuple[list[dict[str, Any]], list[str], bool]:
    query = parse(soql)
    if query.sobject not in state.sf:
        raise UnknownObjectError(f"sObject type '{query.sobject}' is not supported.")
    unknown = [f for f in query.fields if f not in state.sf_fields[query.sobject]]
    if unknown:
        raise KeyError(unknown[0])
    _check_literal_types(state.sf_types[query.sobject], query.conditions)
    with state.lock:
        records = list(state.sf[query.sobject].values())
    if not include_deleted:
        records = [r for r in records if not r.get("IsDeleted")]
    rows = run(query, records)
    return rows, query.fields, query.count_only


NUMERIC = {"double", "int", "long", "currency", "percent"}
TEXT = {"string", "id", "reference", "picklist", "textarea", "email", "phone", "url"}


class UnknownObjectError(SoqlError):
    """An object the org does not have (Salesforce answers INVALID_TYPE, e.g. DatedConversionRate without
    advanced currency management)."""


class FilterTypeError(SoqlError):
    """A WHERE literal of the wrong type for its field (Salesforce answers INVALID_FIELD)."""


def _check_literal_types(types: dict[str, str], conditions: list[tuple[str, str, Any]]) -> None:
    """Refuse quoted numbers and bare text the way Salesforce does ("value of filter criterion for field ...")."""
    for name, _, value in conditions:
        kind = types.get(name)
        for item in value if isinstance(value, list) else [value]:
            if item is None or kind is None:
                continue
            if kind in NUMERIC and isinstance(item, str):
                raise FilterTypeError(
                    f"value of filter criterion for field '{name}' must be of type double and should not be "
                    "enclosed in quotes"
                )
            if kind in TEXT and not isinstance(item, str):
                raise FilterTypeError(
                    f"value of filter criterion for field '{name}' must be of type string and should be "
                    "enclosed in quotes"
                )


def _batch_size(request: Request) -> int:
    """`Sforce-Query-Options: batchSize=N`, held to 200-2,000 (the default 2,000; SRC-REST-qopts)."""
    options = request.headers.get("sforce-query-options", "")
    found = re.search(r"batchSize\s*=\s*(\d+)", options)
    return min(max(int(found[1]), 200), PAGE_SIZE) if found else PAGE_SIZE


def _rest_page(
    state: SandboxState, sobject: str, rows: list[dict[str, Any]], fields: list[str], start: int, size: int
) -> dict:
    page = rows[start : start + size]
    body: dict[str, Any] = {
        "totalSize": len(rows),
        "done": start + size >= len(rows),
        "records": [
            {
                "attributes": {"type": sobject, "url": f"/services/data/v{API_VERSION}/sobjects/{sobject}/{r['Id']}"},
                **{f: r.get(f) for f in fields},
            }
            for r in page
        ],
    }
    if not body["done"]:
        locator = f"01gSB{secrets.token_hex(6)}-{start + size}"
        with state.lock:
            state.queries[locator] = (sobject, rows, fields, size)
        body["nextRecordsUrl"] = f"/services/data/v{API_VERSION}/query/{locator}"
    return body


def query(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if (denied := _gate(state, request)) is not None:
        return denied
    include_deleted = request.url.path.rstrip("/").endswith("queryAll")
    try:
        rows, fields, count_only = _select(state, request.query_params.get("q", ""), include_deleted)
    except FilterTypeError as exc:
        return _errors(400, "INVALID_FIELD", str(exc))
    except UnknownObjectError as exc:
        return _errors(400, "INVALID_TYPE", str(exc))
    except SoqlError as exc:
        return _errors(400, "MALFORMED_QUERY", str(exc))
    except KeyError as exc:
        return _errors(400, "INVALID_FIELD", f"No such column '{exc.args[0]}' on entity")
    if count_only:
        return JSONResponse({"totalSize": len(rows), "done": True, "records": []}, headers=_headers(state))
    sobject = parse(request.query_params["q"]).sobject
    return JSONResponse(_rest_page(state, sobject, rows, fields, 0, _batch_size(request)), headers=_headers(state))


def query_more(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if (denied := _gate(state, request)) is not None:
        return denied
    locator = request.path_params["locator"]
    with state.lock:
        saved = state.queries.get(locator)
    if saved is None:
        return _errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    sobject, rows, fields, size = saved
    return JSONResponse(
        _rest_page(state, sobject, rows, fields, int(locator.rsplit("-", 1)[1]), size), headers=_headers(state)
    )


async def create_query_job(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if (denied := _gate(state, request)) is not None:
        return denied
    body = await request.json()
    try:
        rows, fields, _ = _select(state, body.get("query", ""), body.get("operation") == "queryAll")
    except FilterTypeError as exc:
        return _errors(400, "INVALID_FIELD", str(exc))
    except UnknownObjectError as exc:
        return _errors(400, "INVALID_TYPE", str(exc))
    except SoqlError as exc:
        return _errors(400, "MALFORMED_QUERY", str(exc))
    except KeyError as exc:
        return _errors(400, "INVALID_FIELD", f"No such column '{exc.args[0]}' on entity")
    job_id = f"750SB{secrets.token_hex(6)}"
    with state.lock:
        failed = state.faults.bulk_query_fails
        state.jobs[job_id] = {
            "rows": rows,
            "fields": fields,
            "state": "Failed" if failed else "JobComplete",
            "errorMessage": "InternalServerError: retried more than 15 times" if failed else None,
        }
    return JSONResponse(
        {
            "id": job_id,
            "operation": body.get("operation"),
            "object": parse(body["query"]).sobject,
            "state": "UploadComplete",
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(API_VERSION),
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        },
        headers=_headers(state),
    )


def job_for(request: Request) -> tuple[SandboxState, dict[str, Any] | None, Response | None]:
    """(state, job, None) for an authorized request naming a known job, else (state, None, the error answer)."""
    state: SandboxState = request.app.state.sandbox
    if (denied := _gate(state, request)) is not None:
        return state, None, denied
    job = state.jobs.get(request.path_params["job_id"])
    if job is None:
        return state, None, _errors(404, "NOT_FOUND", "The requested resource does not exist")
    return state, job, None


def query_job(request: Request) -> Response:
    state, job, problem = job_for(request)
    if problem is not None:
        return problem
    assert job is not None  # job_for gives a job whenever it gives no problem
    return JSONResponse(
        {
            "id": request.path_params["job_id"],
            "state": job["state"],
            "numberRecordsProcessed": len(job["rows"]),
            "errorMessage": job.get("errorMessage"),
        },
        headers=_headers(state),
    )


def query_results(request: Request) -> Response:
    state, job, problem = job_for(request)
    if problem is not None:
        return problem
    assert job is not None  # job_for gives a job whenever it gives no problem
    start = int(request.query_params.get("locator") or 0)
    size = int(request.query_params.get("maxRecords") or 50000)
    rows = job["rows"][start : start + size]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(job["fields"])
    for row in rows:
        writer.writerow([sf_csv_value(row.get(f)) for f in job["fields"]])
    nxt = start + size
    headers = {
        **_headers(state),
        "Sforce-Locator": str(nxt) if nxt < len(job["rows"]) else "null",
        "Sforce-NumberOfRecords": str(len(rows)),
    }
    return Response(out.getvalue(), media_type="text/csv", headers=headers)


_V = "/services/data/v{version}"
ROUTES = [
    Route("/services/oauth2/token", token, methods=["POST"]),
    Route("/services/Soap/u/{version}", soap_login, methods=["POST"]),
    Route(_V + "/sobjects/{sobject}/describe", describe, methods=["GET"]),
    Route(_V + "/query", query, methods=["GET"]),
    Route(_V + "/query/", query, methods=["GET"]),
    Route(_V + "/queryAll", query, methods=["GET"]),
    Route(_V + "/queryAll/", query, methods=["GET"]),
    Route(_V + "/query/{locator}", query_more, methods=["GET"]),
    Route(_V + "/jobs/query", create_query_job, methods=["POST"]),
    Route(_V + "/jobs/query/{job_id}", query_job, methods=["GET"]),
    Route(_V + "/jobs/query/{job_id}/results", query_results, methods=["GET"]),
]
