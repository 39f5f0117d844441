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


def test_household_member_calling_from_the_owners_line_is_not_linked_to_the_owner() -> None:
    """Emily writes from the family mailbox and calls from Jessica's phone (the carrier shows `VARGAS JESSICA`,
    the line's owner), one visitor id tying them: the caller ID names another member than the typed name, so
    the person is Emily, a household member Salesforce lacks (a create), not Jessica's Contact."""
    visitor = "51497-3930cbef"
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-06-17T11:00:00Z",
                lead_type="Phone Call",
                caller_name="VARGAS JESSICA",
                phone_number="+13805550199",
                user_id=visitor,
            ),
            lead(
                2,
                "2025-08-02T19:00:00Z",
                lead_type="Email",
                contact_name="emily vargas",
                email_address="vargass@comcast.net",
                user_id=visitor,
            ),
        ],
        sf_contacts=[
            {
                "Id": "003J",
                "FirstName": "Jessica",
                "LastName": "Vargas",
                "Email": "vargass@comcast.net",
                "Phone": "(380) 555-0199",
            }
        ],
    )
    recon = reconcile(snap)
    assert person_links(recon).empty
    creates = recon.plan.salesforce_lead_creates
    assert creates[["FirstName", "LastName"]].values.tolist() == [["Emily", "Vargas"]]
    assert "household" in creates["match_note"].iloc[0]


def test_zip_plus_4_is_the_same_postal_code() -> None:
    """`10036-2554` on the Contact and `10036` on the chat name one place: with the same name they are one
    person (no create of a duplicate); a call `MEDINA P` there joins the chat (surname, initial, ZIP)."""
    from wcsf_recon.normalize.postal import postal_key

    keys = postal_key(pd.Series(["10036-2554", "m5v 1ab", "2118", None], dtype="str"))
    assert keys.tolist()[:3] == ["10036", "M5V1AB", "2118"] and pd.isna(keys.iloc[3])
    snap = make_snapshot(
        wc_leads=[
            lead(1, "2025-03-01T10:00:00Z", lead_type="Chat", contact_name="Patrick Medina", zip="10036"),
            lead(
                2,
                "2025-03-02T10:00:00Z",
                lead_type="Phone Call",
                caller_name="MEDINA P",
                phone_number="+19175550150",
                zip="10036-0001",
            ),
        ],
        sf_contacts=[{"Id": "003P", "FirstName": "Patrick", "LastName": "Medina", "MailingPostalCode": "10036-2554"}],
    )
    recon = reconcile(snap)
    assert person_links(recon)["sf_id"].to_dict() == {"1": "003P", "2": "003P"}
    assert recon.plan.salesforce_lead_creates.empty


def test_name_typed_in_the_order_this_account_reads_as_backwards_joins_its_caller_id() -> None:
    """`Olson Lauren` typed into a form (Olson is a surname in this account's records, Lauren a first name) and
    the call `OLSON L` in the same ZIP are one new person: one create, not two."""
    others = [
        {"Id": f"00Q{i}", "FirstName": first, "LastName": last, "Email": f"p{i}@example.com"}
        for i, (first, last) in enumerate([("Lauren", "Hill"), ("Lauren", "Park"), ("Ed", "Olson"), ("Mia", "Olson")])
    ]
    snap = make_snapshot(
        wc_leads=[
            lead(1, "2025-03-01T10:00:00Z", contact_name="Olson Lauren", email_address="lo@example.net", zip="95895"),
            lead(
                2,
                "2025-03-04T10:00:00Z",
                lead_type="Phone Call",
                caller_name="OLSON L",
                phone_number="+19165550125",
                zip="95895",
            ),
        ],
        sf_leads=others,
    )
    creates = reconcile(snap).plan.salesforce_lead_creates
    assert len(creates) == 1
    assert sorted(creates["source_lead_ids"].iloc[0].split(";")) == ["1", "2"]


def test_nickname_inside_the_full_name_of_the_email_meets_the_caller_id() -> None:
    """`Tina Hall` writing from christina.hall@ and the calls `HALL CHRISTINA` in one ZIP are one new person."""
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-03-01T10:00:00Z",
                lead_type="Phone Call",
                caller_name="HALL CHRISTINA",
                phone_number="+19805550156",
                zip="28265",
            ),
            lead(
                2,
                "2025-03-04T10:00:00Z",
                lead_type="Chat",
                contact_name="Tina Hall",
                email_address="christina.hall@hotmail.com",
                zip="28265",
            ),
        ],
    )
    creates = reconcile(snap).plan.salesforce_lead_creates
    assert len(creates) == 1
    assert sorted(creates["source_lead_ids"].iloc[0].split(";")) == ["1", "2"]


