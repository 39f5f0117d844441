"""Extraction against the loopback sandbox: the real httpx and simple-salesforce clients over HTTPS."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from wcsf_recon import Config, ConfigError
from wcsf_recon.clients.budget import QuotaExhausted
from wcsf_recon.clients.salesforce import SalesforceAuthError, SalesforceCredentials, SalesforceReader
from wcsf_recon.clients.whatconverts import (
    WhatConvertsAuthError,
    WhatConvertsClient,
    WhatConvertsError,
    WrongBaseUrl,
    windows,
)
from wcsf_recon.extract import ExtractSettings, extract
from wcsf_recon.sandbox import Faults, Sandbox
from wcsf_recon.synth import generate_world

SINCE = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def world():
    return generate_world(500, seed=77)


def _clients(box: Sandbox, state: Path, limit: int = 1000, **sf) -> tuple[WhatConvertsClient, SalesforceReader]:
    wc = box.whatconverts_client(limit, state / "budget.json", backoff_s=0.01)
    creds = box.salesforce_credentials()
    return wc, SalesforceReader(creds, backoff_s=0.01, **sf)


def _assert_same(served, got) -> None:
    for name, frame in served.tables().items():
        key = "lead_id" if name == "wc_leads" else "Id"
        mine = got.tables()[name]
        columns = [c for c in frame.columns if c in mine.columns]
        left = frame[columns].sort_values(key).reset_index(drop=True)
        right = mine[columns].sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(left, right, check_dtype=False, obj=name)


def test_extract_equals_what_the_sandbox_serves(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot) as box:
        wc, reader = _clients(box, tmp_path, bulk_threshold=150)  # Lead, Contact ... via Bulk 2.0
        settings = ExtractSettings(state_dir=tmp_path, history_start=SINCE)
        snapshot, stats = extract(wc, reader, Config(), settings)
        _assert_same(world.snapshot, snapshot)
        assert stats.sf_methods["Lead"] == "bulk2" and stats.sf_methods["OpportunityContactRole"] == "rest"
        assert box.state.counters["salesforce POST /services/data/v59.0/jobs/query"] >= 1
        first_wc = stats.wc_requests
        again, stats2 = extract(wc, reader, Config(), settings)  # nothing changed: only the overlap
        _assert_same(world.snapshot, again)
        assert first_wc == len(windows(SINCE, datetime.now(UTC)))  # one page per 400-day window here
        assert stats2.wc_requests == 1
        assert sum(stats2.sf_rows_fetched.values()) < 20


def test_faults_do_not_change_the_result(world, tmp_path: Path) -> None:
    faults = Faults(error_rate=0.1, error_statuses=(429, 503), session_expires_after=6, seed=3)
    with Sandbox(world.snapshot, faults=faults) as box:
        wc, reader = _clients(box, tmp_path, bulk_threshold=150)
        snapshot, stats = extract(wc, reader, Config(), ExtractSettings(state_dir=tmp_path, history_start=SINCE))
        _assert_same(world.snapshot, snapshot)
        statuses = [status for *_, status in box.state.log]
        assert statuses.count(429) + statuses.count(503) + statuses.count(403) > 0
        assert stats.sf_logins >= 2  # the session expired and was renewed


def test_daily_cap_stops_cleanly_and_resumes_next_day(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot) as box:
        wc, reader = _clients(box, tmp_path, limit=1)
        settings = ExtractSettings(state_dir=tmp_path, history_start=SINCE)
        with pytest.raises(QuotaExhausted, match=r"daily request budget for key 51497-…\w{4}.*resets at 00:00 UTC"):
            extract(wc, reader, Config(), settings)
        assert box.state.count("whatconverts") == 1
        # the next UTC day: a fresh allowance; the finished window is not fetched again
        (tmp_path / "budget.json").unlink()
        wc2, reader2 = _clients(box, tmp_path, limit=1000)
        snapshot, stats = extract(wc2, reader2, Config(), settings)
        _assert_same(world.snapshot, snapshot)
        n_windows = len(windows(SINCE, datetime.now(UTC)))
        assert stats.wc_requests == n_windows - 1 and box.state.count("whatconverts") == n_windows


def test_server_side_daily_cap_is_reported(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot, faults=Faults(wc_daily_cap=0)) as box:
        wc, reader = _clients(box, tmp_path)
        with pytest.raises(QuotaExhausted, match="API request limit exceeded for today"):
            extract(wc, reader, Config(), ExtractSettings(state_dir=tmp_path, history_start=SINCE))


def test_error_messages(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot) as box:
        c = box.credentials
        bad = WhatConvertsClient(c.wc_token, "wrong-secret-123", box.whatconverts_url, verify=str(box.ca_file))
        with pytest.raises(WhatConvertsAuthError) as info:
            bad.get_lead(1)
        assert f"authentication failed for API key 51497-…{c.wc_token[-4:]}" in str(info.value)
        assert "wrong-secret-123" not in str(info.value) and c.wc_token not in str(info.value)
        typo = WhatConvertsClient(c.wc_token, c.wc_secret, box.url + "/api/v2", verify=str(box.ca_file))
        with pytest.raises(WrongBaseUrl, match=r"HTML page .* check the base URL"):
            typo.get_lead(1)
        creds = SalesforceCredentials(
            login_url=box.url, client_id=c.sf_client_id, client_secret="nope", verify=str(box.ca_file)
        )
        with pytest.raises(SalesforceAuthError, match="authentication failure"):
            SalesforceReader(creds)
        wc, reader = _clients(box, tmp_path)
        with pytest.raises(ConfigError, match="WC_Lead_Id__c does not exist on Lead"):
            extract(
                wc,
                reader,
                Config(wc_id_field="WC_Lead_Id__c"),
                ExtractSettings(state_dir=tmp_path, history_start=SINCE),
            )


def test_master_key_iterates_accounts_and_profiles(world, tmp_path: Path) -> None:
    from wcsf_recon.sandbox import Credentials

    with Sandbox(world.snapshot, credentials=Credentials(wc_master=True)) as box:
        wc, reader = _clients(box, tmp_path)
        snapshot, _stats = extract(
            wc, reader, Config(), ExtractSettings(state_dir=tmp_path, history_start=SINCE), master_key=True
        )
        _assert_same(world.snapshot, snapshot)
        assert box.state.counters["whatconverts GET /api/v1/accounts"] == 1
        assert box.state.counters["whatconverts GET /api/v1/accounts/{id}/profiles"] == 1
        assert (tmp_path / "whatconverts" / "profile-51497" / "progress.json").exists()


def test_profile_key_cannot_list_accounts(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot) as box:
        wc, _ = _clients(box, tmp_path)
        with pytest.raises(WhatConvertsAuthError, match="Agency Key is required"):
            wc.profiles()


def test_live_path_on_the_session_sandbox(sample_sandbox, sample_snapshot, tmp_path: Path) -> None:
    """SOAP login, configured custom fields read, and a wrong password refused with its message."""
    c = sample_sandbox.credentials
    creds = SalesforceCredentials(
        login_url=sample_sandbox.url,
        username=c.sf_username,
        password=c.sf_password,
        security_token=c.sf_security_token,
        verify=str(sample_sandbox.ca_file),
    )
    wc = sample_sandbox.whatconverts_client(1000, tmp_path / "b.json")
    snapshot, _stats = extract(
        wc, SalesforceReader(creds), Config(), ExtractSettings(state_dir=tmp_path, history_start=SINCE)
    )
    _assert_same(sample_snapshot, snapshot)
    assert "UTM_Source__c" in snapshot.sf_leads.columns  # a configured lead field, present in the org
    wrong = SalesforceCredentials(
        login_url=sample_sandbox.url,
        username=c.sf_username,
        password="nope",
        security_token="x",
        verify=str(sample_sandbox.ca_file),
    )
    with pytest.raises(SalesforceAuthError, match=f"authentication failed for {c.sf_username} .*INVALID_LOGIN"):
        SalesforceReader(wrong)
    assert "nope" not in str(wrong)


def test_timeouts_are_retried(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot, faults=Faults(latency_s=0.3)) as box:
        c = box.credentials
        slow = WhatConvertsClient(
            c.wc_token,
            c.wc_secret,
            box.whatconverts_url,
            verify=str(box.ca_file),
            timeout_s=0.1,
            max_retries=2,
            backoff_s=0.01,
        )
        with pytest.raises(WhatConvertsError, match="did not answer GET /leads/1: ReadTimeout"):
            slow.get_lead(1)
        assert slow.requests_sent == 3


def test_failed_bulk_job_falls_back_to_rest(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot, faults=Faults(bulk_query_fails=True)) as box:
        wc, reader = _clients(box, tmp_path, bulk_threshold=150)
        snapshot, stats = extract(wc, reader, Config(), ExtractSettings(state_dir=tmp_path, history_start=SINCE))
        _assert_same(world.snapshot, snapshot)
        assert stats.sf_methods["Lead"] == "rest"
        assert box.state.counters["salesforce POST /services/data/v59.0/jobs/query"] >= 1


def test_connection_drops_do_not_change_the_extract(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot, faults=Faults(reset_rate=0.15, seed=4)) as box:
        wc, reader = _clients(box, tmp_path, bulk_threshold=150)
        snapshot, _ = extract(wc, reader, Config(), ExtractSettings(state_dir=tmp_path, history_start=SINCE))
        _assert_same(world.snapshot, snapshot)
        assert [status for *_, status in box.state.log].count(0) > 0


def test_session_expiring_mid_bulk_job_is_renewed(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot) as box:  # learn where the first Bulk query job is polled
        wc, reader = _clients(box, tmp_path / "a", bulk_threshold=150)
        extract(wc, reader, Config(), ExtractSettings(state_dir=tmp_path / "a", history_start=SINCE))
        sf_calls = [path for service, _, path, _ in box.state.log if service == "salesforce" and "oauth2" not in path]
    created = sf_calls.index("/services/data/v59.0/jobs/query")
    assert sf_calls[created + 1].startswith("/services/data/v59.0/jobs/query/")
    with Sandbox(world.snapshot, faults=Faults(session_expires_after=created + 1)) as box:
        wc, reader = _clients(box, tmp_path / "b", bulk_threshold=150)
        snapshot, stats = extract(wc, reader, Config(), ExtractSettings(state_dir=tmp_path / "b", history_start=SINCE))
        _assert_same(world.snapshot, snapshot)
        first_401 = next(i for i, (*_, status) in enumerate(box.state.log) if status == 401)
        assert box.state.log[first_401][2].startswith("/services/data/v59.0/jobs/query/")  # polling the job
        assert stats.sf_logins == 2 and stats.sf_methods["Lead"] == "bulk2"
