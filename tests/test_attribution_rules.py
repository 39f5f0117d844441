"""Opportunity attribution: evidence order, first/last touch, filters; WhatConverts values."""

from __future__ import annotations

import pandas as pd
import pytest

from wcsf_recon import Config, OpportunityFilter, reconcile

from .builders import lead, make_snapshot

CONTACT = {"Id": "003P", "FirstName": "Pat", "LastName": "Lee", "Email": "pat@example.com", "AccountId": "001P"}


def _snapshot(opps: list[dict], **extra) -> object:
    leads = [
        lead(101, "2025-01-01T00:00:00Z", contact_name="Pat Lee", email_address="pat@example.com"),
        lead(102, "2025-02-01T00:00:00Z", lead_type="Chat", email_address="pat@example.com"),
        lead(103, "2025-03-01T00:00:00Z", lead_type="Chat", email_address="pat@example.com"),
        lead(104, "2025-02-10T00:00:00Z", contact_name="Pat Lee", email_address="pat@example.com", spam="true"),
    ]
    return make_snapshot(wc_leads=leads, sf_contacts=[CONTACT], sf_opportunities=opps, **extra)


def _opp(opp_id: str, created: str, amount: float, won: bool = False, **fields) -> dict:
    return {
        "Id": opp_id,
        "AccountId": "001P",
        "ContactId": "003P",
        "CreatedDate": created,
        "Amount": amount,
        "IsWon": str(won).lower(),
        "IsClosed": str(won).lower(),
        "StageName": "Closed Won" if won else "Prospecting",
        **fields,
    }


def _credits(recon) -> dict[str, str]:
    opp = recon.links[recon.links["sf_object"] == "Opportunity"]
    return dict(zip(opp["sf_id"], opp["wc_lead_id"], strict=True))


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("first", {"006A": "101", "006B": "101", "006C": "101"}), ("last", {"006A": "102", "006B": "101", "006C": "103"})],
)
def test_first_and_last_touch(policy: str, expected: dict[str, str]) -> None:
    # A: created between leads 102 and 103; B: before any lead; C: after all leads.
    snap = _snapshot(
        [
            _opp("006A", "2025-02-15T00:00:00Z", 100),
            _opp("006B", "2024-12-01T00:00:00Z", 200),
            _opp("006C", "2025-06-01T00:00:00Z", 300),
        ]
    )
    assert _credits(reconcile(snap, Config(attribution=policy))) == expected


def test_stored_id_on_opportunity_wins_over_policy_and_spam_never_earns() -> None:
    snap = _snapshot(
        [
            _opp("006A", "2025-02-15T00:00:00Z", 100, WhatConverts_Lead_ID__c="103.0"),
            _opp("006S", "2025-02-15T00:00:00Z", 100, WhatConverts_Lead_ID__c="104"),
        ]
    )
    credits = _credits(reconcile(snap))
    assert credits["006A"] == "103"
    assert credits["006S"] == "101"  # the stored id names a spam lead: fall back to the person, first touch


def test_values_are_sums_per_lead_and_only_changes_are_planned() -> None:
    opps = [
        _opp("006A", "2025-02-15T00:00:00Z", 100.10, won=True),
        _opp("006B", "2025-02-16T00:00:00Z", 50.25),
        _opp("006C", "2025-02-17T00:00:00Z", 20.0, won=True),
    ]
    updates = reconcile(_snapshot(opps)).plan.whatconverts_lead_updates
    row = updates.set_index("wc_lead_id").loc["101"]
    assert (row["quotable"], row["quote_value"], row["sales_value"]) == ("yes", 170.35, 120.10)
    assert row["opportunity_ids"] == "006A;006B;006C" and row["won_opportunity_ids"] == "006A;006C"
    synced = _snapshot(opps)
    wc = synced.wc_leads
    hit = wc["lead_id"] == "101"
    wc.loc[hit, ["quotable", "quote_value", "sales_value"]] = ["Yes", 170.35, 120.1]
    assert reconcile(synced).plan.whatconverts_lead_updates.empty


