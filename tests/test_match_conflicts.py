"""Issue 11 item 2 on hand-built records: an exact email or phone whose names conflict.

Such a pair is linked when the conflict is explained (first and last name swapped, a placeholder
or a caller-ID place for a name), created when it is a household (another first name under the
same surname on a family line or mailbox), and otherwise sent to the review queue: never created
unseen. The explanation says which. Also: each lead's one-line explanation describes that lead.
"""

from __future__ import annotations

import pandas as pd
import pytest

from wcsf_recon import reconcile

from .builders import lead, make_snapshot, person_links


def _candidate(recon, lead_id: str, sf_id: str) -> pd.Series:
    cands = recon.explain(lead_id)
    return cands[cands["sf_id"] == sf_id].iloc[0]


@pytest.mark.parametrize(
    ("typed", "sf_first", "sf_last"),
    [
        ("Thomas Gabriel", "Gabriel", "Thomas"),  # the case: the lead typed them the other way round
        ("Jeremy Ortiz", "Ortiz", "Jeremy"),  # the rep swapped them in Salesforce
        ("Hill Tony", "Anthony", "Hill"),  # swapped, and a nickname
    ],
)
def test_swapped_first_and_last_name_on_an_exact_email_links(typed: str, sf_first: str, sf_last: str) -> None:
    snap = make_snapshot(
        wc_leads=[lead(1, "2025-03-01T10:00:00Z", contact_name=typed, email_address="tg1984@example.com")],
        sf_leads=[{"Id": "00QG", "FirstName": sf_first, "LastName": sf_last, "Email": "tg1984@example.com"}],
    )
    recon = reconcile(snap)
    row = person_links(recon).loc["1"]
    assert row["sf_id"] == "00QG" and row["rule"] == "email"
    assert "swapped" in row["explanation"]
    assert recon.plan.salesforce_lead_creates.empty
    cand = _candidate(recon, "1", "00QG")
    assert cand["name_explained"] == "swap" and cand["names"] == "agree"


def test_caller_id_initial_against_a_swapped_salesforce_name_links() -> None:
    """Caller ID `FERNANDEZ H` on the phone of a Lead the rep typed as first `Fernandez`, last `Hannah`."""
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-03-01T10:00:00Z",
                lead_type="Phone Call",
                phone_number="+17045550123",
                caller_name="FERNANDEZ H",
            )
        ],
        sf_leads=[{"Id": "00QH", "FirstName": "Fernandez", "LastName": "Hannah", "Phone": "(704) 555-0123"}],
    )
    recon = reconcile(snap)
    row = person_links(recon).loc["1"]
    assert row["sf_id"] == "00QH" and "swapped" in row["explanation"]


def test_swap_needs_both_names_to_agree_crosswise() -> None:
    """`Thomas Gabriel` vs `Gabriel Smith`: one name crosses over, the other does not: still a conflict."""
    snap = make_snapshot(
        wc_leads=[lead(1, "2025-03-01T10:00:00Z", contact_name="Thomas Gabriel", email_address="tg1984@example.com")],
        sf_leads=[{"Id": "00QG", "FirstName": "Gabriel", "LastName": "Smith", "Email": "tg1984@example.com"}],
    )
    recon = reconcile(snap)
    assert person_links(recon).empty
    assert recon.plan.salesforce_lead_creates.empty
    assert set(recon.match.decisions.review["cluster"]) == {0}


@pytest.mark.parametrize(
    ("sf_first", "sf_last", "kind"),
    [
        (None, "Wireless Caller", "placeholder"),  # the carrier's placeholder, copied by a rep
        ("Wireless", "Caller", "placeholder"),
        (None, "Charlotte Nc", "placeholder"),  # a rep-copied caller ID: a town and a state code
        (None, "Margaretville N", "place"),  # the lead's own city, the state cut off at 15 characters
        (None, "East Jennifermo", "place"),  # the lead's own city cut at 15 characters
    ],
)
def test_placeholder_or_place_for_a_salesforce_name_is_no_name(sf_first: str | None, sf_last: str, kind: str) -> None:
    """`KELLEY M` on the phone of a Lead a rep named after a caller ID: no conflict, an exact phone links."""
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-03-01T10:00:00Z",
                lead_type="Phone Call",
                phone_number="+17045550111",
                caller_name="KELLEY M",
                caller_city="Margaretville" if "Marg" in sf_last else "East Jennifermouth",
            )
        ],
        sf_leads=[{"Id": "00QW", "FirstName": sf_first, "LastName": sf_last, "Phone": "(704) 555-0111"}],
    )
    recon = reconcile(snap)
    row = person_links(recon).loc["1"]
    assert row["sf_id"] == "00QW" and row["rule"] == "phone"
    assert kind in row["explanation"]
    assert recon.plan.salesforce_lead_creates.empty
    assert _candidate(recon, "1", "00QW")["name_explained"] == kind


