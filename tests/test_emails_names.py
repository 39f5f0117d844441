"""Email and name normalization."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from wcsf_recon.normalize import (
    first_name_scores,
    fold_names,
    normalize_emails,
    parse_caller_names,
    split_person_names,
)


def test_emails_trimmed_lowercased_checked() -> None:
    out = normalize_emails(pd.Series([" Jane.Doe@Gmail.com ", "n/a", "a@@b.com", "bob@gmail", "x y@z.com", None]))
    assert out["email"].tolist()[0] == "jane.doe@gmail.com"
    assert out["email"].iloc[1:].isna().all()
    assert out["reason"].tolist()[1:5] == ["missing_at", "multiple_at", "invalid_domain", "contains_space"]
    assert pd.isna(out["reason"].iloc[5])


def test_canonical_emails_are_opt_in() -> None:
    values = pd.Series(["J.Doe+quotes@googlemail.com", "j.doe+x@outlook.com"])
    assert normalize_emails(values)["email"].tolist() == ["j.doe+quotes@googlemail.com", "j.doe+x@outlook.com"]
    assert normalize_emails(values, canonical=True)["email"].tolist() == ["jdoe@gmail.com", "j.doe@outlook.com"]


@settings(max_examples=200, deadline=None)
@given(st.emails())
def test_valid_emails_survive_and_are_idempotent(email: str) -> None:
    once = normalize_emails(pd.Series([f"  {email.upper()} "]))["email"].iloc[0]
    if isinstance(once, str):
        assert once == once.strip().lower()
        assert normalize_emails(pd.Series([once]))["email"].iloc[0] == once


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_fold_is_idempotent_ascii_lowercase(text: str) -> None:
    folded = fold_names(pd.Series([text])).iloc[0]
    if isinstance(folded, str):
        assert folded == folded.lower() and folded.isascii()
        assert fold_names(pd.Series([folded])).iloc[0] == folded


def test_split_contact_names() -> None:
    out = split_person_names(
        pd.Series(["dana whitfield", "Garcia, Maria", "Dr. José Díaz Jr.", "bob", "  MARY ANN SMITH "])
    )
    assert out.astype(object).where(out.notna(), None).values.tolist() == [
        ["dana", "whitfield"],
        ["maria", "garcia"],
        ["jose", "diaz"],
        ["bob", None],
        ["mary", "smith"],
    ]


def test_caller_id_names() -> None:
    out = parse_caller_names(
        pd.Series(
            [
                "WHITFIELD D",
                "WHITFIELD DANA",
                "WIRELESS CALLER",
                "CHARLOTTE NC",
                "SAN DIEGO CA",
                "ACME PLUMBING LLC",
                "Dana Whitfield",
                "O'BRIEN,SEAN",
            ]
        )
    )
    assert out["kind"].tolist() == ["name", "name", "generic", "city", "city", "business", "name", "name"]
    assert out[["first", "last"]].iloc[[0, 1, 6, 7]].values.tolist() == [
        ["d", "whitfield"],
        ["dana", "whitfield"],
        ["dana", "whitfield"],
        ["sean", "obrien"],
    ]


def test_first_name_agreement() -> None:
    a = pd.Series(["bob", "maria", "d", "jon", "liz", None])
    b = pd.Series(["robert", "jose", "dana", "john", "elizabeth", "x"])
    scores = first_name_scores(a, b).tolist()
    assert scores[0] == 1.0 and scores[2] == 1.0 and scores[4] == 1.0
    assert scores[1] < 0.7
    assert scores[3] > 0.9
    assert pd.isna(scores[5])


def test_vectorized_names_equal_the_per_value_reference(sample_snapshot) -> None:
    from wcsf_recon.normalize import names

    tricky = pd.Series(
        [
            "Garcia, Maria",
            "Dr. José Díaz Jr.",
            "Mary-Kate Olsen",
            "  ",
            "O'Brien",
            "VAN DER BERG DA",
            "SMITH,JOHN",
            "Anne Marie de la Cruz",
            "WIRELESS CALLER",
            "CHARLOTTE NC",
            "MANCHESTER",
            "Smith .",
            "- Jones",
        ]
    )
    for values in (
        pd.concat([sample_snapshot.wc_leads["contact_name"], tricky]),
        pd.concat([sample_snapshot.wc_leads["caller_name"], tricky]),
    ):
        values = values.reset_index(drop=True)
        split = names.split_person_names(values)
        caller = names.parse_caller_names(values)
        shown = names.display_names(values)
        for i, value in enumerate(values):
            if not isinstance(value, str):
                continue
            assert tuple(None if pd.isna(x) else x for x in split.iloc[i]) == names._split_free(value), value
            assert tuple(None if pd.isna(x) else x for x in caller.iloc[i]) == names._caller_one(value), value
            assert tuple(None if pd.isna(x) else x for x in shown.iloc[i]) == names._display_one(value), value
        assert names.fold_names(values).fillna("").tolist() == [
            names.fold_one(v) if isinstance(v, str) else "" for v in values
        ]


def test_nicknames_meet_cut_full_names_and_other_spellings() -> None:
    """A caller ID cut the full name a nickname is short for (`ELIZ` for Beth's Elizabeth, `CHRISTIN` for Tina,
    `ISABELL` for Bella), and a nickname stands for every spelling of its full name (Kate: Catherine too);
    Dana is still not Diana, Mark not Mary, Andrew's Drew not Andrea."""
    from wcsf_recon.normalize.names import first_names_strictly_agree

    agree = [("beth", "eliz"), ("elizabet", "beth"), ("tina", "christin"), ("isabell", "bella"), ("kate", "catherine")]
    assert all(first_names_strictly_agree(a, b) for a, b in agree)
    differ = [("dana", "diana"), ("mark", "mary"), ("drew", "andrea"), ("frankie", "jeanne")]
    assert not any(first_names_strictly_agree(a, b) for a, b in differ)