def test_opportunity_filter_lists_what_it_excludes() -> None:
    opps = [
        _opp("006W", "2025-02-15T00:00:00Z", 100, won=True),
        _opp("006O", "2025-02-16T00:00:00Z", 50),
        _opp("006Z", "2025-02-17T00:00:00Z", 0, won=True),
    ]
    config = Config(opportunity_filter=OpportunityFilter(won_only=True, min_amount=0))
    recon = reconcile(_snapshot(opps), config)
    assert set(_credits(recon)) == {"006W"}
    filtered = recon.reports["filtered_opportunities"].set_index("Id")["filtered_because"]
    assert filtered.to_dict() == {"006O": "not won", "006Z": "amount not above 0"}
    assert recon.plan.whatconverts_lead_updates["quote_value"].tolist() == [100.0]


def test_account_with_single_contact_and_contact_roles() -> None:
    opps = [
        {
            "Id": "006R",
            "AccountId": "001X",
            "CreatedDate": "2025-02-15T00:00:00Z",
            "Amount": "10",
            "StageName": "Prospecting",
            "IsWon": "false",
            "IsClosed": "false",
        },
        {
            "Id": "006S",
            "AccountId": "001P",
            "CreatedDate": "2025-02-15T00:00:00Z",
            "Amount": "10",
            "StageName": "Prospecting",
            "IsWon": "false",
            "IsClosed": "false",
        },
    ]
    roles = [{"Id": "00K1", "OpportunityId": "006R", "ContactId": "003P", "IsPrimary": "true"}]
    credits = _credits(reconcile(_snapshot(opps, sf_contact_roles=roles)))
    assert credits == {"006R": "101", "006S": "101"}
    rules = reconcile(_snapshot(opps, sf_contact_roles=roles)).links.set_index("sf_id")["rule"]
    assert (rules["006R"], rules["006S"]) == ("contact_role_primary", "account_single_contact")


def test_unattributed_revenue_is_reported() -> None:
    opps = [
        {
            "Id": "006U",
            "AccountId": "001U",
            "CreatedDate": "2025-02-15T00:00:00Z",
            "Amount": "999",
            "StageName": "Closed Won",
            "IsWon": "true",
            "IsClosed": "true",
        }
    ]
    report = reconcile(_snapshot(opps)).reports["unmatched_salesforce_opportunities"]
    assert report["Id"].tolist() == ["006U"] and report["Amount"].tolist() == [999.0]


def test_config_from_toml_validates(tmp_path) -> None:
    from wcsf_recon import ConfigError

    good = tmp_path / "good.toml"
    good.write_text(
        '[reconcile]\nattribution = "last"\n[reconcile.opportunity_filter]\nstages = ["Closed Won"]\n'
        "close_date_after = 2025-01-01\n"
    )
    config = Config.from_toml(good)
    assert config.attribution == "last" and config.opportunity_filter.stages == ("Closed Won",)
    for text, message in [
        ('[reconcile]\nattribution = "middle"\n', "attribution must be 'first' or 'last'"),
        ('[reconcile]\ncolour = "red"\n', "unknown key(s) colour"),
        ("[reconcile]\nreview_threshold = 0.9\nauto_link_threshold = 0.8\n", "review_threshold must not exceed"),
        ('[reconcile.opportunity_filter]\nwon_only = "yes"\n', "opportunity_filter.won_only must be true or false"),
        ("[reconcile]\nhold_anonymous_repeat_callers = 1\n", "hold_anonymous_repeat_callers must be true or false"),
    ]:
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
            Config.from_toml(bad)


def test_money_columns_stay_numeric(tmp_path) -> None:
    recon = reconcile(_snapshot([_opp("006A", "2025-02-15T00:00:00Z", 100, won=True)]))
    assert pd.api.types.is_float_dtype(recon.plan.whatconverts_lead_updates["quote_value"])
