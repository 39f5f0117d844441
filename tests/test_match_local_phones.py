"""Salesforce phones typed without their area code (`835-7854`) meet the full number a lead in that place calls from."""

from __future__ import annotations

from wcsf_recon import reconcile

from .builders import lead, make_snapshot, person_links


def _snapshot(call_city: str, call_zip: str) -> object:
    return make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-11-23T08:40:57Z",
                lead_type="Phone Call",
                caller_name="WIRELESS CALLER",
                phone_number="+18588357854",
                city=call_city,
                state="CA",
                zip=call_zip,
            )
        ],
        sf_contacts=[
            {
                "Id": "003G",
                "FirstName": "Grace",
                "LastName": "Morgan",
                "Email": "grace.morgan@gmail.com",
                "Phone": "835-7854",
                "MailingCity": "San Diego",
                "MailingPostalCode": "92148",
            },
            {"Id": "003O", "FirstName": "Ann", "LastName": "Lee", "Phone": "(619) 555-0100", "MailingCity": "Chula"},
        ],
    )


def test_a_seven_digit_salesforce_phone_meets_the_full_number_calling_from_its_postal_code() -> None:
    """A nameless call from +1 858 835-7854 in 92148 and a Contact there whose phone a rep typed as `835-7854`:
    the Contact, not a create."""
    recon = reconcile(_snapshot("San Diego", "92148"))
    assert recon.plan.salesforce_lead_creates.empty
    assert person_links(recon)["sf_id"].tolist() == ["003G"]


def test_a_seven_digit_phone_elsewhere_is_no_evidence() -> None:
    """The same seven digits called from another city and postal code are not the Contact's number: a create."""
    recon = reconcile(_snapshot("Boston", "02125"))
    assert person_links(recon).empty
    assert len(recon.plan.salesforce_lead_creates) == 1
