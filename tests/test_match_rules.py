"""Matching rules on hand-built cases: every link explained, hard cases not guessed."""

from __future__ import annotations

from wcsf_recon import Config, reconcile

from .builders import lead, make_snapshot, person_links


def test_stored_id_rendered_as_float_links_and_explains() -> None:
    snap = make_snapshot(
        wc_leads=[lead(178849242, "2025-05-28T19:19:51Z", contact_name="Dana Whitfield", phone_number="+17045550142")],
        sf_leads=[
            {
                "Id": "00QA",
                "FirstName": "Dana",
                "LastName": "Whitfield",
                "Phone": "(704) 555-0142",
                "WhatConverts_Lead_ID__c": "178849242.0",
            }
        ],
    )
    links = person_links(reconcile(snap))
    row = links.loc["178849242"]
    assert (row["sf_object"], row["sf_id"], row["rule"], row["score"]) == ("Lead", "00QA", "stored_id", 1.0)
    assert "stored id 178849242 on Lead 00QA" in row["explanation"] and "names agree" in row["explanation"]


def test_repeat_leads_cluster_and_converted_lead_resolves_to_contact() -> None:
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-01-01T10:00:00Z",
                lead_type="Phone Call",
                phone_number="+17045550142",
                caller_name="WHITFIELD DANA",
            ),
            lead(
                2,
                "2025-01-03T10:00:00Z",
                contact_name="dana whitfield",
                phone_number="+17045550142",
                email_address=" Dana.W@Gmail.com ",
            ),
            lead(3, "2025-01-05T10:00:00Z", lead_type="Chat", email_address="dana.w@gmail.com"),
        ],
        sf_leads=[
            {
                "Id": "00QA",
                "FirstName": "Dana",
                "LastName": "Whitfield",
                "Email": "dana.w@gmail.com",
                "IsConverted": "true",
                "ConvertedContactId": "003C",
                "ConvertedAccountId": "001A",
                "ConvertedOpportunityId": "006O",
            }
        ],
        sf_contacts=[{"Id": "003C", "FirstName": "Dana", "LastName": "Whitfield", "AccountId": "001A"}],
        sf_opportunities=[
            {
                "Id": "006O",
                "AccountId": "001A",
                "Amount": "1250",
                "StageName": "Closed Won",
                "IsWon": "true",
                "IsClosed": "true",
                "CreatedDate": "2025-01-10T00:00:00Z",
            }
        ],
    )
    recon = reconcile(snap)
    links = person_links(recon)
    assert set(links.index) == {"1", "2", "3"}
    assert set(links["sf_id"]) == {"003C"} and set(links["sf_object"]) == {"Contact"}
    assert "converted to Contact 003C" in links.loc["3", "explanation"]
    opp = recon.links[recon.links["sf_object"] == "Opportunity"]
    assert opp[["wc_lead_id", "sf_id", "rule"]].values.tolist() == [["1", "006O", "converted_lead"]]
    updates = recon.plan.whatconverts_lead_updates
    assert updates[["wc_lead_id", "quotable", "quote_value", "sales_value"]].values.tolist() == [
        ["1", "yes", 1250.0, 1250.0]
    ]
    assert recon.plan.salesforce_lead_creates.empty
    backfill = recon.plan.salesforce_id_backfill
    assert backfill[["sf_object", "sf_id", "value"]].values.tolist() == [["Contact", "003C", "1"]]


def test_household_landline_does_not_merge_different_first_names() -> None:
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-02-01T10:00:00Z",
                contact_name="Jose Garcia",
                phone_number="+17045550150",
                email_address="jose.garcia@example.com",
            ),
            lead(
                2,
                "2025-02-02T10:00:00Z",
                contact_name="Maria Garcia",
                phone_number="+17045550150",
                email_address="maria.garcia@example.com",
            ),
        ],
        sf_leads=[{"Id": "00QM", "FirstName": "Maria", "LastName": "Garcia", "Phone": "704-555-0150"}],
    )
    recon = reconcile(snap)
    links = person_links(recon)
    assert links.index.tolist() == ["2"] and links.loc["2", "sf_id"] == "00QM"
    creates = recon.plan.salesforce_lead_creates
    assert creates[["wc_lead_id", "FirstName", "LastName"]].values.tolist() == [["1", "Jose", "Garcia"]]


def test_switchboard_call_goes_to_review_not_guessed() -> None:
    contacts = [
        {"Id": f"003{i}", "FirstName": name, "LastName": "Staff", "Phone": "(704) 555-0100", "AccountId": "001S"}
        for i, name in enumerate(["Ann", "Ben", "Cara"])
    ]
    snap = make_snapshot(
        wc_leads=[
            lead(
                9,
                "2025-03-01T10:00:00Z",
                lead_type="Phone Call",
                phone_number="+17045550100",
                caller_name="ACME PLUMBING LLC",
                contact_name="ACME PLUMBING LLC",
            )
        ],
        sf_contacts=contacts,
    )
    recon = reconcile(snap)
    assert person_links(recon).empty
    assert recon.plan.salesforce_lead_creates.empty
    review = recon.reports["review_queue"]
    assert set(review["candidate_id"]) == {"0030", "0031", "0032"}
    assert (review["reason"] == "two or more people of near-equal strength").all()


