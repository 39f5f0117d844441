"""Issue 11's create errors found on tuning worlds (round 4), each on hand-built records."""

from __future__ import annotations

from wcsf_recon import reconcile

from .builders import lead, make_snapshot, person_links


def test_hyphenated_surname_from_the_email_meets_the_caller_id_that_spells_it_with_a_space() -> None:
    """`debra` writing from Debrasmith-jones35@ (surname from the email: smithjones) and the call `SMITH JONES D`
    in the same ZIP are one new person: one create, not two."""
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-03-01T10:00:00Z",
                lead_type="Chat",
                contact_name="debra",
                email_address="Debrasmith-jones35@Hotmail.com",
                zip="98113",
            ),
            lead(
                2,
                "2025-03-04T10:00:00Z",
                lead_type="Phone Call",
                caller_name="SMITH JONES D",
                phone_number="+12065550191",
                zip="98113",
            ),
        ],
    )
    creates = reconcile(snap).plan.salesforce_lead_creates
    assert len(creates) == 1
    assert sorted(creates["source_lead_ids"].iloc[0].split(";")) == ["1", "2"]


def test_leads_whose_emails_differ_by_a_domain_typo_are_one_person() -> None:
    """`olivia_diaz98@gmail.con` (a typo of gmail.com) on a form and `olivia_diaz98@gmail.com` on an email lead
    are one new person: one create, not two."""
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-03-01T10:00:00Z",
                contact_name="olivia",
                email_address="olivia_diaz98@gmail.con",
                phone_number="+12145550112",
                zip="75210",
            ),
            lead(
                2,
                "2025-03-09T10:00:00Z",
                lead_type="Email",
                contact_name="Liv Diaz",
                email_address="olivia_diaz98@gmail.com",
                zip="75210",
            ),
        ],
    )
    creates = reconcile(snap).plan.salesforce_lead_creates
    assert len(creates) == 1
    assert sorted(creates["source_lead_ids"].iloc[0].split(";")) == ["1", "2"]


def test_different_real_providers_under_one_local_part_stay_two_people() -> None:
    """`jsmith@gmail.com` and `jsmith@gmx.com` are two real mailboxes (both providers exist): two creates."""
    snap = make_snapshot(
        wc_leads=[
            lead(1, "2025-03-01T10:00:00Z", contact_name="John Smith", email_address="jsmith@gmail.com", zip="75210"),
            lead(2, "2025-03-09T10:00:00Z", contact_name="Jane Smith", email_address="jsmith@gmx.com", zip="10001"),
        ],
    )
    assert len(reconcile(snap).plan.salesforce_lead_creates) == 2


def test_liv_is_short_for_olivia() -> None:
    """`Liv Diaz` on a chat and the call `DIAZ OLIVIA` from the same ZIP are one new person."""
    snap = make_snapshot(
        wc_leads=[
            lead(1, "2025-03-01T10:00:00Z", contact_name="Liv Diaz", email_address="ld@example.net", zip="75210"),
            lead(
                2,
                "2025-03-04T10:00:00Z",
                lead_type="Phone Call",
                caller_name="DIAZ OLIVIA",
                phone_number="+12145550112",
                zip="75210",
            ),
        ],
    )
    creates = reconcile(snap).plan.salesforce_lead_creates
    assert len(creates) == 1


def test_first_name_alone_that_is_the_records_surname_is_no_household_member() -> None:
    """A text signed `tyler` from the mobile of a Contact recorded first `Gomez`, last `Tyler` (names swapped):
    Tyler is the record's own name, not another member of a family (who would share the surname), so no
    create as a household member: the lead reaches the Contact or a human."""
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-07-27T16:00:10Z",
                lead_type="Text Message",
                contact_name="tyler",
                phone_number="+16125550156",
                zip="55499",
            )
        ],
        sf_contacts=[
            {
                "Id": "003G",
                "FirstName": "Gomez",
                "LastName": "Tyler",
                "Email": "tyler.gomez@brightlaw.com",
                "Phone": "(612) 555-0166",
                "MobilePhone": "1-612-555-0156",
            }
        ],
    )
    recon = reconcile(snap)
    assert recon.plan.salesforce_lead_creates.empty
    assert person_links(recon)["sf_id"].tolist() == ["003G"] or recon.match.decisions.review["cluster"].nunique() == 1


def test_name_typed_surname_first_and_misspelt_is_read_as_the_email_spells_it() -> None:
    """`Payyne Rachel` writing from rachel_payne64@gmail.com in ZIP 43284 is the Contact Rachel Payne there
    (her address spells her name in order): a link, not a create."""
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2024-11-21T06:25:24Z",
                contact_name="Payyne Rachel",
                email_address="rachel_payne64@gmail.com",
                city="Columbus",
                state="OH",
                zip="43284",
            )
        ],
        sf_contacts=[
            {
                "Id": "003R",
                "FirstName": "Rachel",
                "LastName": "Payne",
                "Phone": "1-614-555-0125",
                "MailingCity": "Columbus",
                "MailingPostalCode": "43284",
            }
        ],
    )
    recon = reconcile(snap)
    assert recon.plan.salesforce_lead_creates.empty
    assert person_links(recon)["sf_id"].tolist() == ["003R"]


def test_record_named_as_a_caller_id_place_is_named_as_its_email_spells_it() -> None:
    """A rep's Lead named `Camden Fm` (the caller ID of a call, copied as the name; no phone) writing from
    jfisher@yahoo.com in ZIP 19197, and the calls `FISHER JANET` there: Janet Fisher's Lead, not a create."""
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2026-02-06T08:14:51Z",
                lead_type="Phone Call",
                caller_name="FISHER JANET",
                phone_number="+12155550180",
                city="Philadelphia",
                state="PA",
                zip="19197",
            )
        ],
        sf_leads=[
            {
                "Id": "00QF",
                "LastName": "Camden Fm",
                "Email": "jfisher@yahoo.com",
                "City": "Philadelphia",
                "PostalCode": "19197",
            },
            {"Id": "00QO", "FirstName": "Ed", "LastName": "Fisher", "Email": "ed@example.com", "PostalCode": "10001"},
        ],
    )
    recon = reconcile(snap)
    assert recon.plan.salesforce_lead_creates.empty
