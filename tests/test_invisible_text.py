"""Control and format characters change nobody's identity: names, emails, phones and places read without them."""

from __future__ import annotations

import sys
import unicodedata

import pandas as pd

from wcsf_recon import reconcile
from wcsf_recon.normalize import normalize_snapshot
from wcsf_recon.normalize.textvec import INVISIBLE, SPACING_CONTROLS

from .builders import lead, make_snapshot

CLEAN = {
    "contact_name": "Dana Whitfield",
    "email_address": "dana.whitfield@example.com",
    "phone_number": "(415) 555-0142",
}
# what a form, a paste from a PDF or a hostile visitor adds around and inside the same person
DIRTY = {
    "contact_name": " \u202eDa\u200bna\x00 Whit\u2066field\u2069\x1b\r\n",
    "email_address": "\ufeffdana.whit\u200dfield@exam\x00ple.com\x0b",
    "phone_number": "\u202a(415)\u200c 555-0142\u202c\r",
}
N_COLUMNS = ["n_first", "n_last", "n_email", "n_phone", "n_name_source"]


def test_a_name_email_and_phone_with_invisible_characters_normalize_as_the_clean_ones() -> None:
    snap = make_snapshot(wc_leads=[lead(1, "2025-01-01T00:00:00Z", **CLEAN), lead(2, "2025-01-01T00:00:00Z", **DIRTY)])
    wc = normalize_snapshot(snap).wc_leads
    assert wc.loc[0, "n_email"] == "dana.whitfield@example.com" and wc.loc[0, "n_phone"] == "+14155550142"
    assert wc.loc[1, N_COLUMNS].tolist() == wc.loc[0, N_COLUMNS].tolist()
    assert wc.loc[1, "contact_name"] == DIRTY["contact_name"].strip()  # the table keeps what was typed


def test_salesforce_people_and_places_with_invisible_characters_link_as_the_clean_ones() -> None:
    person = {"FirstName": "Dana", "LastName": "Whitfield", "PostalCode": "94607", "City": "Oakland"}
    dirty = {k: f"\u2067{v[:2]}\u200b{v[2:]}\x00\r\n" for k, v in person.items()}
    people = normalize_snapshot(make_snapshot(sf_leads=[{"Id": "00QA", **person}, {"Id": "00QB", **dirty}])).sf_leads
    assert (
        people.loc[1, ["n_first", "n_last"]].tolist()
        == people.loc[0, ["n_first", "n_last"]].tolist()
        == [
            "dana",
            "whitfield",
        ]
    )
    # a web lead with a name and a place only (its phone is another line) links to the dirty record as to the clean
    wc = lead(1, "2025-01-01T00:00:00Z", contact_name="Dana Whitfield", zip="94607\u200b", city="Oakland\r")
    found = [
        reconcile(make_snapshot(wc_leads=[wc], sf_leads=[{"Id": "00QA", "Phone": "4155550100", **sf}])).links
        for sf in (person, dirty)
    ]
    assert found[0][["sf_id", "rule"]].values.tolist() == [["00QA", "fuzzy_name_postal"]]
    assert found[1][["sf_id", "rule", "score"]].to_dict("records") == found[0][["sf_id", "rule", "score"]].to_dict(
        "records"
    )


def test_the_character_classes_are_exactly_unicode_cc_and_cf() -> None:
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Cc", "Cf"))
    left = SPACING_CONTROLS.sub("", INVISIBLE.sub("", every))
    assert left == ""  # none escapes (Unicode categories of this Python's unicodedata)
    sample = pd.Series(["a\u00adb", "\u0378", "x y"], dtype="str")  # Cf; unassigned; a plain space stays
    assert [INVISIBLE.sub("", v) for v in sample] == ["ab", "\u0378", "x y"]