def test_postal_code_with_a_dropped_digit_is_read_as_its_full_code() -> None:
    """`8027` typed for `80237` (a dropped digit; `2185` for `02185` from a spreadsheet) is nobody's real ZIP:
    beside the same name in the same city it is that code, so Jacob Medina links and Dmitri Singh's two
    leads are one create. A changed digit (`80238`, a neighbour's real ZIP) is left as it is."""
    from wcsf_recon.normalize.postal import restore_dropped_characters

    codes = pd.Series(["80237", "8027", "80238", "80202", "2185", "02185"], dtype="str")
    cities = pd.Series(["denver"] * 4 + ["boston"] * 2, dtype="str")
    lasts = pd.Series(["medina", "medina", "medina", "lee", "wells", "wells"], dtype="str")
    restored = restore_dropped_characters(codes, cities, lasts).tolist()
    assert restored == ["80237", "80237", "80238", "80202", "2185", "02185"]  # Boston: no usual format yet
    others = [
        {"Id": f"00Q{i}", "FirstName": f, "LastName": "Lee", "Email": f"{f}@example.com", "City": c, "PostalCode": z}
        for i, (f, c, z) in enumerate(
            [
                ("ann", "Denver", "80202"),
                ("bo", "Denver", "80205"),
                ("cy", "Houston", "77002"),
                ("di", "Houston", "77005"),
            ]
        )
    ]
    snap = make_snapshot(
        wc_leads=[
            lead(1, "2025-03-01T10:00:00Z", lead_type="Chat", contact_name="Jacob Medina", zip="8027", city="Denver"),
            lead(
                2,
                "2025-03-02T10:00:00Z",
                lead_type="Chat",
                contact_name="Dmitri Singh",
                zip="77075",
                city="Houston",
                email_address="dmitrisingh52@outlook.com",
            ),
            lead(
                3,
                "2025-03-09T10:00:00Z",
                lead_type="Web Form",
                contact_name="Dmitri Singh",
                zip="7075",
                city="Houston",
                email_address="dsingh@work.example.com",
            ),
        ],
        sf_leads=others,
        sf_contacts=[
            {
                "Id": "003J",
                "FirstName": "Jacob",
                "LastName": "Medina",
                "MailingPostalCode": "80237",
                "MailingCity": "Denver",
                "Phone": "720-870-3532",
            }
        ],
    )
    recon = reconcile(snap)
    assert person_links(recon)["sf_id"].to_dict() == {"1": "003J"}
    creates = recon.plan.salesforce_lead_creates
    assert creates["source_lead_ids"].tolist() == ["2;3"]


def _account_where(first_names: list[str], surnames: list[str]) -> list[dict]:
    """Salesforce Leads that make this account call `first_names` first names and `surnames` surnames."""
    pairs = [(f, s) for f in first_names for s in ("Hill", "Park")] + [(f, s) for s in surnames for f in ("Ed", "Mia")]
    return [
        {"Id": f"00Q{i}", "FirstName": f, "LastName": s, "Email": f"p{i}@example.com"} for i, (f, s) in enumerate(pairs)
    ]


def _first_name_first_call(caller: str, phone: str) -> dict:
    return lead(
        1,
        "2025-03-01T10:00:00Z",
        lead_type="Phone Call",
        caller_name=caller,
        phone_number=phone,
        city="Tampa",
        zip="33650",
    )


def test_cut_first_name_first_caller_id_is_named_in_the_accounts_order() -> None:
    """`VIRGINIA STEWAR` (FIRST SURNAME cut at 15) where Virginia is a first name here and Stewart a surname: the
    create is Virginia Stewar, never FirstName `Stewar` / LastName `Virginia`."""
    snap = make_snapshot(
        wc_leads=[_first_name_first_call("VIRGINIA STEWAR", "+18135550142")],
        sf_leads=_account_where(["Virginia"], ["Stewart"]),
    )
    creates = reconcile(snap).plan.salesforce_lead_creates
    assert len(creates) == 1
    assert (creates.loc[0, "FirstName"], creates.loc[0, "LastName"]) == ("Virginia", "Stewar")
    assert not creates.loc[0, "first_name_truncated"]


def test_first_name_first_caller_id_reaches_its_record_by_name_and_place() -> None:
    """`NOAH FLORES` calling from Tampa 33650, a Lead Noah Flores in Tampa whose phone is a placeholder: the
    caller ID read in the account's order finds the record (linked or sent to review), so nobody creates a
    second Noah Flores."""
    sf = [
        *_account_where(["Noah"], ["Flores"]),
        {
            "Id": "00QNF",
            "FirstName": "Noah",
            "LastName": "Flores",
            "City": "Tampa",
            "PostalCode": "33650",
            "Phone": "000-000-0000",
        },
    ]
    snap = make_snapshot(wc_leads=[_first_name_first_call("NOAH FLORES", "+18135550177")], sf_leads=sf)
    recon = reconcile(snap)
    assert recon.plan.salesforce_lead_creates.empty
    review = recon.match.decisions.review
    linked = person_links(recon)
    assert (not linked.empty and linked.loc["1", "sf_id"] == "00QNF") or len(review) > 0