def test_placeholder_is_absence_of_evidence_not_agreement() -> None:
    """A Lead named `Wireless Caller` beside the caller's own Lead on one line: the name that agrees wins,
    the placeholder is not a near-equal rival (no name is weaker evidence than an agreeing one)."""
    snap = make_snapshot(
        wc_leads=[lead(1, "2025-03-01T10:00:00Z", contact_name="Dana Whitfield", phone_number="+17045550111")],
        sf_leads=[
            {"Id": "00QW", "FirstName": None, "LastName": "Wireless Caller", "Phone": "(704) 555-0111"},
            {"Id": "00QD", "FirstName": "Dana", "LastName": "Whitfield", "Phone": "(704) 555-0111"},
        ],
    )
    recon = reconcile(snap)
    row = person_links(recon).loc["1"]
    assert row["sf_id"] == "00QD" and "names agree" in row["explanation"]
    placeholder = _candidate(recon, "1", "00QW")
    assert placeholder["names"] == "unknown" and placeholder["score"] < row["score"]


def test_household_on_a_family_mailbox_is_created_and_says_household() -> None:
    snap = make_snapshot(
        wc_leads=[lead(6, "2025-01-01T00:00:00Z", contact_name="Megan King", email_address="thekings@example.com")],
        sf_leads=[{"Id": "00QK", "FirstName": "Robert", "LastName": "King", "Email": "thekings@example.com"}],
    )
    recon = reconcile(snap)
    assert person_links(recon).empty
    creates = recon.plan.salesforce_lead_creates.set_index("wc_lead_id")
    assert creates.loc["6", "FirstName"] == "Megan"
    assert "household" in creates.loc["6", "match_note"] and "00QK" in creates.loc["6", "match_note"]
    assert recon.match.decisions.review.empty
    assert _candidate(recon, "6", "00QK")["name_explained"] == "household"


def test_household_on_a_family_landline_is_created_and_says_household() -> None:
    snap = make_snapshot(
        wc_leads=[lead(1, "2025-02-01T10:00:00Z", contact_name="Jose Garcia", phone_number="+17045550150")],
        sf_leads=[{"Id": "00QM", "FirstName": "Maria", "LastName": "Garcia", "Phone": "704-555-0150"}],
    )
    recon = reconcile(snap)
    creates = recon.plan.salesforce_lead_creates.set_index("wc_lead_id")
    assert "household" in creates.loc["1", "match_note"]
    assert recon.match.decisions.review.empty


def test_other_first_name_on_the_salesforce_persons_own_mailbox_goes_to_review() -> None:
    """`Dana Lewis` at catherine.lewis@...: the address names the Salesforce person, so it is no family
    mailbox; the names conflict unexplained (a nickname the list lacks, or another person): a human decides.
    (`Kate Lewis` there agrees: Kate is short for Katherine, and so for Catherine.)"""
    snap = make_snapshot(
        wc_leads=[lead(3, "2025-01-01T00:00:00Z", contact_name="Dana Lewis", email_address="catherine.lewis@x.com")],
        sf_leads=[{"Id": "00QL", "FirstName": "Catherine", "LastName": "Lewis", "Email": "catherine.lewis@x.com"}],
    )
    recon = reconcile(snap)
    assert person_links(recon).empty
    assert recon.plan.salesforce_lead_creates.empty
    review = recon.match.decisions.review
    assert review["person_id"].tolist() == ["00QL"]
    assert "names conflict" in review["reason"].iloc[0]


def test_unexplained_name_conflict_on_an_exact_phone_goes_to_review_not_create() -> None:
    snap = make_snapshot(
        wc_leads=[lead(4, "2025-01-01T00:00:00Z", contact_name="Alice Brown", phone_number="+17045550199")],
        sf_leads=[{"Id": "00QZ", "FirstName": "Zed", "LastName": "Quinn", "Phone": "704-555-0199"}],
    )
    recon = reconcile(snap)
    assert person_links(recon).empty
    assert recon.plan.salesforce_lead_creates.empty
    review = recon.reports["review_queue"]
    assert review["candidate_id"].tolist() == ["00QZ"]
    assert "names conflict" in review["reason"].iloc[0]
    assert _candidate(recon, "4", "00QZ")["name_explained"] == ""


