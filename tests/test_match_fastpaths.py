"""The match stage's fast paths give what the plain formulations they replace give (issue 16: outputs unchanged)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from wcsf_recon.match.arrow_text import (
    first_part,
    join,
    mapped_text,
    nulls,
    per_distinct,
    placed,
    put,
    shown_text,
    templated,
)
from wcsf_recon.match.candidates import _names_another, _score, _shown_key, key_pairs
from wcsf_recon.match.cluster import NameKeys, _disagreeing, phone_names
from wcsf_recon.match.codes import first_of_each, stable_order, tuple_codes
from wcsf_recon.match.email_typos import provider_typos_read
from wcsf_recon.match.lead_notes import _distinct
from wcsf_recon.match.local_phones import local_phone_digits
from wcsf_recon.match.model import _squash_spaces
from wcsf_recon.match.name_codes import NameCodes
from wcsf_recon.match.new_people import _both_write_other_emails, _one_typo_apart
from wcsf_recon.match.opportunities import RULE_RANK, RULE_SCORE, _by_policy, _eligible_ids, _per_rule
from wcsf_recon.match.rules import FIRST_AGREE, FIRST_CONFLICT, LAST_AGREE, SCORES
from wcsf_recon.normalize.names import (
    first_name_score,
    first_name_scores,
    first_names_strictly_agree,
    last_name_score,
    last_name_scores,
)
from wcsf_recon.tables.frames import among, isin


def test_space_squashing_equals_the_python_regex_on_every_kind_of_space() -> None:
    values = ["a  b", "x\u00a0y", "plain text", " lead", "tab\there", None, "", "é  e", "a\x1cb", "a\u2003b", "n\nl"]
    text = pd.Series(values * 3, dtype="str")
    want = text.str.replace(r"\s+", " ", regex=True)
    pd.testing.assert_series_equal(_squash_spaces(text), want)
    assert _squash_spaces(text).tolist()[:4] == ["a b", "x y", "plain text", " lead"]
    plain = pd.Series(["main st", "springfield", None], dtype="str")
    pd.testing.assert_series_equal(_squash_spaces(plain), plain.str.replace(r"\s+", " ", regex=True))


def test_first_part_equals_split_once_per_value() -> None:
    values = ["email a = Lead 1; names agree", "x", None, "email a = Lead 1; names agree", "; y", "a; b; c", ""]
    want = [v.split("; ", 1)[0] if v is not None else None for v in values]
    got = first_part(pa.array(values, type=pa.large_string()))
    assert got.to_pylist() == want
    assert want[:2] == ["email a = Lead 1", "x"]


def test_arrow_join_is_missing_where_a_part_is_missing_as_in_pandas() -> None:
    a = pd.Series(["x", None, "z"], dtype=object)
    b = pd.Series(["1", "2", np.nan], dtype=object)
    want = ("p " + a + "-" + b).tolist()
    got = join(
        "p ",
        pa.array(a, type=pa.large_string(), from_pandas=True),
        "-",
        pa.array(b, from_pandas=True, type=pa.large_string()),
    )
    assert got.to_pylist() == ["p x-1", None, None] and pd.isna(want[1]) and pd.isna(want[2]) and want[0] == "p x-1"


def test_placed_parts_equal_a_chain_of_puts_missing_values_kept() -> None:
    base = pa.array(["a", None, "c", "d", "e", "f"], type=pa.large_string())
    first, second = np.array([4, 0]), np.array([2])
    values = pa.array(["x", None], type=pa.large_string()), pa.array(["y"], type=pa.large_string())
    in_order = np.argsort(first)
    want = put(
        put(base, np.isin(np.arange(6), first), values[0].take(pa.array(in_order))),
        np.isin(np.arange(6), second),
        values[1],
    )
    assert placed(6, [(first, values[0]), (second, values[1])], base=base).equals(want)
    assert placed(6, [(first, values[0]), (second, values[1])]).to_pylist() == [None, None, "y", None, "x", None]
    assert placed(3, []).equals(nulls(3)) and placed(6, [(np.zeros(0, np.int64), values[1])], base=base).equals(base)


def test_local_phone_digits_equal_the_regex_over_every_phone() -> None:
    raw = pd.Series(
        ["835-7854", None, "555 1234", "+1 617 555 0101", "12", "(835) 7854", ""],
        dtype="str",
        index=[5, 3, 9, 1, 0, 7, 2],
    )
    e164 = pd.Series([None, None, "+16175551234", "+16175550101", None, None, None], dtype="str", index=raw.index)
    for phones, normalized in (
        (raw, e164),
        (raw.iloc[:0], e164.iloc[:0]),
        (raw.set_axis([1] * 7), e164.set_axis([1] * 7)),
    ):
        digits = phones.astype("str").str.replace(r"\D", "", regex=True)
        want = digits.where(normalized.isna() & digits.str.len().eq(7))
        pd.testing.assert_series_equal(local_phone_digits(phones, normalized), want, check_exact=True)
    assert local_phone_digits(raw, e164)[[5, 7]].tolist() == ["8357854", "8357854"]


def test_distinct_rows_number_in_first_seen_order_missing_equal_to_missing() -> None:
    keys = pd.DataFrame(
        {
            "row": [3, 1, 3, 1, 3],
            "n_first": pd.Series(["ann", None, "ann", None, "bob"], dtype="str"),
            "city": pd.Series([None, "x", None, "x", None], dtype="str"),
        }
    )
    filled = keys.astype(object).where(keys.notna(), "\x00")
    want = filled.groupby(list(filled.columns), sort=False, dropna=False).ngroup().to_numpy()
    code, distinct = _distinct(keys)
    assert code.tolist() == want.tolist() == [0, 1, 0, 1, 2]
    pd.testing.assert_frame_equal(distinct, keys.iloc[[0, 1, 4]].reset_index(drop=True))


def test_disagreeing_keys_equal_the_pairwise_check_in_first_seen_order() -> None:
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 400, 800).astype(np.int64)
    pool = np.array(["smith", "smithe", "smiths", "smith", "jones", "smith"], dtype=object)
    values = pool[rng.integers(0, len(pool), 800)]
    codes, uniques = pd.factorize(values)
    seen: dict[int, dict[str, None]] = {}
    for k, v in zip(keys, values, strict=True):
        seen.setdefault(int(k), {})[v] = None

    def close(a: str, b: str) -> bool:
        return last_name_score(a, b) >= 0.9

    want = {k for k, v in seen.items() if not all(close(a, b) for i, a in enumerate(v) for b in list(v)[i + 1 :])}
    got = _disagreeing(keys, codes, np.asarray(uniques, dtype=object), close)
    assert set(got.tolist()) == want and len(got) == len(want) and 0 < len(want) < len(seen)
    one = np.array([1, 1, 2], dtype=np.int64)
    assert _disagreeing(one, np.array([0, 0, 1]), np.array(["a", "b"], dtype=object), close).tolist() == []


def test_name_scores_of_equal_names_need_no_call() -> None:
    a = pd.Series(["william", "bill", "smith", None, "ann", "jon"], dtype="str")
    b = pd.Series(["william", "william", "smith", "x", None, "john"], dtype="str")
    first = first_name_scores(a, b).tolist()
    last = last_name_scores(a, b).tolist()
    assert first[:3] == [1.0, first_name_score("bill", "william"), 1.0] and first[5] == first_name_score("jon", "john")
    assert last[2] == 1.0 and last[5] == last_name_score("jon", "john")
    assert np.isnan(first[3]) and np.isnan(first[4]) and np.isnan(last[3])


def test_templates_per_kind_equal_str_format_row_by_row() -> None:
    templates = {"a": "id {x} on {y}", "b": "{y}{y} and {x}!", "c": "plain"}
    kinds = pd.Series(["a", "b", "c", "a", "zz", "b", "a"])
    x = pd.Series(["1", None, "3", "4", "5", "6", "7"], dtype="str")  # missing in a text column: shown `nan`
    y = pd.Series(["p", 2, None, np.nan, "q", pd.NA, 1.5], dtype=object)  # anything else: shown as `str(v)`
    got = templated(kinds, templates, {"x": shown_text(x), "y": shown_text(y)}).to_pylist()
    want = [
        templates[k].format(x=a, y=b) if k in templates else None
        for k, a, b in zip(kinds, x.to_numpy(dtype=object), y, strict=True)
    ]
    assert got == want
    assert got[:3] == ["id 1 on p", "22 and nan!", "plain"] and got[4] is None


def _names_another_by_row(reading: tuple, other: tuple, typed: tuple) -> str:
    """The row-by-row reading `candidates._names_another` replaces (kept here as its reference)."""
    tf, tl = typed
    another = False
    for first, last in (reading, other):
        if not isinstance(first, str) or not isinstance(last, str):
            continue
        if last_name_score(last, tl) >= LAST_AGREE:
            score = first_name_score(first, tf)
            if score >= FIRST_AGREE:
                return "same"
            another |= score == 0.0 if len(first) == 1 else score < FIRST_CONFLICT
        elif first_name_score(last, tf) >= FIRST_AGREE and last_name_score(first, tl) >= LAST_AGREE:
            return "same"
    return "another" if another else "unknown"


def test_caller_ids_naming_another_equal_the_row_by_row_reading() -> None:
    rng = np.random.default_rng(16)
    firsts = ["jessica", "emily", "j", "e", "em", "emilie", "jess", "bill", "william", "vargas", None]
    lasts = ["vargas", "varga", "vargas jones", "emily", "jessica", "smith", "j", None]
    n = 3000
    pick = lambda words: pd.Series(rng.choice(np.array(words, dtype=object), n), dtype="str")  # noqa: E731
    both = pd.DataFrame(
        {
            "n_first": pick(firsts),
            "n_last": pick(lasts),
            "n_first_alt": pick(firsts),
            "n_last_alt": pick(lasts),
            "n_first_typed": pick([f for f in firsts if f and len(f) > 1]),
            "n_last_typed": pick([f for f in lasts if f]),
        }
    )
    another, same = _names_another(both, ["n_first_alt", "n_last_alt"])
    rows = both.astype(object).where(both.notna(), None).itertuples(index=False)
    want = np.array([_names_another_by_row(r[0:2], r[2:4], r[4:6]) for r in rows])
    got = np.where(same, "same", np.where(another, "another", "unknown"))
    assert (got == want).all()
    assert {"same", "another", "unknown"} <= set(want)  # every verdict is exercised
    # without the other reading's columns only the first reading counts
    another, same = _names_another(both, [])
    rows = both.astype(object).where(both.notna(), None).itertuples(index=False)
    want = np.array([_names_another_by_row(r[0:2], (None, None), r[4:6]) for r in rows])
    assert (np.where(same, "same", np.where(another, "another", "unknown")) == want).all()


def test_score_grid_equals_the_table_lookup() -> None:
    rules = pd.Series(["email", "phone", "stored_id", "nope", None, "fuzzy_email", "email"], dtype=object)
    names = pd.Series(["agree", "conflict", "unknown", "agree", "agree", None, "maybe"], dtype="str")
    table = pd.Series({(r, v): s for r, row in SCORES.items() for v, s in row.items()})
    want = table.reindex(pd.MultiIndex.from_arrays([rules, names.astype(object)])).to_numpy(dtype=float)
    got = _score(rules, names)
    np.testing.assert_array_equal(got, want)
    assert got[0] == SCORES["email"]["agree"] and np.isnan(got[3:6]).all()


def _by_policy_as_sorted_frames(cands: pd.DataFrame, person_leads: pd.DataFrame, policy: str) -> pd.DataFrame:
    """The formulation `opportunities._by_policy` replaced: a pandas sort on three columns, then drop_duplicates."""
    joined = cands.merge(person_leads, on="person_id")
    before = joined["date_created"] <= joined["opp_created"]
    joined["before"] = before
    created = joined["date_created"].astype("int64")
    late = np.iinfo(np.int64).max // 2 + created // 2
    joined["order"] = np.where(before, -created if policy == "last" else created // 2, late)
    joined = joined.assign(_id=pd.factorize(joined["Id"])[0]).sort_values(["_id", "rank", "order"])
    return joined.drop_duplicates(["Id", "rank"])


def test_credit_by_policy_equals_the_sorted_frame_formulation() -> None:
    rng = np.random.default_rng(3)
    n = 400
    day = pd.Timestamp("2026-01-01")
    ids = pd.Series(rng.choice(["006a", "006b", "006c", None, "006d"], n), dtype="str")
    cands = pd.DataFrame(
        {
            "Id": ids,
            "person_id": pd.Series(rng.choice(["003x", "003y", "00Qz", "003w"], n), dtype="str"),
            "rule": "contact_role",
            "rank": rng.integers(2, 7, n),
            "opp_created": day + pd.to_timedelta(rng.integers(0, 40, n), unit="D"),
        }
    )
    leads = pd.DataFrame(
        {
            "person_id": pd.Series(rng.choice(["003x", "003y", "00Qz", "003v"], 60), dtype="str"),
            "lead_id": pd.Series([str(1000 + i) for i in range(60)], dtype="str"),
            # equal dates on purpose: ties must keep the merge's order
            "date_created": day + pd.to_timedelta(rng.integers(0, 10, 60) * 4, unit="D"),
        }
    )
    for policy in ("first", "last"):
        want = _by_policy_as_sorted_frames(cands, leads, policy)
        got = _by_policy(cands, leads, policy)
        pd.testing.assert_frame_equal(got, want)
        assert len(got) < len(cands.merge(leads, on="person_id"))  # something was dropped: the test has teeth


def test_rule_lookup_and_one_eligible_id_set_equal_map_and_two_isins() -> None:
    rules = pd.Series(["contact_role", "converted_lead", "contact_role", "opp_stored_id"] * 5, dtype="str")
    pd.testing.assert_series_equal(_per_rule(rules, RULE_RANK), rules.map(RULE_RANK))
    pd.testing.assert_series_equal(_per_rule(rules, RULE_SCORE), rules.map(RULE_SCORE))
    odd = pd.Series(["contact_role", None, "unheard_of"], dtype="str")
    pd.testing.assert_series_equal(_per_rule(odd, RULE_RANK), odd.map(RULE_RANK))
    opp_stored = pd.Series(["1", None, "7", "3", "9"], dtype="str")
    lead_stored = pd.Series(["3", "4", None], dtype="str", index=[10, 11, 12])
    ok = pd.Series(["3", "7", "4", None], dtype="str")
    got = _eligible_ids(opp_stored, lead_stored, ok)
    assert got[0].tolist() == isin(opp_stored, ok).tolist() == [False, False, True, True, False]
    assert got[1].tolist() == isin(lead_stored, ok).tolist() == [True, True, False]


def test_text_mapping_in_arrow_equals_series_map() -> None:
    keys = pd.Series(["a", "b", None, "z", "a", "c"], dtype="str", name="lead_id", index=[5, 6, 7, 8, 9, 3])
    values = pd.array(["1", None, "3"], dtype="str")
    for labels in (["a", "b", "c"], ["a", None, "c"], ["c", "b", "a"]):
        mapping = pd.Series(values, index=pd.Index(labels, dtype="str"), name="person_id")
        pd.testing.assert_series_equal(mapped_text(keys, mapping), keys.map(mapping))
    by_missing = pd.Series(pd.array(["1", "2", "3"], dtype="str"), index=pd.Index(["a", None, "c"], dtype="str"))
    pd.testing.assert_series_equal(mapped_text(keys, by_missing), keys.map(by_missing))
    assert mapped_text(keys, by_missing)[7] == "2"  # a missing key finds the missing label, as in pandas
    mapping = pd.Series(values, index=pd.Index(["c", "b", "a"], dtype="str"))
    got = mapped_text(keys, mapping)
    assert got[5] == "3" and got[3] == "1" and pd.isna(got[6]) and pd.isna(got[8])
    repeated = pd.Series(values, index=pd.Index(["a", "a", "c"], dtype="str"))
    with pytest.raises(pd.errors.InvalidIndexError):  # as pandas: a mapping must say one thing per key
        mapped_text(keys, repeated)


def test_exact_keys_of_a_python_string_column_factorize_as_arrow_text_with_the_same_pairs() -> None:
    leads = pd.DataFrame(
        {
            "cluster": [0, 1, 2, -1, 1],
            "lead_id": pd.Series(["10", "11", "12", "13", "14"], dtype="str"),
            "n_email": pd.Series(["a@x.com", None, "c@x.com", "a@x.com", "b@x.com"], dtype="str"),
            "n_phone": pd.Series(["+1555", "+1666", None, "+1555", "+1777"], dtype="str"),
        }
    )
    people = pd.DataFrame(
        {
            "stored_id": pd.Series([None, "12", None, None], dtype="str"),
            "n_email": pd.Series(["a@x.com", None, "b@x.com", None], dtype="str"),
            "n_phone": pd.Series([None, "+1999", "+1555", None], dtype="str"),
            "n_mobile": pd.Series(["+1666", None, None, "+1777"], dtype=object),  # as normalization leaves it
        }
    )
    found = key_pairs(leads, people)
    shared = {
        kind: sorted(
            (int(c), int(r), found[kind][1][k]) for c, r, k in found[kind][0][["cluster", "row", "code"]].to_numpy()
        )
        for kind in found
    }
    assert shared == {
        "stored_id": [(2, 1, "12")],
        "email": [(0, 0, "a@x.com"), (1, 2, "b@x.com")],
        "phone": [(0, 2, "+1555"), (1, 0, "+1666"), (1, 3, "+1777")],
    }
    assert all(found[kind][1].dtype == "str" for kind in found)  # no column of Python objects on the way


def test_full_names_in_arrow_equal_the_pandas_concatenation_then_strip() -> None:
    first = pd.Series(["ann", None, "josé", "ann", "", None, "a\u00a0"], dtype="str")
    last = pd.Series(["lee", "kim", None, "o'neil", "x", None, "b"], dtype="str")
    coded = NameCodes(first, last)
    first_codes, last_codes = coded.codes
    picks = np.array([0, 1, 2, 3, 4, 5, 6, 3, 0])
    want = pd.Series(
        pd.Series(coded.text(first_codes[picks])).fillna("").to_numpy(dtype=object)
        + " "
        + pd.Series(coded.text(last_codes[picks])).fillna("").to_numpy(dtype=object)
    ).str.strip()
    got = coded.full_names(first_codes[picks], last_codes[picks])
    assert got.to_pylist() == want.tolist()
    assert got.to_pylist()[:3] == ["ann lee", "kim", "josé"] and got.to_pylist()[5] == ""


def test_strict_agreement_over_codes_equals_the_pairwise_call() -> None:
    a = pd.Series(["bill", "dana", "kate", "eliz", "mark", "bill", None, "ann"], dtype="str")
    b = pd.Series(["william", "diana", "catherine", "beth", "mary", "william", "ann", "ann"], dtype="str")
    coded = NameCodes(a, b)
    got = coded.strictly_agree(*coded.codes)
    want = [
        isinstance(x, str) and isinstance(y, str) and first_names_strictly_agree(x, y)
        for x, y in zip(a, b, strict=True)
    ]
    assert got.tolist() == want
    assert want == [True, False, True, True, False, True, False, True]


def test_tuple_codes_number_distinct_tuples_in_first_seen_order_even_past_int64() -> None:
    rng = np.random.default_rng(3)
    columns = [rng.integers(0, size, 500) for size in (7, 2**40, 3, 2**30, 5)]  # packed would overflow twice
    got = tuple_codes(*columns)
    want = pd.factorize(pd.Series(list(zip(*columns, strict=True))))[0]
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(tuple_codes(np.array([4, 1, 4]), np.array([0, 2, 0])), [0, 1, 0])


def _typo_apart(a: str, b: str) -> bool:
    """One changed character, or one swap of neighbours, by brute force."""
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    i = diff[0]
    return len(diff) == 1 or (len(diff) == 2 and diff[1] == i + 1 and (a[i], a[i + 1]) == (b[i + 1], b[i]))


def _pairs_one_typo_apart(postal: list[str], group: list[int]) -> set[tuple[int, int]]:
    """`_one_typo_apart`'s pairs of units, checked against the pairwise test within each group."""
    units = pd.DataFrame({"cluster": np.arange(len(postal)), "group": group, "postal": postal})
    ra, rb = _one_typo_apart(units)
    got = set(zip(ra.tolist(), rb.tolist(), strict=True))
    want = {
        (i, j)
        for i in range(len(postal))
        for j in range(len(postal))
        if group[i] == group[j] and _typo_apart(postal[i], postal[j])
    }
    assert got == want
    return got


