"""Issue 11's cases on hand-built records: caller IDs that are the caller's place, not a person."""

from __future__ import annotations

import pandas as pd
import pytest

from wcsf_recon import reconcile

from .builders import lead, make_snapshot, person_links


@pytest.mark.parametrize(
    ("caller", "city", "state"),
    [
        ("EAST JENNIFERMO", "East Jennifermouth", "NV"),  # cut at 15 characters
        ("ANDERSONMOUTH W", "Andersonmouth", "WV"),  # city, then a cut state
        ("TARABURGH PW", "Taraburgh", None),  # a territory code (Palau)
    ],
)
def test_caller_id_that_is_the_callers_place_is_no_name(caller: str, city: str, state: str | None) -> None:
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-03-01T10:00:00Z",
                lead_type="Phone Call",
                phone_number="+17025550111",
                caller_name=caller,
                contact_name=caller,
                caller_city=city,
                state=state,
            )
        ],
        sf_leads=[{"Id": "00QK", "FirstName": "Karen", "LastName": "Smith", "Phone": "(702) 555-0111"}],
    )
    recon = reconcile(snap)
    links = person_links(recon)
    assert links.loc["1", "sf_id"] == "00QK"  # an exact phone, and no conflicting name
    assert recon.plan.salesforce_lead_creates.empty


def test_a_persons_name_that_begins_like_the_city_stays_a_name() -> None:
    """`MILLER JO` in Millersburg is Jo Miller: a prefix only counts when the caller ID was cut at 15."""
    from wcsf_recon.normalize.names import caller_names_as_places

    callers = pd.Series(["MILLER JO", "EAST JENNIFERMO", "Taraburgh PW", "TARABURGH PW"])
    cities = pd.Series(["Millersburg", "East Jennifermouth", "Taraburgh", "Taraburgh"])
    assert caller_names_as_places(callers, cities).tolist() == [False, True, False, True]


def test_truncated_caller_id_first_name_gives_way_to_a_fuller_one_or_is_marked() -> None:
    snap = make_snapshot(
        wc_leads=[
            # 15 characters: the carrier cut JENNIFER
            lead(
                10,
                "2025-03-01T10:00:00Z",
                lead_type="Phone Call",
                phone_number="+17025550177",
                caller_name="PETERSON JENNIF",
            ),
            lead(
                11,
                "2025-03-02T10:00:00Z",
                lead_type="Phone Call",
                phone_number="+17025550177",
                caller_name="PETERSON JENNIFER",
            ),
            lead(
                12,
                "2025-03-01T10:00:00Z",
                lead_type="Phone Call",
                phone_number="+17025550188",
                caller_name="ALEXANDER CATHE",
            ),
        ],
    )
    creates = reconcile(snap).plan.salesforce_lead_creates.set_index("wc_lead_id")
    assert creates.loc["10", "FirstName"] == "Jennifer" and not creates.loc["10", "first_name_truncated"]
    assert creates.loc["12", "FirstName"] == "Cathe" and creates.loc["12", "first_name_truncated"]


def test_rate_centre_caller_id_of_another_town_with_a_territory_code_is_no_name() -> None:
    """`PORTERBURGH AS` (a neighbouring rate centre, not the lead's own city) ends in a state or territory code,
    as `CHARLOTTE NC` does: a place, so it neither conflicts with the owner's own caller ID nor makes the
    private line look shared (both calls link to the owner by the exact phone)."""
    calls = [
        lead(1, "2025-03-01T10:00:00Z", caller_name="PORTERBURGH AS", caller_city="Vancouver"),
        lead(2, "2025-03-02T10:00:00Z", caller_name="WARD RANDY", caller_city="Vancouver"),
        lead(3, "2025-03-03T10:00:00Z", caller_name="OKOTOKS FM", caller_city="Vancouver"),
    ]
    snap = make_snapshot(
        wc_leads=[{**c, "lead_type": "Phone Call", "phone_number": "+16045550199"} for c in calls],
        sf_contacts=[{"Id": "003R", "FirstName": "Randy", "LastName": "Ward", "Phone": "604.555.0199"}],
    )
    recon = reconcile(snap)
    assert person_links(recon)["sf_id"].to_dict() == {"1": "003R", "2": "003R", "3": "003R"}
    assert recon.match.decisions.review.empty


def test_nickname_beside_a_caller_id_that_cut_the_full_name_is_one_person() -> None:
    """`kit smith` (Kit is short for Christopher) and caller ID `SMITH CHRISTOPH` (cut at 15) are one person on
    his own line, not two people making it shared: the call links by the exact phone, not review."""
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-03-01T10:00:00Z",
                contact_name="kit smith",
                email_address="cs16@example.com",
                phone_number="+13215550146",
            ),
            lead(
                2,
                "2025-03-05T10:00:00Z",
                lead_type="Phone Call",
                caller_name="SMITH CHRISTOPH",
                phone_number="+13215550146",
            ),
        ],
        sf_leads=[{"Id": "00QC", "FirstName": "Christopher", "LastName": "Smith", "Phone": "+13215550146"}],
    )
    recon = reconcile(snap)
    assert person_links(recon)["sf_id"].to_dict() == {"1": "00QC", "2": "00QC"}
    assert recon.match.decisions.review.empty
