"""Phone numbers to E.164, vectorized, with the same answers as phonenumbers' parse + is_valid.

Work is done once per distinct (text, region) pair. North American and UK numbers written in
the usual ways (`+17045550142`, `(704) 555-0142`, `1-704-555-0142`, `704.555.0142 x12`,
`020 7946 0958`) take a fast path: pyarrow regexes extract the national number and test it
against phonenumbers' own metadata patterns, emulating its region choice within a country
code. Everything else goes through phonenumbers itself, so unusual input costs speed, never
correctness. `tests/test_phones_agreement.py` checks the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import NumberParseException, PhoneMetadata, ValidationResult
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from . import textvec as tv
from .regions import resolve_regions

# Fast path: text made only of digits and separators (optionally a leading +, optionally an
# extension), read as country code 1 or 44 the way phonenumbers reads it.
_SHAPE = r"(?i)^\+?[\d .\-()]+(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?$"
_EXT_TAIL = r"(?i)\s*(?:x|ext\.?|extension)\s*\d{1,6}$"
_NATIONAL = {  # region -> (country code, national-digit regex, digits to drop)
    "US": (1, r"^1?[2-9]\d{9}$"),
    "CA": (1, r"^1?[2-9]\d{9}$"),
    "GB": (44, r"^0[1-9]\d{9}$"),
}
_INTERNATIONAL = {1: r"^1[2-9]\d{9}$", 44: r"^44[1-9]\d{9}$"}

_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "invalid_country_code",
    NumberParseException.NOT_A_NUMBER: "not_a_number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too_short",
    NumberParseException.TOO_SHORT_NSN: "too_short",
    NumberParseException.TOO_LONG: "too_long",
}
_POSSIBLE_REASONS = {
    ValidationResult.TOO_SHORT: "too_short",
    ValidationResult.TOO_LONG: "too_long",
    ValidationResult.INVALID_COUNTRY_CODE: "invalid_country_code",
    ValidationResult.INVALID_LENGTH: "invalid_length",
}
_TYPE_DESCS = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


@dataclass(frozen=True)
class _RegionRule:
    """phonenumbers' validity test for one region, as regexes pyarrow can run over arrays."""

    leading: str | None
    general: tuple[tuple[int, ...], str]
    types: tuple[tuple[tuple[int, ...], str], ...]  # (lengths, alternation of patterns)


def _desc_rule(desc) -> tuple[tuple[int, ...], str]:
    return tuple(desc.possible_length), f"^(?:{desc.national_number_pattern})$"


@lru_cache(maxsize=8)
def _rules_for(country_code: int) -> tuple[_RegionRule, ...]:
    rules = []
    for region in COUNTRY_CODE_TO_REGION_CODE[country_code]:
        md = PhoneMetadata.metadata_for_region(region)
        if md is None or md.general_desc is None or not md.general_desc.national_number_pattern:
            continue
        grouped: dict[tuple[int, ...], list[str]] = {}
        for name in _TYPE_DESCS:
            desc = getattr(md, name)
            if desc is not None and desc.national_number_pattern:
                grouped.setdefault(tuple(desc.possible_length), []).append(f"(?:{desc.national_number_pattern})")
        rules.append(
            _RegionRule(
                leading=f"^(?:{md.leading_digits})" if md.leading_digits else None,
                general=_desc_rule(md.general_desc),
                types=tuple((lengths, "^(?:" + "|".join(p) + ")$") for lengths, p in grouped.items()),
            )
        )
    return tuple(rules)


def _matches(arr: pa.Array, lengths: np.ndarray, rule: tuple[tuple[int, ...], str]) -> np.ndarray:
    possible, pattern = rule
    ok = np.isin(lengths, possible) if possible and possible != (-1,) else np.ones(len(arr), dtype=bool)
    if possible == (-1,):
        return np.zeros(len(arr), dtype=bool)
    return ok & pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False)


def national_numbers_valid(country_code: int, national: pa.Array) -> np.ndarray:
    """Is each national significant number valid for `country_code`, as phonenumbers decides it.

    phonenumbers picks the first of the country code's regions whose leading digits match (or,
    for a region without leading digits, whose number types match) and then requires the
    number to be of a known type in that region. Single-region codes skip the choice.
    """
    n = len(national)
    lengths = pc.utf8_length(national).to_numpy(zero_copy_only=False)
    valid = np.zeros(n, dtype=bool)
    undecided = np.ones(n, dtype=bool)
    rules = _rules_for(country_code)
    for rule in rules:
        idx = np.flatnonzero(undecided)
        if not len(idx):
            break
        sub, sub_len = national.take(pa.array(idx)), lengths[idx]
        type_ok = _matches(sub, sub_len, rule.general)
        if type_ok.any():
            any_type = np.zeros(len(idx), dtype=bool)
            for type_rule in rule.types:
                any_type |= _matches(sub, sub_len, type_rule)
            type_ok &= any_type
        if len(rules) == 1:
            chosen = np.ones(len(idx), dtype=bool)
        elif rule.leading is not None:
            chosen = pc.match_substring_regex(sub, rule.leading).to_numpy(zero_copy_only=False)
        else:
            chosen = type_ok
        valid[idx[chosen]] = type_ok[chosen]
        undecided[idx[chosen]] = False
    return valid