def test_postal_codes_one_typo_apart_equal_the_pairwise_check_within_a_group() -> None:
    postal = ["37275", "37257", "37275", "37285", "3727", "M5V1AB", "M5V1BA", "37275", "73275", "37572", "3728"]
    group = [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]
    got = _pairs_one_typo_apart(postal, group)
    assert (0, 1) in got and (1, 0) in got and (5, 6) in got and (4, 10) in got  # swap, swap, one changed
    assert not any(7 in pair for pair in got) and (0, 2) not in got and (0, 9) not in got


def test_long_postal_codes_one_typo_apart_equal_the_pairwise_check() -> None:
    """Codes too long to pack into one integer (14 characters of a 26-letter alphabet) take the numbered path."""
    rng = np.random.default_rng(7)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    base = ["".join(rng.choice(letters, 14)) for _ in range(6)]
    postal = list(base)
    for code in base:
        i = int(rng.integers(0, 13))
        postal.append(code[:i] + ("A" if code[i] != "A" else "B") + code[i + 1 :])  # one changed
        postal.append(code[:i] + code[i + 1] + code[i] + code[i + 2 :])  # one swap (or the same code)
    group = [k % 2 for k in range(len(postal))]
    assert _pairs_one_typo_apart(postal, group)  # equal to the pairwise check, and not empty


