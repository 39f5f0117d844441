"""Recorded Salesforce answers (tests/fixtures/salesforce/, sources in SOURCES.md) parsed by the push and the reader,
and the sandbox answering the same way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceRefusedRequest

from wcsf_recon.clients.budget import QuotaExhausted
from wcsf_recon.clients.salesforce import SalesforceReader
from wcsf_recon.push.journal import Journal, Op
from wcsf_recon.push.salesforce_ops import WriteRules, _bulk_upsert, _Call, _send_batch
from wcsf_recon.sandbox import OrgSetup, Sandbox

FIXTURES = Path(__file__).parent / "fixtures" / "salesforce"
FIELD = "WhatConverts_Lead_ID__c"


def _json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class _Org:
    """A reader whose every call is answered by `answer(sf)`: only the parsing is under test."""

    def __init__(self, sf: Any) -> None:
        self.sf = sf
        self.calls: list[str] = []

    def call(self, action: Any, what: str, idempotent: bool = True) -> Any:
        self.calls.append(what)
        return action(self.sf)

    def field(self, sobject: str, name: str) -> dict[str, Any] | None:
        known = {FIELD: "string", "LastName": "string", "Company": "string", "Email": "email", "Id": "id"}
        return {"name": name, "type": known[name], "length": 255} if name in known else None


class _Rest:
    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def restful(self, *args: Any, **kwargs: Any) -> Any:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _journal(tmp_path: Path, keys: list[str]) -> tuple[Journal, list[Op]]:
    journal = Journal(tmp_path / "journal.sqlite")
    ops = [
        Op(f"create:{k}", "salesforce", "create", k, {"sobject": "Lead", FIELD: k, "LastName": "X"}, "planned")
        for k in keys
    ]
    journal.add(ops)
    return journal, journal.ops("salesforce", "create", ("planned",))


def _states(journal: Journal) -> dict[str, tuple[str, str | None, str | None]]:
    return {o.record_key: (o.state, o.result_id, o.error_code) for o in journal.all_ops()}


CALL = _Call(f"composite/sobjects/Lead/{FIELD}", "PATCH", {})


def test_collections_answer_is_read_in_input_order(tmp_path: Path) -> None:
    journal, ops = _journal(tmp_path, ["1", "2", "3"])
    _send_batch(_Org(_Rest(_json("collections_create.json"))), journal, ops, CALL)  # type: ignore[arg-type]
    assert _states(journal) == {
        "1": ("confirmed", "00Q5e00000AbCdGEAV", None),
        "2": ("failed", None, "DUPLICATES_DETECTED"),  # final: never retried
        "3": ("failed", None, "REQUIRED_FIELD_MISSING"),
    }
    journal.close()


def test_a_locked_row_goes_back_to_planned(tmp_path: Path) -> None:
    journal, ops = _journal(tmp_path, ["1"])
    _send_batch(_Org(_Rest(_json("collections_lock.json"))), journal, ops, CALL)  # type: ignore[arg-type]
    assert _states(journal) == {"1": ("planned", None, "UNABLE_TO_LOCK_ROW")}
    journal.close()


def test_an_error_body_refusing_one_record_is_recorded(tmp_path: Path) -> None:
    journal, ops = _journal(tmp_path, ["1"])
    refused = SalesforceMalformedRequest("https://x/", 400, "composite", _json("error_invalid_field.json"))
    _send_batch(_Org(_Rest(refused)), journal, ops, CALL)  # type: ignore[arg-type]
    (op,) = journal.all_ops()
    assert (op.state, op.error_code) == ("failed", "INVALID_FIELD") and "No such column 'Foo'" in str(op.error_message)
    journal.close()


class _Bulk:
    """sf.bulk2.Lead answering with the recorded job info and result CSVs, split over two jobs."""

    def __init__(self) -> None:
        info = _json("bulk2_ingest_job_complete.json")
        self.jobs = {info["id"]: "ok", "7503h00000CV7GqAAL": "failed"}
        self._client = None

    def upsert(self, **kwargs: Any) -> list[dict[str, Any]]:
        return [{"job_id": job, "numberRecordsProcessed": 4, "numberRecordsFailed": 0} for job in self.jobs]

    def get_successful_records(self, job: str) -> str:
        text = (FIXTURES / "bulk2_successful_results.csv").read_text()
        return text if self.jobs[job] == "ok" else text.splitlines()[0] + "\n"

    def get_failed_records(self, job: str) -> str:
        text = (FIXTURES / "bulk2_failed_results.csv").read_text()
        return text if self.jobs[job] == "failed" else text.splitlines()[0] + "\n"


def test_bulk_results_of_every_job_are_read(tmp_path: Path) -> None:
    class Sf:
        class bulk2:
            Lead = _Bulk()

    journal, ops = _journal(tmp_path, ["98765434", "98765435", "98765436", "98765437"])
    _bulk_upsert(_Org(Sf()), journal, ops, FIELD, WriteRules(assignment="none"))  # type: ignore[arg-type]
    assert _states(journal) == {
        "98765434": ("confirmed", "00Q5e00000AbCdHEAV", None),  # from the first job
        "98765435": ("failed", None, "REQUIRED_FIELD_MISSING"),  # from the second
        "98765436": ("failed", None, "INVALID_CROSS_REFERENCE_KEY"),
        "98765437": ("planned", None, "UNABLE_TO_LOCK_ROW"),  # transient: goes round again
    }
    journal.close()


def test_the_daily_cap_body_stops_at_once() -> None:
    reader = SalesforceReader.__new__(SalesforceReader)
    reader.max_retries, reader.backoff_s, reader.sf = 3, 0.0, None
    attempts = []

    def capped(sf: Any) -> None:
        attempts.append(1)
        raise SalesforceRefusedRequest("https://x/", 403, "query", _json("error_request_limit.json"))

    with pytest.raises(QuotaExhausted, match="daily API allowance"):
        reader.call(capped, "query Lead")
    assert len(attempts) == 1


def test_the_sandbox_answers_as_the_recordings(sample_snapshot) -> None:
    recorded = _json("error_filter_type.json")[0]
    with Sandbox(sample_snapshot, org=OrgSetup(id_field_type="double")) as box:
        reader = SalesforceReader(box.salesforce_credentials())
        soql = f"SELECT Id, {FIELD} FROM Lead WHERE {FIELD} IN ('178800123')"
        with pytest.raises(SalesforceMalformedRequest) as info:
            reader.call(lambda sf: list(sf.query_all_iter(soql)), "quoted number")
        (error,) = info.value.content
        assert error["errorCode"] == recorded["errorCode"]
        assert error["message"] == recorded["message"].rsplit("\n", 1)[1]  # the sandbox skips the caret lines
        token_url = f"{box.url}/services/oauth2/token"
        c = box.credentials
        good = httpx.post(
            token_url,
            data={"grant_type": "client_credentials", "client_id": c.sf_client_id, "client_secret": c.sf_client_secret},
            verify=str(box.ca_file),
        ).json()
        assert set(_json("oauth_token.json")) <= set(good)
        bad = httpx.post(
            token_url,
            data={"grant_type": "client_credentials", "client_id": c.sf_client_id, "client_secret": "wrong"},
            verify=str(box.ca_file),
        )
        assert bad.status_code == 400 and bad.json() == _json("oauth_error.json")
