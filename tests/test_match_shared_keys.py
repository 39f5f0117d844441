"""Issue 11 items 4 and 5 on hand-built records: shared mailboxes, shared lines, caller IDs in either order."""

from __future__ import annotations

from wcsf_recon import reconcile

from .builders import lead, make_snapshot, person_links

MAILBOX = "garcias@gmail.com"
LINE = "+17045550190"


def _form(lead_id: int, day: int, name: str | None, email: str | None = MAILBOX, **fields: object) -> dict:
    return lead(lead_id, f"2025-03-{day:02d}T10:00:00Z", contact_name=name, email_address=email, **fields)


def _call(lead_id: int, day: int, caller: str, phone: str = LINE, **fields: object) -> dict:
    return lead(
        lead_id,
        f"2025-03-{day:02d}T10:00:00Z",
        lead_type="Phone Call",
        phone_number=phone,
        caller_name=caller,
        **fields,
    )


# ---- item 4: a family mailbox carries several people -------------------------------------------------


def test_shared_mailbox_does_not_merge_strangers() -> None:
    """Jose and Maria write from one family address: Maria links to her Lead, Jose is not taken for her."""
    snap = make_snapshot(
        wc_leads=[_form(1, 1, "Jose Garcia"), _form(2, 2, "Maria Garcia")],
        sf_leads=[{"Id": "00QM", "FirstName": "Maria", "LastName": "Garcia", "Email": MAILBOX}],
    )
    recon = reconcile(snap)
    clusters = recon.match.leads.set_index("lead_id")["cluster"]
    assert clusters["1"] != clusters["2"]
    links = person_links(recon)
    assert links.index.tolist() == ["2"] and links.loc["2", "sf_id"] == "00QM"
    assert "maria garcia" in links.loc["2", "explanation"]
    creates = recon.plan.salesforce_lead_creates
    assert creates[["wc_lead_id", "FirstName", "LastName"]].values.tolist() == [["1", "Jose", "Garcia"]]


def test_each_member_of_a_shared_mailbox_links_to_their_own_record() -> None:
    snap = make_snapshot(
        wc_leads=[_form(1, 1, "Jose Garcia"), _form(2, 2, "maria garcia"), _form(3, 3, "Joe Garcia")],
        sf_leads=[
            {"Id": "00QM", "FirstName": "Maria", "LastName": "Garcia", "Email": MAILBOX},
            {"Id": "00QJ", "FirstName": "Jose", "LastName": "Garcia", "Email": MAILBOX},
        ],
    )
    links = person_links(reconcile(snap))
    assert links["sf_id"].to_dict() == {"1": "00QJ", "2": "00QM", "3": "00QJ"}  # Joe is Jose's nickname
    assert "shared mailbox" in links.loc["2", "explanation"]


def test_nameless_lead_on_a_shared_mailbox_is_not_guessed() -> None:
    """Who wrote from the family address without a name is not known: review, never a link or a create."""
    snap = make_snapshot(
        wc_leads=[_form(1, 1, "Jose Garcia"), _form(2, 2, "Maria Garcia"), _form(3, 3, None)],
        sf_leads=[
            {"Id": "00QM", "FirstName": "Maria", "LastName": "Garcia", "Email": MAILBOX},
            {"Id": "00QJ", "FirstName": "Jose", "LastName": "Garcia", "Email": MAILBOX},
        ],
    )
    recon = reconcile(snap)
    assert "3" not in person_links(recon).index
    assert "3" not in set(recon.plan.salesforce_lead_creates["wc_lead_id"])
    review = recon.reports["review_queue"]
    assert set(review.loc[review["wc_lead_ids"].str.contains("3"), "candidate_id"]) == {"00QM", "00QJ"}


def test_one_persons_mailbox_still_joins_nicknames_initials_and_swaps() -> None:
    """Bob, Robert, `R` and a swapped `Smith Robert` on one address are one person, not a shared mailbox."""
    email = "rsmith@example.com"
    snap = make_snapshot(
        wc_leads=[
            _form(1, 1, "Bob Smith", email),
            _form(2, 2, "Robert Smith", email),
            _form(3, 3, "R Smith", email),
            _form(4, 4, "Smith Robert", email),
        ],
        sf_leads=[{"Id": "00QR", "FirstName": "Robert", "LastName": "Smith", "Email": email}],
    )
    recon = reconcile(snap)
    assert recon.match.leads["cluster"].nunique() == 1
    links = person_links(recon)
    assert sorted(links.index) == ["1", "2", "3", "4"] and set(links["sf_id"]) == {"00QR"}
    assert set(links["rule"]) == {"email"}