def test_clusters_writing_other_emails_equal_the_set_check_per_pair() -> None:
    rng = np.random.default_rng(3)
    for _ in range(100):
        n = int(rng.integers(1, 60))
        codes = rng.integers(-1, 15, n)
        emails = pd.Series(rng.choice(np.array(["a@x", "b@x", "c@x", "d@x", None], dtype=object), n), dtype="str")
        pairs = pd.DataFrame({"cluster_a": rng.integers(0, 15, 20), "cluster_b": rng.integers(0, 15, 20)})
        sets = {c: set(emails[codes == c].dropna()) for c in range(15)}
        want = [bool(sets[a]) and bool(sets[b]) and not sets[a] & sets[b] for a, b in pairs.itertuples(index=False)]
        got = _both_write_other_emails(pd.DataFrame({"n_email": emails}), codes, pairs)
        assert got.tolist() == want


def test_provider_typos_are_read_only_where_mistyped_the_rest_as_given() -> None:
    emails = pd.Series(
        ["ann.lee@gmail.con", "ann.lee@gmail.com", None, "jo@gmial.com", "bob.ray@gmx.com", "kim.wu@hotmial.com"],
        dtype="str",
        index=[10, 11, 12, 13, 14, 15],
    )
    got = provider_typos_read(emails)
    want = ["ann.lee@gmail.com", "ann.lee@gmail.com", None, "jo@gmial.com", "bob.ray@gmx.com", "kim.wu@hotmail.com"]
    assert got.isna().tolist() == [w is None for w in want]
    assert got.dropna().tolist() == [w for w in want if w is not None]
    assert got.dtype == emails.dtype and got.index.equals(emails.index) and emails[10] == "ann.lee@gmail.con"