def test_email_spells_the_full_name_and_the_surname_a_phonetic_misspelling_hides() -> None:
    """`Tina Hall` at christina.hall@ is Christina (`tina` is inside another word there, not her address's own
    word); `Roger Phox` at rogerfox43@ is Roger Fox (the same sound, metaphone FKS). `tina.hall@` says Tina."""
    from wcsf_recon.normalize.email_names import first_name_as_in_email, surname_as_in_email

    firsts = first_name_as_in_email(
        pd.Series(["tina", "tina", "bill"]),
        pd.Series(["christina.hall@hotmail.com", "tina.hall@x.com", "william.warren@x.com"]),
    )
    assert firsts.iloc[0] == "christina" and pd.isna(firsts.iloc[1]) and firsts.iloc[2] == "william"
    lasts = surname_as_in_email(
        pd.Series(["roger", "ann"]),
        pd.Series(["phox", "smith"]),
        pd.Series(["rogerfox43@gmail.com", "ann.smith@x.com"]),
    )
    assert lasts.iloc[0] == "fox" and pd.isna(lasts.iloc[1])


def test_surname_read_after_the_full_name_a_typed_nickname_is_short_for() -> None:
    """`greg` (no surname typed) at gregory.ellis@ is Gregory Ellis: the surname follows the full name in the
    address, not the nickname's letters (`oryellis`); `christopher` at christopher.daniels@ still gives daniels."""
    from wcsf_recon.normalize.email_names import surname_from_email

    got = surname_from_email(
        pd.Series(["greg", "kit", "christopher"]),
        pd.Series(["gregory.ellis@gmail.com", "christopher_cruz@x.com", "christopher.daniels@x.com"]),
    )
    assert got.tolist() == ["ellis", "cruz", "daniels"]


WORDS = ["EAST", "JENNIFERMOUTH", "JENNIFERMO", "TARABURGH", "PW", "W", "NC", "MILLER", "JO", "O'BRIEN", "ST.", "JOSÉ"]
CITIES = ["East Jennifermouth", "Taraburgh", "Millersburg", "San José", "St. Louis", "", None, "123", "Jennifermo"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
            st.booleans(),
            st.sampled_from(["", " ", "\t", "\x1c", "\u2003"]),
            st.sampled_from(CITIES),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_caller_ids_read_as_places_in_bulk_as_one_by_one(rows: list[tuple[list[str], bool, str, str | None]]) -> None:
    """The Arrow reading of `EAST JENNIFERMO` (cut), `TARABURGH PW` (state code) is `_place_like`'s, value by value."""
    from wcsf_recon.normalize.names import _place_like, caller_names_as_places

    callers = [(" ".join(words)[:15] if cut else " ".join(words)) + pad for words, cut, pad, _ in rows]
    cities = [city for *_, city in rows]
    got = caller_names_as_places(pd.Series(callers, dtype="str"), pd.Series(cities, dtype="str"))
    expected = [_place_like(c, t or None) if c.upper() == c else False for c, t in zip(callers, cities, strict=True)]
    assert got.tolist() == expected


def test_a_cut_caller_id_names_a_place_by_prefix_only_with_eight_letters_left() -> None:
    from wcsf_recon.normalize.names import caller_names_as_places

    callers = pd.Series(["MILLERS 1234567", "MILLERSB 123456", "MILLERSB 12345", "EAST JENNIFERMO"], dtype="str")
    cities = pd.Series(["Millersburg", "Millersburg", "Millersburg", "East Jennifermouth"], dtype="str")
    assert caller_names_as_places(callers, cities).tolist() == [False, True, False, True]


EMAIL_PIECES = ["tina", "hall", ".", "_", "-", "+", "@", "gmail.com", "chris", "t", "\x00", "é", ""]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(EMAIL_PIECES), max_size=2), st.lists(st.sampled_from(EMAIL_PIECES), max_size=6)
        ),
        min_size=1,
        max_size=30,
    ),
    st.booleans(),
)
def test_names_found_in_emails_in_bulk_as_one_by_one(rows: list[tuple[list[str], list[str]]], as_word: bool) -> None:
    """The numpy prefilter (`tina` at the start of `tina.hall@`, of a word in `hall_tina@`, NULs) is Python's answer."""
    from wcsf_recon.normalize.email_names import _local, _spelled_as_word, _spelled_in

    names, emails = ["".join(n) for n, _ in rows], ["".join(e) for _, e in rows]
    got = _spelled_in(pd.Series(names, dtype="str"), pd.Series(emails, dtype="str"), as_word)
    expected = [_spelled_as_word(n, _local(e)) if as_word else n in e for n, e in zip(names, emails, strict=True)]
    assert got.tolist() == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(st.sampled_from("AZaz09 -é\x00M5V"), max_size=7)), max_size=40))