# ---- item 5: shared lines ---------------------------------------------------------------------------


def test_caller_id_initial_that_fits_one_candidate_on_a_shared_line_picks_it() -> None:
    """`KELLEY M` on a line Mark and Susan Kelley share fits Mark alone: he is the one candidate put to a human.

    Decision: proposed, not linked. The caller ID names the line's owner, and a household member calling
    from the line shows it too (auto-linking these cost 0.004 of link precision on the classic worlds).
    """
    snap = make_snapshot(
        wc_leads=[_call(1, 1, "KELLEY M")],
        sf_leads=[
            {"Id": "00QMK", "FirstName": "Mark", "LastName": "Kelley", "Phone": "704-555-0190"},
            {"Id": "00QSK", "FirstName": "Susan", "LastName": "Kelley", "Phone": "(704) 555-0190"},
        ],
    )
    recon = reconcile(snap)
    assert person_links(recon).empty and recon.plan.salesforce_lead_creates.empty
    review = recon.reports["review_queue"]
    assert review["candidate_id"].tolist() == ["00QMK"]  # Susan is not proposed: the initial is not hers
    assert review["reason"].tolist() == ["evidence below the auto-link threshold"]
    assert "line's owner" in review["explanation"].iloc[0]


def test_caller_id_that_fits_one_person_on_a_private_line_links() -> None:
    """The same caller ID on a line only Mark is known on is his: linked, as any phone with agreeing names."""
    snap = make_snapshot(
        wc_leads=[_call(1, 1, "KELLEY M")],
        sf_leads=[{"Id": "00QMK", "FirstName": "Mark", "LastName": "Kelley", "Phone": "704-555-0190"}],
    )
    assert person_links(reconcile(snap)).loc["1", "sf_id"] == "00QMK"


def test_caller_id_that_fits_several_people_on_a_shared_line_is_reviewed() -> None:
    """`KELLEY M` on a line with Mark and Megan Kelley: the initial fits both, nothing is guessed."""
    snap = make_snapshot(
        wc_leads=[_call(1, 1, "KELLEY M")],
        sf_leads=[
            {"Id": "00QMK", "FirstName": "Mark", "LastName": "Kelley", "Phone": "704-555-0190"},
            {"Id": "00QYK", "FirstName": "Megan", "LastName": "Kelley", "Phone": "704-555-0190"},
            {"Id": "00QSK", "FirstName": "Susan", "LastName": "Kelley", "Phone": "704-555-0190"},
        ],
    )
    recon = reconcile(snap)
    assert person_links(recon).empty and recon.plan.salesforce_lead_creates.empty
    assert set(recon.reports["review_queue"]["candidate_id"]) >= {"00QMK", "00QYK"}


def _mark_twice(second_first: str, second_last: str) -> list[dict]:
    """Mark Kelley's Contact, a second Contact of his (as a rep typed it, with his email) and Susan, on one line."""
    return [
        {
            "Id": "003A",
            "FirstName": "Mark",
            "LastName": "Kelley",
            "Phone": "704-555-0190",
            "Email": "mark.kelley@example.com",
            "CreatedDate": "2024-01-01T00:00:00Z",
        },
        {
            "Id": "003B",
            "FirstName": second_first,
            "LastName": second_last,
            "Phone": "704-555-0190",
            "Email": "Mark.Kelley@example.com",
            "CreatedDate": "2024-06-01T00:00:00Z",
        },
        {"Id": "003S", "FirstName": "Susan", "LastName": "Kelley", "Phone": "704-555-0190"},
    ]


def test_duplicate_records_of_one_person_on_a_line_are_one_person() -> None:
    """Two Contacts of Mark on the line (his email on both) are one person: his form links to the older one."""
    snap = make_snapshot(
        wc_leads=[_form(1, 1, "Mark Kelley", None, phone_number=LINE)], sf_contacts=_mark_twice("Mark", "Kelly")
    )
    recon = reconcile(snap)
    links = person_links(recon)
    assert links.loc["1", "sf_id"] == "003A"  # the older record of the two
    assert recon.reports["review_queue"].empty
    dups = recon.reports["salesforce_duplicates"]
    assert dups[["sf_id", "duplicate_of"]].values.tolist() == [["003B", "003A"]]


