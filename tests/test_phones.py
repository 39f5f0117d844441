"""Phone normalization: agreement with phonenumbers, formats, reasons, properties."""

from __future__ import annotations

import pandas as pd
import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from wcsf_recon.normalize import normalize_phones
from wcsf_recon.normalize.phones import reference_e164
from wcsf_recon.synth.corpus import phone_corpus


def test_agrees_with_phonenumbers_on_40k_corpus() -> None:
    # 40,000 mixed formats and regions (was 100,000: the reference loop alone took 35-50 s of the CI budget)
    corpus = phone_corpus(40_000, seed=31337)  # not the benchmark's seed
    ours = normalize_phones(corpus["text"], corpus["region"])["e164"]
    reference = [reference_e164(t, r) for t, r in zip(corpus["text"], corpus["region"], strict=True)]
    ours_list = [v if isinstance(v, str) else None for v in ours]
    mismatches = [
        (t, r, o, e)
        for t, r, o, e in zip(corpus["text"], corpus["region"], ours_list, reference, strict=True)
        if o != e
    ]
    assert not mismatches, mismatches[:10]
    assert sum(v is not None for v in reference) > 36_000  # the corpus is mostly valid numbers


def test_rep_formats_and_regions() -> None:
    values = pd.Series(
        [
            "(704) 555-0142",
            "704.555.0142 x12",
            "+1 704 555 0142",
            "1-704-555-0142",
            "020 7946 0958",
            "(416) 555-0199",
            "7045550142 ext. 7",
        ]
    )
    countries = pd.Series(["US", "USA", None, "United States", "United Kingdom", "Canada", "US"])
    out = normalize_phones(values, countries)
    assert out["e164"].tolist() == ["+17045550142"] * 4 + ["+442079460958", "+14165550199", "+17045550142"]
    assert out["reason"].isna().all()


def test_invalid_numbers_keep_a_reason() -> None:
    out = normalize_phones(pd.Series(["12", "call me", "(123) 456-7890", "+999 12345678", None, " "]))
    assert out["e164"].isna().all()
    assert out["reason"].tolist()[:4] == ["too_short", "not_a_number", "invalid_number", "invalid_country_code"]
    assert out["reason"].iloc[4:].isna().all()  # missing is not invalid


def test_default_region_applies_without_country() -> None:
    out = normalize_phones(pd.Series(["020 7946 0958"]), None, default_region="GB")
    assert out["e164"].tolist() == ["+442079460958"]


_us_numbers = st.builds(
    lambda a, b, c: f"{a}{b:03d}{c:04d}",
    st.sampled_from(["704", "212", "415", "312", "512", "617", "206"]),
    st.integers(200, 999),
    st.integers(0, 9999),
)


@settings(max_examples=300, deadline=None)
@given(
    _us_numbers,
    st.sampled_from(
        [
            "({a}) {b}-{c}",
            "{a}.{b}.{c}",
            "+1 {a} {b} {c}",
            "1-{a}-{b}-{c}",
            "{a}{b}{c}",
            "{a}-{b}-{c} x42",
            "+1{a}{b}{c}",
        ]
    ),
)
def test_format_does_not_change_the_answer(digits: str, template: str) -> None:
    text = template.format(a=digits[:3], b=digits[3:6], c=digits[6:])
    ours = normalize_phones(pd.Series([text, "+1" + digits]))["e164"].tolist()
    assert ours[0] == ours[1]
    expected = reference_e164("+1" + digits, "US")
    assert (ours[0] if isinstance(ours[0], str) else None) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789 +-().xet", max_size=22), st.sampled_from(["US", "CA", "GB", "DE"]))
def test_any_text_agrees_with_phonenumbers_and_is_a_fixed_point(text: str, region: str) -> None:
    out = normalize_phones(pd.Series([text]), pd.Series([region]))
    value = out["e164"].iloc[0]
    value = value if isinstance(value, str) else None
    assert value == reference_e164(text, region)
    if value is not None:
        assert phonenumbers.is_valid_number(phonenumbers.parse(value))
        again = normalize_phones(pd.Series([value]), pd.Series(["DE"]))["e164"].iloc[0]
        assert again == value