def test_nickname_and_email_case_agree() -> None:
    snap = make_snapshot(
        wc_leads=[lead(5, "2025-01-01T00:00:00Z", contact_name="bob smith", email_address="RSmith@Example.com ")],
        sf_leads=[{"Id": "00QR", "FirstName": "Robert", "LastName": "Smith", "Email": "rsmith@example.com"}],
    )
    row = person_links(reconcile(snap)).loc["5"]
    assert row["rule"] == "email" and row["score"] >= 0.95 and "names agree" in row["explanation"]


def test_email_match_with_conflicting_names_is_not_taken() -> None:
    snap = make_snapshot(
        wc_leads=[lead(6, "2025-01-01T00:00:00Z", contact_name="Jose Garcia", email_address="garcias@example.com")],
        sf_leads=[{"Id": "00QM", "FirstName": "Maria", "LastName": "Garcia", "Email": "garcias@example.com"}],
    )
    recon = reconcile(snap)
    assert person_links(recon).empty
    assert recon.plan.salesforce_lead_creates["wc_lead_id"].tolist() == ["6"]


def test_salesforce_duplicates_link_to_oldest_and_are_reported() -> None:
    snap = make_snapshot(
        wc_leads=[lead(7, "2025-01-01T00:00:00Z", contact_name="Kim Lee", phone_number="+12125550123")],
        sf_leads=[
            {
                "Id": "00QNEW",
                "FirstName": "Kim",
                "LastName": "Lee",
                "Phone": "212.555.0123",
                "CreatedDate": "2025-03-01T00:00:00Z",
            },
            {
                "Id": "00QOLD",
                "FirstName": "Kim",
                "LastName": "Lee",
                "Phone": "(212) 555-0123",
                "CreatedDate": "2025-01-02T00:00:00Z",
            },
        ],
    )
    recon = reconcile(snap)
    assert person_links(recon).loc["7", "sf_id"] == "00QOLD"
    dups = recon.reports["salesforce_duplicates"]
    assert dups[["sf_id", "duplicate_of"]].values.tolist() == [["00QNEW", "00QOLD"]]


def test_spam_and_whatconverts_duplicates_never_create_or_earn() -> None:
    snap = make_snapshot(
        wc_leads=[
            lead(10, "2025-01-01T00:00:00Z", contact_name="SEO Services", email_address="x@spam.biz", spam="true"),
            lead(11, "2025-01-02T00:00:00Z", contact_name="Ann Poe", email_address="ann@example.com", duplicate="true"),
            lead(12, "2025-01-02T00:05:00Z", contact_name="Ann Poe", email_address="ann@example.com"),
        ],
    )
    creates = reconcile(snap).plan.salesforce_lead_creates
    assert creates["wc_lead_id"].tolist() == ["12"]
    assert creates["source_lead_ids"].tolist() == ["11;12"] or creates["source_lead_ids"].tolist() == ["12;11"]


def test_create_fields_mapping_and_placeholders() -> None:
    snap = make_snapshot(
        wc_leads=[
            lead(
                20,
                "2025-01-01T00:00:00Z",
                lead_type="Phone Call",
                phone_number="+17045550199",
                caller_name="WIRELESS CALLER",
                lead_source="google",
                lead_medium="cpc",
                lead_campaign="Brand",
                lead_keyword="plumber",
                gclid="abc",
                landing_url="https://x/",
            )
        ],
    )
    config = Config(lead_fields={"Source__c": "lead_source", "Keyword__c": "lead_keyword"})
    row = reconcile(snap, config).plan.salesforce_lead_creates.iloc[0]
    assert row["LastName"] == "[not provided]" and row["Company"] == "[not provided]"
    assert row["Phone"] == "+17045550199" and row["LeadSource"] == "WhatConverts"
    assert (row["Source__c"], row["Keyword__c"], row["WhatConverts_Lead_ID__c"]) == ("google", "plumber", "20")


