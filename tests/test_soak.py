"""Soak: 5 consecutive incremental runs while both systems change; after each, the two sides agree.

Between runs the sandbox gets every kind of change at once: new WhatConverts leads, opportunity
stage changes, lead conversions and deletions. After every applied run: a fresh extract plans no
create and no WhatConverts update, and no two live Salesforce leads carry the same WhatConverts id.
Five runs with every kind of change in each (65 new people, 40 closed deals, 25 conversions, 10
deletions) replace eight (and before them twenty) runs with fewer changes each: the same kinds, at
least as many changes, and the same checks after every run, in less time (a run's cost is mostly
fixed: each run matches both sides and renders the whole report, whatever the number of changes).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wcsf_recon import Config, reconcile
from wcsf_recon.clients.salesforce import SalesforceReader
from wcsf_recon.extract import ExtractSettings, extract
from wcsf_recon.runs import EXIT_OK, run_cycle
from wcsf_recon.sandbox import Sandbox
from wcsf_recon.synth import generate_world

from .test_run import _env

FIELD = "WhatConverts_Lead_ID__c"
SINCE = datetime(2024, 1, 1, tzinfo=UTC)
RUNS, NEW_PEOPLE, CLOSED_DEALS, CONVERSIONS, DELETIONS = 5, 13, 8, 5, 2  # changes between two runs


def _change(box: Sandbox, rng: random.Random, step: int) -> None:
    state = box.state
    now = datetime.now(UTC)
    with state.lock:
        base = max(state.wc_leads) + 1
        for i in range(NEW_PEOPLE):  # new people
            lead_id = base + i
            state.wc_leads[lead_id] = {
                "lead_id": lead_id,
                "lead_type": "Web Form",
                "lead_status": "Unique",
                "spam": False,
                "duplicate": False,
                "date_created": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "last_updated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "quotable": "Not Set",
                "quote_value": None,
                "sales_value": None,
                "contact_name": f"Soak Person{step}x{i}",
                "email_address": f"soak{step}x{i}@example.com",
                "phone_number": f"+1704555{step:02d}{i:02d}",
                "country": "US",
                "additional_fields": [],
                "account_id": 27313,
                "profile_id": 51497,
                "lead_source": "google",
                "lead_medium": "cpc",
            }
        stamp = state.now_sf()
        opps = [o for o in state.sf["Opportunity"].values() if not o["IsClosed"] and not o["IsDeleted"]]
        for opp in rng.sample(opps, min(CLOSED_DEALS, len(opps))):  # deals close
            opp.update(StageName="Closed Won", IsWon=True, IsClosed=True, SystemModstamp=stamp)
        leads = [lead for lead in state.sf["Lead"].values() if not lead["IsConverted"] and not lead["IsDeleted"]]
        for lead in rng.sample(leads, min(CONVERSIONS, len(leads))):  # conversions
            contact_id = state.new_id("Contact")
            contact = dict.fromkeys(state.sf_fields["Contact"])
            contact.update(
                Id=contact_id,
                FirstName=lead.get("FirstName"),
                LastName=lead.get("LastName"),
                Email=lead.get("Email"),
                Phone=lead.get("Phone"),
                IsDeleted=False,
                CreatedDate=stamp,
                SystemModstamp=stamp,
            )
            state.sf["Contact"][contact_id] = contact
            lead.update(IsConverted=True, ConvertedContactId=contact_id, SystemModstamp=stamp)
        for _ in range(DELETIONS):  # deletions
            live = [lead for lead in leads if not lead["IsDeleted"]]
            if live:
                victim = rng.choice([lead for lead in live if not lead["IsConverted"]] or live)
                victim.update(IsDeleted=True, SystemModstamp=stamp)


def _check(box: Sandbox, tmp_path: Path, step: int) -> None:
    wc = box.whatconverts_client(10_000, tmp_path / f"check{step}.json")
    sf = SalesforceReader(box.salesforce_credentials())
    snapshot, _ = extract(wc, sf, Config(), ExtractSettings(state_dir=tmp_path / f"fresh{step}", history_start=SINCE))
    counts = reconcile(snapshot).plan.counts()
    assert counts["salesforce_lead_creates"] == 0 and counts["whatconverts_lead_updates"] == 0, (step, counts)
    ids = [lead[FIELD] for lead in box.state.sf["Lead"].values() if lead.get(FIELD) and not lead["IsDeleted"]]
    assert len(ids) == len(set(ids)), f"duplicate leads after run {step}"


def test_incremental_runs_keep_both_sides_in_agreement(tmp_path: Path) -> None:
    rng = random.Random(77)
    world = generate_world(200, seed=1234)
    with Sandbox(world.snapshot) as box:
        env = _env(box, tmp_path / "sandbox.env")
        for step in range(RUNS):
            outcome = run_cycle(Config(), env, tmp_path / "state", tmp_path / "runs", apply=True, since=SINCE)
            assert outcome.exit_code == EXIT_OK, outcome.summary
            _check(box, tmp_path, step)  # an independent full extract after every run
            _change(box, rng, step)
