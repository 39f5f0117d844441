"""Vectorized text helpers (pyarrow kernels) for name normalization; Python only for the rare hard cases."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from unidecode import unidecode

from ..tables.arrow_bytes import byte_table, edge_bytes, own_arrow, rows_holding

_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default `str`


def to_arrow(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The values as pyarrow strings (nulls kept), without a copy when they already are."""
    if values.dtype == "str" and hasattr(values.array, "__arrow_array__"):
        arr = values.array.__arrow_array__()
        return arr.cast(pa.string()) if arr.type != pa.string() else arr
    return pa.array(values.astype("str").to_numpy(dtype=object, na_value=None), type=pa.string())


def to_series(arr: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """A pandas `str` Series built on the arrow data; empty strings become null."""
    return as_series(pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr), index)


def as_series(arr: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """A pandas `str` Series on the Arrow strings as they are (nulls missing, empty strings kept), no copy."""
    chunked = arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])
    return pd.Series(_STR.__from_arrow__(chunked), index=index)


def ascii_fold(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Transliterate the non-ASCII values with unidecode; ASCII values are left as they are."""
    is_ascii = pc.fill_null(pc.string_is_ascii(arr), True)
    if pc.all(is_ascii).as_py():
        return arr
    mask = pc.invert(is_ascii)
    odd = pc.filter(arr, mask).to_pylist()
    replaced = pa.array([unidecode(v) for v in odd], type=pa.string())
    return pc.replace_with_mask(
        arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr,
        mask.combine_chunks() if isinstance(mask, pa.ChunkedArray) else mask,
        replaced,
    )


def fold(arr: pa.Array) -> pa.Array:
    """Lower-case ASCII letters and single spaces: `José O'Brien-Díaz` -> `jose obrien diaz`."""
    text = pc.utf8_lower(ascii_fold(arr))
    if isinstance(text, pa.ChunkedArray):
        return pa.chunked_array([_letters_and_spaces(c) for c in text.chunks], text.type)
    return _letters_and_spaces(text)


_NOT_LETTER_OR_SPACE = ~byte_table("abcdefghijklmnopqrstuvwxyz ")
_SPACE_BYTE = ord(" ")


def _letters_and_spaces(text: pa.Array) -> pa.Array:
    """`'` removed, other runs of non-letters as one space, trimmed: only values not already so are rewritten.

    A value of letters and single inner spaces alone (most names) is what the kernels would make of it.
    """
    first, last, nonempty = edge_bytes(text)
    odd = rows_holding(text, _NOT_LETTER_OR_SPACE) | (nonempty & ((first == _SPACE_BYTE) | (last == _SPACE_BYTE)))
    odd |= pc.fill_null(pc.match_substring(text, "  "), False).to_numpy(zero_copy_only=False)
    if not odd.any():
        return text
    rest = text.filter(pa.array(odd))
    rest = pc.replace_substring(rest, "'", "")
    rest = pc.utf8_trim_whitespace(pc.replace_substring_regex(rest, "[^a-z]+", " "))
    return pc.replace_with_mask(text, pa.array(odd), rest.cast(text.type))


def word_regex(words: frozenset[str]) -> str:
    """A regex finding any of `words` as a whole word in folded text."""
    return r"(?:^| )(?:" + "|".join(sorted(words)) + r")(?: |$)"


def group(arr: pa.Array, pattern: str, name: str) -> pa.Array:
    """The named group of a regex per value (null where it does not match)."""
    matched = pc.extract_regex(arr, pattern)
    return pc.struct_field(matched, name)


def matches(arr: pa.Array, pattern: str) -> np.ndarray:
    """Does each value contain a match of `pattern` (False for nulls)."""
    return pc.fill_null(pc.match_substring_regex(arr, pattern), False).to_numpy(zero_copy_only=False)


# Characters that change no name, email, phone or place: Unicode Cc (controls) and Cf (format: bidi
# overrides and isolates, zero-width spaces and joiners, the BOM, soft hyphens). The Cf ranges are
# those of Unicode 14-15 (tests/test_invisible_text.py checks them against `unicodedata`). The
# classes hold literal characters and `\xhh` escapes only, so pyarrow's RE2 and Python's `re` read
# them alike and `.str.replace` stays a pyarrow kernel (a compiled pattern would fall back to Python).
_CF = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
SPACING_CONTROLS = re.compile(r"[\x09-\x0d\x1c-\x1f\x85]+")  # controls that separate words: a space
INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f" + _CF + "]+")  # the rest: nothing
UNSENDABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]+")  # the controls XML 1.0 cannot hold (all but \t \n \r)


# Python's `\s` (Unicode whitespace: `str.isspace`, all of it below U+3001) spelled for RE2, whose own `\s` is
# ASCII and misses `\x0b`: pandas runs a `\s` pattern through Python's `re`, one value at a time
PY_WHITESPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(0x10000)) if c.isspace()) + "]"


_NOT_PRINTABLE_ASCII = byte_table(bytes([*range(0x20), *range(0x7F, 0x100)]))  # controls and non-ASCII bytes


def visible_text(values: pd.Series) -> pd.Series:
    """Text as matching reads it: controls that separate words become a space, other controls and
    format characters (bidi, zero-width) vanish, so `Jo\\u200bhn\\x00` and `John\\r\\n` are `John`."""
    if values.dtype != "str" and values.dtype != object:
        return values
    text = values.astype("str")
    # printable ASCII (almost every value) holds nothing to remove: only the others go through the regexes;
    # which values those are is read from the column's own bytes (no copy)
    own = own_arrow(text)
    chunks = [] if own is None else own.chunks
    odd_rows = np.concatenate([rows_holding(c, _NOT_PRINTABLE_ASCII) for c in chunks]) if chunks else None
    if odd_rows is not None and not odd_rows.any():
        return text
    arr = to_arrow(text)
    flat = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if odd_rows is None:
        odd_rows = rows_holding(flat, _NOT_PRINTABLE_ASCII)
        if not odd_rows.any():
            return text
    odd = pa.array(odd_rows)
    subset = pd.Series(_STR.__from_arrow__(pa.chunked_array([pc.filter(flat, odd)])))
    cleaned = subset.str.replace(SPACING_CONTROLS.pattern, " ", regex=True).str.replace(
        INVISIBLE.pattern, "", regex=True
    )
    replaced = pc.replace_with_mask(
        flat, odd, to_arrow(cleaned).combine_chunks() if len(cleaned) else pa.array([], pa.string())
    )
    return pd.Series(_STR.__from_arrow__(pa.chunked_array([replaced])), index=text.index)


def visible_field(values: pd.Series) -> pd.Series:
    """`visible_text`, trimmed, with a value that held nothing visible as null (a place field as matched)."""
    if values.dtype != "str" and values.dtype != object:
        return values
    text = visible_text(values).str.strip()
    return text.mask(text == "")


def counts_of(values: pd.Series, counts: pd.Series) -> np.ndarray:
    """`values.map(counts).fillna(0)` as a float array, for `counts` indexed by text (a `value_counts`).

    One hash lookup per row in Arrow (`index_in`): pandas' `map` of an Arrow `str` column makes a Python
    string of every row first, seconds at a million rows. Missing values and values not counted give 0.
    """
    table = np.append(counts.to_numpy(dtype=float), 0.0)
    if not len(counts):
        return np.zeros(len(values), dtype=float)
    keys = to_arrow(pd.Series(counts.index, dtype="str"))
    keys = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    at = pc.fill_null(pc.index_in(to_arrow(values), value_set=keys), -1).to_numpy(zero_copy_only=False)
    return table[at]