def _fast_split(texts: pa.Array, regions: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
    """Country code and national number for values the fast path can read; cc 0 elsewhere."""
    n = len(texts)
    cc = np.zeros(n, dtype=np.int64)
    national = np.full(n, None, dtype=object)
    shaped = pc.match_substring_regex(texts, _SHAPE).to_numpy(zero_copy_only=False)
    digits = pc.replace_substring_regex(pc.replace_substring_regex(texts, _EXT_TAIL, ""), r"[^\d+]", "")
    plus = pc.starts_with(digits, "+").to_numpy(zero_copy_only=False)
    bare = pc.replace_substring(digits, "+", "")
    for code, pattern in _INTERNATIONAL.items():
        hit = shaped & plus & pc.match_substring_regex(bare, pattern).to_numpy(zero_copy_only=False)
        cc[hit] = code
        national[hit] = pc.utf8_slice_codeunits(bare.filter(pa.array(hit)), len(str(code))).to_numpy(
            zero_copy_only=False
        )
    for region, (code, pattern) in _NATIONAL.items():
        hit = (
            shaped
            & ~plus
            & (regions == region)
            & pc.match_substring_regex(bare, pattern).to_numpy(zero_copy_only=False)
        )
        cc[hit] = code
        national[hit] = pc.utf8_slice_codeunits(bare.filter(pa.array(hit)), -10).to_numpy(zero_copy_only=False)
    return cc, national, []


def _slow_one(text: str, region: str) -> tuple[str | None, str | None]:
    try:
        num = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        return None, _PARSE_REASONS.get(exc.error_type, "not_a_number")
    if phonenumbers.is_valid_number(num):
        return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164), None
    possible = phonenumbers.is_possible_number_with_reason(num)
    return None, _POSSIBLE_REASONS.get(possible, "invalid_number")


def _normalize_unique(texts: np.ndarray, regions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """E.164 and reason arrays for distinct (text, region) pairs."""
    n = len(texts)
    e164 = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)
    cc, national, _ = _fast_split(pa.array(texts, type=pa.string()), regions)
    for code in np.unique(cc[cc > 0]):
        idx = np.flatnonzero(cc == code)
        ok = national_numbers_valid(int(code), pa.array(national[idx], type=pa.string()))
        e164[idx[ok]] = np.char.add(f"+{code}", national[idx[ok]].astype(str)).astype(object)
        reason[idx[~ok]] = "invalid_number"
    for i in np.flatnonzero(cc == 0):
        e164[i], reason[i] = _slow_one(texts[i], regions[i])
    return e164, reason


def normalize_phones(
    values: pd.Series,
    countries: pd.Series | None = None,
    default_region: str = "US",
) -> pd.DataFrame:
    """Phones -> DataFrame(e164, reason) on the same index.

    `countries` holds each record's own country (name or ISO code); rows without a usable
    one are read in `default_region`. Extensions are dropped. Invalid or unparseable numbers
    give e164 = null and a reason (`too_short`, `too_long`, `not_a_number`,
    `invalid_country_code`, `invalid_length`, `invalid_number`); missing input gives nulls.
    """
    text = values.astype("str").str.strip()
    text = text.where(text != "", None)
    regions = resolve_regions(countries, default_region, values.index)
    # International numbers do not depend on the region: share their cache entry.
    key_region = regions.where(~text.str.startswith("+", na=False), default_region)
    t_codes, t_uniques = pd.factorize(text)
    r_codes, r_uniques = pd.factorize(key_region)
    pair_codes, pairs = pd.factorize(t_codes.astype(np.int64) * (len(r_uniques) + 1) + r_codes)
    pair_codes[t_codes < 0] = -1
    keep = pairs // (len(r_uniques) + 1) >= 0
    e164 = reason = pa.nulls(len(values), pa.string())
    if keep.any():
        u_text = np.asarray(t_uniques, dtype=object)[np.maximum(pairs // (len(r_uniques) + 1), 0)]
        u_region = np.asarray(r_uniques, dtype=object)[pairs % (len(r_uniques) + 1)]
        u_e164, u_reason = _normalize_unique(u_text, u_region)
        # spread to the rows in Arrow: a million-row object array made a Python string per row twice over
        at = pa.array(pair_codes, mask=pair_codes < 0)
        e164 = pa.array(u_e164, type=pa.string()).take(at)
        reason = pa.array(u_reason, type=pa.string()).take(at)
    return pd.DataFrame({"e164": tv.as_series(e164, values.index), "reason": tv.as_series(reason, values.index)})


def reference_e164(text: str | None, region: str) -> str | None:
    """phonenumbers' own answer for one value: E.164 when valid, else None (for tests)."""
    if text is None or not str(text).strip():
        return None
    return _slow_one(str(text).strip(), region)[0]