def test_distinct_names_on_a_key_equal_drop_duplicates_in_first_seen_order() -> None:
    leads = pd.DataFrame(
        {
            "n_phone": ["+1555", "+1555", "+1666", None, "+1555", "+1777"],
            "n_first": ["ann", "ann", "bob", "cy", "dan", None],
            "n_last": ["lee", "lee", None, "wu", "lee", "ray"],
            "spam": [False, False, False, False, True, False],
        },
    ).astype({"n_phone": "str", "n_first": "str", "n_last": "str"})
    people = pd.DataFrame(
        {
            "n_phone": ["+1555", "+1666", "+1888"],
            "n_mobile": ["+1666", None, "+1555"],
            "n_first": ["ann", "bob", "eve"],
            "n_last": ["lee", "ray", None],
        }
    ).astype("str")
    got = phone_names(leads, people)
    assert phone_names(leads, people, NameKeys(leads, people)).equals(got)
    rows = [
        (k, f, la)
        for k, f, la, s in zip(leads["n_phone"], leads["n_first"], leads["n_last"], leads["spam"], strict=True)
        if not s
    ]
    rows += [
        (k, f, la)
        for col in ("n_phone", "n_mobile")
        for k, f, la in zip(people[col], people["n_first"], people["n_last"], strict=True)
    ]
    rows = [r for r in rows if isinstance(r[0], str) and isinstance(r[1], str)]
    want = pd.DataFrame(rows, columns=["key", "first", "last"]).drop_duplicates().reset_index(drop=True)
    assert [tuple(r) for r in got.astype(object).where(got.notna(), None).to_numpy()] == [
        tuple(None if not isinstance(v, str) else v for v in r) for r in want.to_numpy()
    ]
    assert len(got) == 6 and got["key"].tolist()[:3] == ["+1555", "+1666", "+1666"]


