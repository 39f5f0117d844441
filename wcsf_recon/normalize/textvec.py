"""Vectorized text helpers (pyarrow kernels) for name normalization; Python only for the rare hard cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from unidecode import unidecode


def to_arrow(values: pd.Series) -> pa.Array:
    """A pyarrow string array of the values (nulls kept)."""
    return pa.array(values.astype("str").to_numpy(dtype=object, na_value=None), type=pa.string())


def to_series(arr: pa.Array, index: pd.Index) -> pd.Series:
    """A pandas `str` Series; empty strings become null."""
    out = pd.Series(arr.to_numpy(zero_copy_only=False), index=index, dtype="str")
    return out.where(out != "", None).astype("str")


def ascii_fold(arr: pa.Array) -> pa.Array:
    """Transliterate the non-ASCII values with unidecode; ASCII values are left as they are."""
    is_ascii = pc.fill_null(pc.string_is_ascii(arr), True).to_numpy(zero_copy_only=False)
    if is_ascii.all():
        return arr
    values = arr.to_numpy(zero_copy_only=False).copy()
    idx = np.flatnonzero(~is_ascii)
    values[idx] = [unidecode(v) for v in values[idx]]
    return pa.array(values, type=pa.string())


def fold(arr: pa.Array) -> pa.Array:
    """Lower-case ASCII letters and single spaces: `José O'Brien-Díaz` -> `jose obrien diaz`."""
    text = pc.utf8_lower(ascii_fold(arr))
    text = pc.replace_substring(text, "'", "")
    text = pc.replace_substring_regex(text, "[^a-z]+", " ")
    return pc.utf8_trim_whitespace(text)


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