def test_each_leads_explanation_describes_that_lead() -> None:
    """A call joins a form by phone; only the form's email is in Salesforce. The call's row says it
    reached the person through the form; the form's row says what the form itself shares."""
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-01-01T10:00:00Z",
                contact_name="Dana Whitfield",
                email_address="dana.w@example.com",
                phone_number="+17045550142",
            ),
            lead(
                2,
                "2025-01-03T10:00:00Z",
                lead_type="Phone Call",
                phone_number="+17045550142",
                caller_name="WHITFIELD D",
            ),
        ],
        sf_leads=[{"Id": "00QA", "FirstName": "Dana", "LastName": "Whitfield", "Email": "dana.w@example.com"}],
    )
    links = person_links(reconcile(snap))
    form, call = links.loc["1", "explanation"], links.loc["2", "explanation"]
    assert form.startswith("email dana.w@example.com = Lead 00QA") and "names agree (dana whitfield)" in form
    assert "+17045550142" in call and "lead 1" in call and "dana.w@example.com" in call
    assert "(d whitfield)" in call  # the call's own caller-ID name, not the form's
    assert form != call


def test_first_name_only_on_a_known_family_line_is_a_household_create() -> None:
    """`Tyler` (no surname) on the landline where Helen Muller is in Salesforce and has called from: another
    member of the family, created, and the plan row says household."""
    snap = make_snapshot(
        wc_leads=[
            lead(1, "2025-02-01T10:00:00Z", contact_name="Helen Muller", phone_number="+18577179790"),
            lead(2, "2025-02-03T10:00:00Z", contact_name="Tyler", phone_number="+18577179790"),
        ],
        sf_contacts=[{"Id": "003H", "FirstName": "Helen", "LastName": "Muller", "Phone": "857-717-9790"}],
    )
    recon = reconcile(snap)
    assert person_links(recon)["sf_id"].to_dict() == {"1": "003H"}
    creates = recon.plan.salesforce_lead_creates.set_index("wc_lead_id")
    assert creates.loc["2", "FirstName"] == "Tyler" and "household" in creates.loc["2", "match_note"]
    assert recon.match.decisions.review.empty


def test_household_member_who_typed_the_names_swapped_is_still_a_household_create() -> None:
    """`Rivera Siobhan` on the line of Cynthia Rivera: swapped, and another first name: a household member."""
    snap = make_snapshot(
        wc_leads=[lead(1, "2025-02-01T10:00:00Z", contact_name="Rivera Siobhan", phone_number="+13214409151")],
        sf_contacts=[{"Id": "003R", "FirstName": "Cynthia", "LastName": "Rivera", "Phone": "321-440-9151"}],
    )
    recon = reconcile(snap)
    assert person_links(recon).empty and recon.match.decisions.review.empty
    creates = recon.plan.salesforce_lead_creates.set_index("wc_lead_id")
    assert "household" in creates.loc["1", "match_note"]


def test_household_member_beside_a_record_whose_own_names_are_backwards_is_created() -> None:
    """A Lead typed first `Mendez`, last `Randy` (Mendez is a surname in this account, Randy a first name) and
    `Virginia Mendez` on its phone: another member of the family, created with a household note, not held."""
    others = [
        {"Id": f"00Q{i}", "FirstName": first, "LastName": last, "Email": f"o{i}@example.com"}
        for i, (first, last) in enumerate([("Randy", "Cole"), ("Randy", "Ward"), ("Ana", "Mendez"), ("Luis", "Mendez")])
    ]
    snap = make_snapshot(
        wc_leads=[lead(7, "2025-01-01T00:00:00Z", contact_name="Virginia Mendez", phone_number="+18585550108")],
        sf_leads=[*others, {"Id": "00QM", "FirstName": "Mendez", "LastName": "Randy", "Phone": "858-555-0108"}],
    )
    recon = reconcile(snap)
    assert person_links(recon).empty
    assert recon.match.decisions.review.empty
    creates = recon.plan.salesforce_lead_creates
    assert creates[["FirstName", "LastName"]].values.tolist() == [["Virginia", "Mendez"]]
    assert "household" in creates["match_note"].iloc[0]