def test_shown_key_equals_the_rule_by_rule_choice_of_key_text() -> None:
    uniques = {
        "stored_id": pd.Series(["wc-1", "wc-2"], dtype="str"),
        "email": pd.Series(["a@b.com", "c@d.org"], dtype="str"),
        "phone": pd.Series(["+15550001", "+15550002"], dtype="str"),
    }
    rule = np.array(["stored_id", "email_phone", "email", "phone", "shared_email", "shared_phone", "phone"])
    codes = {
        "stored_id": np.array([1, -1, -1, -1, -1, -1, -1]),
        "email": np.array([0, 1, 0, -1, 1, -1, 0]),
        "phone": np.array([-1, 0, -1, 1, 0, 1, -1]),
    }
    got = _shown_key(rule, {k: (uniques[k], codes[k]) for k in codes}).to_pylist()
    assert got == ["wc-2", "c@d.org and phone +15550001", "a@b.com", "+15550002", "c@d.org", "+15550002", None]


def test_integer_membership_equals_np_isin_for_sparse_and_dense_codes() -> None:
    rng = np.random.default_rng(5)
    dense = rng.integers(0, 1000, 5000)  # the lookup-table path
    np.testing.assert_array_equal(among(dense, dense[:300] + 500), np.isin(dense, dense[:300] + 500))
    values = rng.integers(-3, 2**40, 5000)
    wanted = np.concatenate([rng.choice(values, 300), rng.integers(0, 2**40, 300)])
    np.testing.assert_array_equal(among(values, wanted), np.isin(values, wanted))
    assert among(np.array([4, 1, 4, 7]), pd.Index([4, 9])).tolist() == [True, False, True, False]
    assert not among(np.array([1, 2]), np.array([], dtype=np.int64)).any()
    assert among(np.array([1.0, 2.0, 7.0]), np.array([2, 7])).tolist() == [False, True, True]  # codes as floats