@pytest.mark.parametrize(("sf_email", "review"), [(None, True), ("noah.flores77@example.org", False)])
def test_same_name_and_city_with_a_postal_code_one_typo_away_goes_to_review_not_a_create(
    sf_email: str | None, review: bool
) -> None:
    """Where Salesforce shows households (the model links only on the same postal code), Noah Flores of Tampa
    33650 and a Lead Noah Flores of Tampa 33605 (a rep's typo, or a neighbour's code: both are Tampa codes) with
    no email are not linked, and no second Noah Flores is created either: the pair waits in the review queue.
    When the Lead has an email of its own and the lead another, it is a same-name stranger one street over: a
    create. (A code no Tampa code begins like, `43650`, is nobody's there: read as the 33650 its name carries,
    `tests/test_match_round7.py`.)"""
    households = [
        {"Id": f"00QH{i}", "FirstName": f, "LastName": "Hill", "City": "Tampa", "PostalCode": "33601"}
        for i, f in enumerate(("Ed", "Mia"))
    ]
    from wcsf_recon.synth.vocab import FIRST_NAMES, LAST_NAMES, US_PLACES

    strangers = [  # an account of 60 different people, so that a full name and a city say something
        {"Id": f"00QS{i}", "FirstName": f, "LastName": la, "City": place[0], "PostalCode": f"{place[2]}{i:02d}"}
        for i, (f, la, place) in enumerate(zip(FIRST_NAMES[1:61], LAST_NAMES[1:61], US_PLACES * 3, strict=False))
    ]
    sf = [
        *strangers,
        *households,
        {
            "Id": "00QNF",
            "FirstName": "Noah",
            "LastName": "Flores",
            "City": "Tampa",
            "PostalCode": "33605",
            "Email": sf_email,
        },
    ]
    snap = make_snapshot(
        wc_leads=[
            lead(
                1,
                "2025-03-01T10:00:00Z",
                contact_name="Noah Flores",
                email_address="nf@example.net",
                city="Tampa",
                zip="33650",
            )
        ],
        sf_leads=sf,
    )
    recon = reconcile(snap)
    assert person_links(recon).empty
    assert len(recon.plan.salesforce_lead_creates) == (0 if review else 1)
    assert set(recon.match.decisions.review["cluster"]) == ({0} if review else set())


def test_caller_id_of_unknown_order_joins_the_typed_name_it_spells_first_name_first() -> None:
    """`jordan owens` on a form and the call `JORDAN OWENS` (read surname-first: first `owens`) in one ZIP, where
    Jordan is as much a surname as a first name: one create, not two."""
    sf = [
        {"Id": f"00Q{i}", "FirstName": f, "LastName": la, "Email": f"p{i}@example.com"}
        for i, (f, la) in enumerate(
            [
                ("Jordan", "Hill"),
                ("Ed", "Jordan"),
                ("Mia", "Jordan"),
                ("Kim", "Jordan"),
                ("Ed", "Owens"),
                ("Mia", "Owens"),
            ]
        )
    ]
    snap = make_snapshot(
        wc_leads=[
            lead(1, "2025-03-01T10:00:00Z", contact_name="jordan owens", email_address="jo@example.net", zip="64191"),
            lead(
                2,
                "2025-03-04T10:00:00Z",
                lead_type="Phone Call",
                caller_name="JORDAN OWENS",
                phone_number="+18165550125",
                zip="64191",
            ),
        ],
        sf_leads=sf,
    )
    creates = reconcile(snap).plan.salesforce_lead_creates
    assert len(creates) == 1
    assert sorted(creates["source_lead_ids"].iloc[0].split(";")) == ["1", "2"]


def test_nickname_of_another_initial_joins_the_full_names_caller_id_in_one_zip() -> None:
    """`Billy Hayes` on a chat and the call `HAYES WILLIAM` from the same ZIP are one new person (Billy is short
    for William): one create, not two."""
    snap = make_snapshot(
        wc_leads=[
            lead(1, "2025-03-01T10:00:00Z", contact_name="Billy Hayes", email_address="bh@example.net", zip="19158"),
            lead(
                2,
                "2025-03-04T10:00:00Z",
                lead_type="Phone Call",
                caller_name="HAYES WILLIAM",
                phone_number="+12155550125",
                zip="19158",
            ),
        ],
    )
    creates = reconcile(snap).plan.salesforce_lead_creates
    assert len(creates) == 1
    assert sorted(creates["source_lead_ids"].iloc[0].split(";")) == ["1", "2"]


@pytest.mark.parametrize("caller", ["ISABELLAVILLE V", "NORTH PETERSON"])
def test_town_caller_id_whose_state_the_cut_took_is_no_name(caller: str) -> None:
    """`ISABELLAVILLE V` / `NORTH PETERSON` (a rate-centre town, its state code cut off at 15) calling from the
    number of a Lead Karen Smith: a place, not a person, so the exact phone links without a name conflict."""
    snap = make_snapshot(
        wc_leads=[
            lead(1, "2025-03-01T10:00:00Z", lead_type="Phone Call", phone_number="+13125550111", caller_name=caller)
        ],
        sf_leads=[{"Id": "00QK", "FirstName": "Karen", "LastName": "Smith", "Phone": "(312) 555-0111"}],
    )
    recon = reconcile(snap)
    assert person_links(recon).loc["1", "sf_id"] == "00QK"
    assert recon.plan.salesforce_lead_creates.empty