def test_swapped_duplicate_with_the_same_email_is_held_as_one_person() -> None:
    """`Kelley Mark` with Mark's email is Mark typed again: the caller ID fits one person, not two."""
    snap = make_snapshot(wc_leads=[_call(1, 1, "KELLEY MARK")], sf_contacts=_mark_twice("Kelley", "Mark"))
    recon = reconcile(snap)
    review = recon.reports["review_queue"]
    assert set(review["candidate_id"]) <= {"003A", "003B"} and "003A" in set(review["candidate_id"])
    assert "two or more people of near-equal strength" not in set(review["reason"])
    dups = recon.reports["salesforce_duplicates"]
    assert dups[["sf_id", "duplicate_of"]].values.tolist() == [["003B", "003A"]]


def test_duplicates_alone_do_not_make_a_private_line_shared() -> None:
    """A converted Lead typed `Kelley Mark` and its Contact Mark Kelley: one person, so the line is his."""
    snap = make_snapshot(
        wc_leads=[_call(1, 1, "KELLEY MARK")],
        sf_leads=[
            {
                "Id": "00QX",
                "FirstName": "Kelley",
                "LastName": "Mark",
                "Phone": "704-555-0190",
                "IsConverted": "true",
                "ConvertedContactId": "003A",
            }
        ],
        sf_contacts=[{"Id": "003A", "FirstName": "Mark", "LastName": "Kelley", "Phone": "704-555-0190"}],
    )
    recon = reconcile(snap)
    assert recon.match.decisions.review.empty
    assert person_links(recon).loc["1", ["sf_object", "sf_id"]].tolist() == ["Contact", "003A"]


def test_call_whose_visitor_typed_another_name_makes_the_line_shared() -> None:
    """Diane calls from Mark's line (caller ID `COLEMAN MARK`) from the browser she wrote her own email from:
    the line carries two people, so neither her call nor her email is taken for Mark's record, while
    Mark's own form (his email and phone) still links."""
    visitor = "51497-diane"
    snap = make_snapshot(
        wc_leads=[
            _form(1, 1, "mark coleman", "mark_coleman79@gmail.com", phone_number=LINE),
            _call(2, 2, "COLEMAN MARK", user_id=visitor),
            lead(
                3,
                "2025-03-03T10:00:00Z",
                lead_type="Email",
                contact_name="Diane Coleman",
                email_address="diane_coleman66@comcast.net",
                user_id=visitor,
            ),
        ],
        sf_contacts=[
            {
                "Id": "003M",
                "FirstName": "Mark",
                "LastName": "Coleman",
                "Email": "mark_coleman79@gmail.com",
                "Phone": LINE,
            }
        ],
    )
    links = person_links(reconcile(snap))
    assert links.loc["1", "sf_id"] == "003M"
    assert "2" not in links.index and "3" not in links.index


# ---- caller IDs in FIRST LAST order -------------------------------------------------------------------


def test_caller_id_in_first_last_order_is_read_by_the_candidates_names() -> None:
    """`MARK KELLEY` (and `CHRISTOPHER MAR`, cut at 15) name the Lead first-name-first; the reading that fits wins."""
    snap = make_snapshot(
        wc_leads=[_call(1, 1, "MARK KELLEY", "+17045550191"), _call(2, 1, "CHRISTOPHER MAR", "+17045550192")],
        sf_leads=[
            {"Id": "00QMK", "FirstName": "Mark", "LastName": "Kelley", "Phone": "704-555-0191"},
            {"Id": "00QCM", "FirstName": "Christopher", "LastName": "Marshall", "Phone": "704-555-0192"},
        ],
    )
    links = person_links(reconcile(snap))
    assert links.loc["1", "sf_id"] == "00QMK" and links.loc["2", "sf_id"] == "00QCM"
    assert links.loc["1", "score"] >= 0.95 and links.loc["2", "score"] >= 0.95  # names agree, not merely unknown
    assert "mark kelley" in links.loc["1", "explanation"]


def test_caller_id_whose_two_readings_fit_two_people_is_reviewed() -> None:
    """`JAMES THOMAS` on a line with Thomas James and James Thomas: either reading fits someone: review."""
    snap = make_snapshot(
        wc_leads=[_call(1, 1, "JAMES THOMAS")],
        sf_leads=[
            {"Id": "00QTJ", "FirstName": "Thomas", "LastName": "James", "Phone": "704-555-0190"},
            {"Id": "00QJT", "FirstName": "James", "LastName": "Thomas", "Phone": "704-555-0190"},
        ],
    )
    recon = reconcile(snap)
    assert person_links(recon).empty and recon.plan.salesforce_lead_creates.empty
    assert set(recon.reports["review_queue"]["candidate_id"]) == {"00QTJ", "00QJT"}