def test_first_of_each_code_equals_np_unique_for_codes_in_first_seen_order() -> None:
    rng = np.random.default_rng(11)
    codes = tuple_codes(rng.integers(0, 40, 3000), rng.integers(0, 3, 3000))
    np.testing.assert_array_equal(first_of_each(codes), np.unique(codes, return_index=True)[1])
    assert first_of_each(np.array([0, 0, 1, 0, 2, 1])).tolist() == [0, 2, 4]
    assert first_of_each(np.array([], dtype=np.int64)).tolist() == []


@pytest.mark.parametrize(
    "values",
    [
        pd.Series([" Houston ", "houston", None, "AUSTIN", " Houston "], dtype="str", index=[5, 3, 9, 1, 0]),
        pd.Series([None, None], dtype="str"),
        pd.Series([], dtype="str"),
        pd.Series(["A b", None], dtype=object),
    ],
)
def test_per_distinct_equals_the_function_over_every_row(values: pd.Series) -> None:
    fold = lambda v: v.str.lower().str.strip()  # noqa: E731
    pd.testing.assert_series_equal(per_distinct(values, fold), fold(values))


@pytest.mark.parametrize("high", [1, 7, 2**16, 2**16 + 3, 2**40, 2**62])
def test_stable_order_is_the_stable_argsort(high: int) -> None:
    rng = np.random.default_rng(high % 1000)
    for values in (rng.integers(0, high, 5000), rng.integers(0, high, 5000).astype(np.uint64), np.zeros(0, dtype=int)):
        assert np.array_equal(stable_order(values), np.argsort(values, kind="stable"))
    signed = rng.integers(-high, high, 500)  # negative: argsorted as it is
    assert np.array_equal(stable_order(signed), np.argsort(signed, kind="stable"))