def test_postal_code_formats_read_from_bytes_as_the_regexes_read_them(codes: list[str | None]) -> None:
    from wcsf_recon.normalize.postal import _shape

    values = pd.Series(codes, dtype="str")
    expected = values.str.replace(r"[A-Z]", "A", regex=True).str.replace(r"[0-9]", "9", regex=True)
    assert _shape(values).equals(expected)
    assert _shape(values.iloc[1:]).equals(expected.iloc[1:])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(st.sampled_from("aB '-é\tz1.ß\u3000"), max_size=6)), max_size=40))
def test_fold_rewrites_only_what_the_kernels_would_change(values: list[str | None]) -> None:
    """`fold` skips the regexes for values already folded; the answer is the full kernels' answer."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from wcsf_recon.normalize.textvec import ascii_fold, fold

    arr = pa.array(values, pa.string())
    text = pc.replace_substring(pc.utf8_lower(ascii_fold(arr)), "'", "")
    expected = pc.utf8_trim_whitespace(pc.replace_substring_regex(text, "[^a-z]+", " "))
    assert fold(arr).to_pylist() == expected.to_pylist()


def test_python_whitespace_class_matches_what_re_s_matches() -> None:
    """The RE2 class the email check runs in Arrow is Python's `\\s`, character for character (all of Unicode)."""
    import re

    import pyarrow as pa

    from wcsf_recon.normalize.textvec import PY_WHITESPACE, matches

    chars = [chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF]
    found = matches(pa.array(chars), PY_WHITESPACE)
    assert [c for c, f in zip(chars, found, strict=True) if f] == [c for c in chars if re.search(r"\s", c)]
    emails = pd.Series(["a\x0bb@c.com", "a\u3000b@c.com", "ab@c.com", "a\x85@c.com"], dtype="str")
    assert normalize_emails(emails)["reason"].tolist()[:2] == ["contains_space", "contains_space"]
    assert pd.isna(normalize_emails(emails)["reason"].iloc[2])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(st.sampled_from("ab Z\n\t\x0b\u3000\x85-é"), max_size=8)), max_size=30))
def test_last_word_in_arrow_is_what_pandas_extract_reads(values: list[str | None]) -> None:
    """The plan's caller-ID last word (`[a-z]+` then Python's `\\s*` to the end) read by Arrow's RE2 is the word
    pandas' `str.extract` finds with Python's `re` (a trailing newline included)."""
    from wcsf_recon.normalize import textvec as tv

    text = pd.Series(values, dtype="str")
    want = text.str.extract(r"([a-z]+)\s*$", expand=False)
    got = tv.to_series(tv.group(tv.to_arrow(text), r"(?P<w>[a-z]+)" + tv.PY_WHITESPACE + "*$", "w"), text.index)
    assert got.fillna("<none>").tolist() == want.fillna("<none>").tolist()


def test_email_domain_is_the_text_after_the_last_at_as_the_regex_reads_it() -> None:
    import pyarrow.compute as pc

    from wcsf_recon.normalize.emails import email_domain

    values = ["ann@gmail.com", "a@b@c.org", "no-at", "trailing@", "@lead.io", None, "josé@café.fr", "@", "", "x@@y"]
    text = pd.Series(values * 3, dtype="str").iloc[2:]  # an offset into the Arrow data
    regex = pc.struct_field(pc.extract_regex(text.array.__arrow_array__(), r"@(?P<d>[^@]*)$"), "d")
    expected = pd.Series(regex.to_pylist(), index=text.index, dtype="str").replace("", None)
    pd.testing.assert_series_equal(email_domain(text), expected)
