"""Issue 11's create errors found on outside tuning worlds (round 5), each on hand-built records."""

from __future__ import annotations

import pytest

from wcsf_recon import reconcile

from .builders import lead, make_snapshot


def _one_create_of(snap, *lead_ids: str) -> None:
    creates = reconcile(snap).plan.salesforce_lead_creates
    assert len(creates) == 1, creates[["source_lead_ids", "FirstName", "LastName"]].to_string()
    assert sorted(creates["source_lead_ids"].iloc[0].split(";")) == sorted(lead_ids)


@pytest.mark.parametrize(
    ("caller_id", "typed", "email"),
    [
        ("MARTIN CHRISTOP", "chris mratin", "christophermartin88@comcast.net"),  # nickname + swapped letters
        ("CHAVEZ CHRISTIN", "christina khavez", "Cchavez@Gmail.com"),  # one letter changed
        ("KIM,ANTHONY", "Anthony Km", "Anthony.kim@Gmail.com"),  # one letter dropped
        ("CRUZ M", "Peggy Crz", "mcruz@outlook.com"),  # a nickname of another initial, the email its initial
    ],
)
def test_a_typed_surname_one_edit_from_the_emails_reads_as_the_email_spells_it(
    caller_id: str, typed: str, email: str
) -> None:
    """A typed surname one edit from the one the person's own email spells (after the full name a nickname
    is short for, or its initial) is a typo: the chat meets the call from the same ZIP as one new person."""
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-03-01T10:00:00Z",
                lead_type="Phone Call",
                caller_name=caller_id,
                phone_number="+16785550141",
                zip="30316",
            ),
            lead(2, "2025-03-09T10:00:00Z", lead_type="Chat", contact_name=typed, email_address=email, zip="30316"),
        ],
    )
    _one_create_of(snap, "1", "2")
