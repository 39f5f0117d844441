"""Vectorized text helpers (pyarrow kernels) for name normalization; Python only for the rare hard cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from unidecode import unidecode

_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default `str`


def to_arrow(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The values as pyarrow strings (nulls kept), without a copy when they already are."""
    if values.dtype == "str" and hasattr(values.array, "__arrow_array__"):
        arr = values.array.__arrow_array__()
        return arr.cast(pa.string()) if arr.type != pa.string() else arr
    return pa.array(values.astype("str").to_numpy(dtype=object, na_value=None), type=pa.string())


def to_series(arr: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """A pandas `str` Series built on the arrow data; empty strings become null."""
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
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
