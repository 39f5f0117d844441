"""Salesforce writes in the sandbox through unmodified simple-salesforce: collections, upsert, Bulk 2.0 ingest."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceMoreThanOneRecord

from wcsf_recon.clients.salesforce import SalesforceCredentials, connect
from wcsf_recon.sandbox import Faults, Sandbox
from wcsf_recon.synth import generate_world

FIELD = "WhatConverts_Lead_ID__c"


@pytest.fixture(scope="module")
def snapshot():
    return generate_world(120, seed=21).snapshot


def _sf(box: Sandbox):
    c = box.credentials
    return connect(
        SalesforceCredentials(
            login_url=box.url,
            username=c.sf_username,
            password=c.sf_password,
            security_token=c.sf_security_token,
            verify=str(box.ca_file),
        )
    )


def test_collections_create_with_per_record_errors(snapshot) -> None:
    with Sandbox(snapshot) as box:
        sf = _sf(box)
        records = [
            {"attributes": {"type": "Lead"}, "LastName": "Poe", "Company": "Acme", FIELD: "9001"},
            {"attributes": {"type": "Lead"}, "LastName": "NoCompany"},
            {"attributes": {"type": "Lead"}, "LastName": "Again", "Company": "Acme", FIELD: "9001"},
        ]
        result = sf.restful("composite/sobjects", method="POST", json={"allOrNone": False, "records": records})
        assert result[0]["success"] and result[0]["id"].startswith("00Q")
        codes = [r["errors"][0]["statusCode"] for r in result[1:]]
        assert codes == ["REQUIRED_FIELD_MISSING", "DUPLICATE_VALUE"]
        assert "Required fields are missing: [Company]" in result[1]["errors"][0]["message"]


def test_collections_refuse_a_whole_request_they_cannot_read(snapshot) -> None:
    """An unknown field or a value of the wrong type in one record: HTTP 400 for all, nothing written."""
    with Sandbox(snapshot, extra_fields={"Lead": ["Employees__c:double"]}) as box:
        sf = _sf(box)
        good = {"attributes": {"type": "Lead"}, "LastName": "Poe", "Company": "Acme", "Employees__c": "12"}
        before = len(box.state.sf["Lead"])
        for bad, code in [({"Colour__c": "red"}, "INVALID_FIELD"), ({"Employees__c": "a dozen"}, "JSON_PARSER_ERROR")]:
            body = {"allOrNone": False, "records": [good, {**good, **bad}]}
            with pytest.raises(SalesforceMalformedRequest) as refused:
                sf.restful("composite/sobjects", method="POST", json=body)
            assert refused.value.content[0]["errorCode"] == code
        assert len(box.state.sf["Lead"]) == before


def test_upsert_by_external_id_never_creates_twice(snapshot) -> None:
    with Sandbox(snapshot) as box:
        sf = _sf(box)
        batch = {
            "allOrNone": False,
            "records": [{"attributes": {"type": "Lead"}, "LastName": "Lee", "Company": "Acme", FIELD: "777"}],
        }
        first = sf.restful(f"composite/sobjects/Lead/{FIELD}", method="PATCH", json=batch)
        again = sf.restful(f"composite/sobjects/Lead/{FIELD}", method="PATCH", json=batch)
        assert first[0]["created"] is True and again[0]["created"] is False and first[0]["id"] == again[0]["id"]
        assert sum(1 for r in box.state.sf["Lead"].values() if r.get(FIELD) == "777") == 1
        assert sf.Lead.upsert(f"{FIELD}/777", {"LastName": "Lee-Smith"}) in (200, 204)
        box.state.sf["Lead"]["00QX"] = {**next(iter(box.state.sf["Lead"].values())), "Id": "00QX", FIELD: "777"}
        with pytest.raises(SalesforceMoreThanOneRecord):
            sf.Lead.upsert(f"{FIELD}/777", {"LastName": "x"})


def test_bulk_ingest_upsert_lifecycle(snapshot, tmp_path) -> None:
    with Sandbox(snapshot) as box:
        sf = _sf(box)
        data = tmp_path / "leads.csv"
        data.write_text(f"LastName,Company,{FIELD}\nAnn,Acme,5001\nBen,,5002\nCara,Acme,5003\n")
        results = sf.bulk2.Lead.upsert(str(data), external_id_field=FIELD, wait=0.05)
        assert results[0]["numberRecordsProcessed"] == 3 and results[0]["numberRecordsFailed"] == 1
        failed = sf.bulk2.Lead.get_failed_records(results[0]["job_id"])
        assert "REQUIRED_FIELD_MISSING" in failed and "5002" in failed
        ok = sf.bulk2.Lead.get_successful_records(results[0]["job_id"])
        assert ok.splitlines()[0].startswith("sf__Id,sf__Created") and "5001" in ok and "5003" in ok


def test_unable_to_lock_row_fault(snapshot) -> None:
    with Sandbox(snapshot, faults=Faults(lock_rate=1.0)) as box:
        sf = _sf(box)
        result = sf.restful(
            "composite/sobjects",
            method="POST",
            json={
                "allOrNone": False,
                "records": [{"attributes": {"type": "Lead"}, "LastName": "Poe", "Company": "Acme"}],
            },
        )
        assert result[0]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"