def test_nickname_is_read_as_the_full_name_the_email_carries() -> None:
    """Bill + william.warren@ meets `WARREN WILLIAM` in one ZIP; a bare nickname with another initial is no evidence."""
    snap = make_snapshot(
        wc_leads=[
            lead(
                30,
                "2025-01-01T00:00:00Z",
                contact_name="Bill Warren",
                email_address="william.warren@yahoo.com",
                zip="60601",
            ),
            lead(
                31,
                "2025-01-09T00:00:00Z",
                lead_type="Phone Call",
                phone_number="+13125550101",
                caller_name="WARREN WILLIAM",
                zip="60601",
            ),
            lead(32, "2025-01-02T00:00:00Z", contact_name="Bill Morales", email_address="bm@example.com", zip="92167"),
        ],
        sf_leads=[
            {"Id": "00QW", "FirstName": "William", "LastName": "Morales", "PostalCode": "92167"},
            {"Id": "00QB", "FirstName": "Bob", "LastName": "Stone", "Email": "robert.stone@example.com"},
        ],
    )
    recon = reconcile(snap)
    creates = recon.plan.salesforce_lead_creates
    assert sorted(creates["source_lead_ids"].str.split(";").map(sorted).tolist()) == [["30", "31"], ["32"]]
    assert creates.set_index("wc_lead_id").loc["30", "FirstName"] == "Bill"  # the create keeps what was typed
    assert person_links(recon).empty
    people = recon.match.people.set_index("sf_id")
    assert people.loc["00QB", "n_first"] == "robert" and people.loc["00QW", "n_first"] == "william"


def test_surname_typo_is_read_as_the_email_spells_it() -> None:
    """`stephanie davvis` with sdavis@... meets the caller ID `DAVIS S` on her phone; hyphens are not typos."""
    snap = make_snapshot(
        wc_leads=[
            lead(
                40,
                "2025-01-01T00:00:00Z",
                lead_type="Phone Call",
                phone_number="+14805550140",
                caller_name="DAVIS S",
                zip="85029",
            ),
            lead(
                41, "2025-01-05T00:00:00Z", contact_name="stephanie davvis", email_address="sdavis@aol.com", zip="85029"
            ),
            lead(
                42,
                "2025-01-06T00:00:00Z",
                contact_name="Jordan Van-Der-Berg",
                email_address="jordan.van-der-berg@yahoo.com",
                zip="33661",
            ),
        ],
    )
    recon = reconcile(snap)
    leads = recon.match.leads.set_index("lead_id")
    assert leads.loc["41", "n_last"] == "davis" and leads.loc["42", "n_last"] == "van der berg"
    creates = recon.plan.salesforce_lead_creates
    assert sorted(creates["source_lead_ids"].str.split(";").map(sorted).tolist()) == [["40", "41"], ["42"]]
    assert creates.set_index("wc_lead_id").loc["40", "LastName"] == "Davis"  # as the email spells it (matching's)


def test_colleagues_on_a_switchboard_do_not_hide_the_callers_own_record() -> None:
    """The phone names two other people (conflict), so the caller's name + postal code decides."""
    colleagues = [
        {"Id": f"003{i}", "FirstName": name, "LastName": "Ridge", "Phone": "(206) 555-0100", "AccountId": "001R"}
        for i, name in enumerate(["Ann", "Ben"])
    ]
    me = {"Id": "003C", "FirstName": "Charles", "LastName": "Pierce", "MailingPostalCode": "98137", "AccountId": "001R"}
    snap = make_snapshot(
        wc_leads=[
            lead(50, "2025-01-01T00:00:00Z", contact_name="Charles Pierce", phone_number="+12065550100", zip="98137")
        ],
        sf_contacts=[*colleagues, me],
    )
    row = person_links(reconcile(snap)).loc["50"]
    assert (row["sf_id"], row["rule"]) == ("003C", "fuzzy_name_postal")


def test_nameless_repeat_caller_goes_to_review_unless_configured_otherwise() -> None:
    snap = make_snapshot(
        wc_leads=[
            lead(
                60,
                "2025-01-01T00:00:00Z",
                contact_name="Zoe Boyd",
                email_address="zoe@example.com",
                lead_status="Unique",
            ),
            lead(
                61,
                "2025-02-01T00:00:00Z",
                lead_type="Phone Call",
                phone_number="+12155550161",
                caller_name="WIRELESS CALLER",
                lead_status="Repeat",
            ),
            lead(
                62,
                "2025-02-02T00:00:00Z",
                lead_type="Phone Call",
                phone_number="+12155550162",
                caller_name="WIRELESS CALLER",
                lead_status="Unique",
            ),
        ],
    )
    recon = reconcile(snap)
    assert sorted(recon.plan.salesforce_lead_creates["wc_lead_id"]) == ["60", "62"]
    review = recon.reports["review_queue"]
    held = review[review["rule"] == "anonymous_repeat"]
    assert len(held) == 1 and "repeat contact" in held["reason"].iloc[0]
    unmatched = recon.reports["unmatched_whatconverts_leads"].set_index("lead_id")
    assert "review" in unmatched.loc["61", "status"]
    relaxed = reconcile(snap, Config(hold_anonymous_repeat_callers=False))
    assert sorted(relaxed.plan.salesforce_lead_creates["wc_lead_id"]) == ["60", "61", "62"]
