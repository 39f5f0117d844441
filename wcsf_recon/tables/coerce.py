"""Parse a table's text columns into their types once, on load, naming the first bad row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from .arrow_bytes import byte_table, edge_bytes, made_of, own_arrow, rows_holding, valid_rows
from .schema import Kind, TableSpec
from .sfid import widen_ids

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
# 178849242.0 (a Number(18,0) field read back) or 1.78849242E8 (Excel) -> 178849242
_FLOAT_ID = r"^\d+\.0*$"
_SCI_ID = r"^\d(?:\.\d+)?[eE]\+?\d{1,2}$"
# WhatConverts lead, account and profile ids are integers; Salesforce ids are 15 or 18 characters of
# [0-9A-Za-z]. Both end up in URL paths, so nothing else is let in.
_WC_ID = r"^\d{1,19}$"
_SF_ID = r"^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$"
_INT_LIMIT = 2.0**63  # Int64 columns hold |x| < 2**63


_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default `str`


def _from_arrow(arr: pa.ChunkedArray, index: pd.Index) -> pd.Series:
    return pd.Series(_STR.__from_arrow__(arr), index=index, copy=False)


# a byte that may begin or end whitespace `utf8_trim_whitespace` removes: ASCII space and controls, any
# byte of a non-ASCII character (Unicode spaces are multi-byte); a value without one at either end is trimmed
_MAYBE_SPACE = byte_table(bytes(range(0x21))) | byte_table(bytes(range(0x7F, 0x100)))
_DIGITS = byte_table("0123456789")
_ALNUM = byte_table("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _trimmed_chunk(chunk: pa.Array) -> pa.Array:
    """Trim and empty-as-null one chunk; only values whose edge bytes could be whitespace (or are empty) change."""
    first, last, _ = edge_bytes(chunk)
    # an empty value's edge bytes read as 0, which `_MAYBE_SPACE` marks: empty values are odd too, nulls not
    odd = _MAYBE_SPACE[first] | _MAYBE_SPACE[last]
    if chunk.null_count:
        odd &= valid_rows(chunk)
    if not odd.any():
        return chunk
    mask = pa.array(odd)
    trimmed = pc.utf8_trim_whitespace(chunk.filter(mask))  # what `.str.strip()` calls
    trimmed = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, chunk.type), trimmed)
    return pc.replace_with_mask(chunk, mask, trimmed)


def as_text(values: pd.Series) -> pd.Series:
    """Trimmed text with empty strings as missing (Arrow kernels straight on the column's strings)."""
    text = values.astype("str") if values.dtype != "str" else values
    arr = own_arrow(text)
    if arr is None:  # the Python string storage
        text = text.str.strip()
        return text.where(text != "", None).astype("str")
    return _from_arrow(pa.chunked_array([_trimmed_chunk(c) for c in arr.chunks], arr.type), text.index)


def _matches(text: pd.Series, pattern: str, needs: np.ndarray | None = None) -> pd.Series:
    """`text.str.match(pattern, na=False)` as one Arrow kernel (the pattern is anchored with `^`).

    With `needs` (a byte table), only values holding one of those bytes are asked: a value without
    any cannot match (a float rendering needs a `.`).
    """
    arr = own_arrow(text)
    if arr is None:
        return text.str.match(pattern, na=False)
    parts = []
    for chunk in arr.chunks:
        if needs is None:
            found = pc.fill_null(pc.match_substring_regex(chunk, pattern), False).to_numpy(zero_copy_only=False)
        else:
            found = rows_holding(chunk, needs)
            if found.any():
                asked = pc.match_substring_regex(chunk.filter(pa.array(found)), pattern)
                found[found] = pc.fill_null(asked, False).to_numpy(zero_copy_only=False)
        parts.append(found)
    return pd.Series(np.concatenate(parts) if parts else np.zeros(0, dtype=bool), index=text.index)


def _made_of(text: pd.Series, table: np.ndarray, sizes: tuple[int, ...], pattern: str) -> pd.Series:
    """`_matches(text, pattern)` for a pattern that says "`sizes` bytes, each in `table`", from the bytes."""
    arr = own_arrow(text)
    if arr is None:
        return text.str.match(pattern, na=False)
    parts = [made_of(chunk, table, sizes) for chunk in arr.chunks]
    return pd.Series(np.concatenate(parts) if parts else np.zeros(0, dtype=bool), index=text.index)


def normalize_ids(values: pd.Series) -> pd.Series:
    """Ids as strings; numeric renderings of integers (`12.0`, `1.2E8`) become the integer."""
    if pd.api.types.is_float_dtype(values):
        out = values.map(lambda v: None if pd.isna(v) else (str(int(v)) if np.isfinite(v) else str(v)))
        return out.astype("str")
    text = as_text(values)
    float_like = _matches(text, _FLOAT_ID, needs=byte_table("."))
    if float_like.any():
        text = text.mask(float_like, text.str.replace(r"\.0*$", "", regex=True))
    sci = _matches(text, _SCI_ID, needs=byte_table("eE"))
    if sci.any():
        from decimal import Decimal

        def exact(v: str) -> str:
            d = Decimal(v)
            return str(int(d)) if d == d.to_integral_value() else v

        text = text.mask(sci, text[sci].map(exact))
    return text


def _first_bad(mask: pd.Series, frame: pd.DataFrame, column: str) -> tuple[int, object]:
    pos = int(np.flatnonzero(mask.to_numpy())[0])
    return pos + 1, frame[column].iloc[pos]


def _parse_bool(values: pd.Series, path: str, column: str, frame: pd.DataFrame) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean")
    low = as_text(values).str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[low.isin(_TRUE)] = True
    out[low.isin(_FALSE)] = False
    bad = low.notna() & out.isna()
    if bad.any():
        row, value = _first_bad(bad, frame, column)
        raise InputError(path, "not a boolean (expected true/false)", column=column, row=row, value=value)
    return out


def _parse_datetime(values: pd.Series, path: str, column: str, frame: pd.DataFrame) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(values):
        return values.dt.tz_localize("UTC")
    text = as_text(values)
    out = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    bad = text.notna() & out.isna()
    if bad.any():
        row, value = _first_bad(bad, frame, column)
        raise InputError(
            path,
            "unparseable date (expected ISO 8601, e.g. 2025-05-28T19:19:51Z)",
            column=column,
            row=row,
            value=value,
        )
    return out


_MONEY = r"^\(?-?[$€£¥]?\s?-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\s?(USD|EUR|GBP|CAD)?\)?$"


def _plain_money(text: pd.Series) -> pd.Series:
    """`$1,250.00`, `1,250`, `(300.00)` (negative), `USD 12` -> plain numbers; anything else is left as it is."""
    money = text.str.strip().str.replace(r"^(USD|EUR|GBP|CAD)\s?", "", regex=True)
    looks = money.str.match(_MONEY, na=False)
    if not looks.any():
        return text
    negative = money.str.startswith("(", na=False) & money.str.endswith(")", na=False)
    plain = money.str.replace(r"[$€£¥,()\s]|USD|EUR|GBP|CAD", "", regex=True)
    plain = plain.mask(negative, "-" + plain)
    return text.mask(looks, plain)


def _parse_number(values: pd.Series, path: str, column: str, frame: pd.DataFrame) -> pd.Series:
    """Finite numbers only: `inf`, `Infinity`, `1e309` and `NaN` are refused, never pushed as money."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        out = values.astype("float64")
    else:
        text = _plain_money(as_text(values))
        out = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = text.notna() & out.isna()  # `NaN` typed as text is not a number either
        if bad.any():
            row, value = _first_bad(bad, frame, column)
            raise InputError(path, "not a number", column=column, row=row, value=value)
    infinite = pd.Series(np.isinf(out.to_numpy()), index=values.index)
    if infinite.any():
        row, value = _first_bad(infinite, frame, column)
        raise InputError(path, "not a finite number", column=column, row=row, value=value)
    return out


def _parse_int(values: pd.Series, path: str, column: str, frame: pd.DataFrame) -> pd.Series:
    numbers = _parse_number(values, path, column, frame)
    bad = numbers.abs() >= _INT_LIMIT
    if bad.any():
        row, value = _first_bad(bad.fillna(False), frame, column)
        raise InputError(path, "integer out of range", column=column, row=row, value=value)
    return numbers.round().astype("Int64")


def check_ids(values: pd.Series, system: str, path: str, column: str, frame: pd.DataFrame) -> None:
    """Raise InputError at the first id that is not a WhatConverts integer or a Salesforce id."""
    if system == "whatconverts":
        expected, valid = "a WhatConverts id is an integer", _made_of(values, _DIGITS, tuple(range(1, 20)), _WC_ID)
    else:
        expected = "a Salesforce id is 15 or 18 letters and digits"
        valid = _made_of(values, _ALNUM, (15, 18), _SF_ID)
    bad = values.notna() & ~valid
    if bad.any():
        row, value = _first_bad(bad, frame, column)
        raise InputError(path, f"not a valid id ({expected})", column=column, row=row, value=value)


def parse_column(values: pd.Series, kind: Kind, path: str, column: str, frame: pd.DataFrame) -> pd.Series:
    """Return `values` parsed as `kind`, or raise InputError at the first value that is not."""
    if kind == "id":
        return normalize_ids(values)
    if kind == "bool":
        return _parse_bool(values, path, column, frame)
    if kind == "datetime":
        return _parse_datetime(values, path, column, frame)
    if kind == "money":
        return _parse_number(values, path, column, frame)
    if kind == "int":
        return _parse_int(values, path, column, frame)
    if values.dtype == "str" or values.dtype == object:
        return as_text(values)
    return values


def _all_distinct(key: pd.Series) -> bool:
    """Are all values of a text key distinct? (False may be wrong; the caller then finds the duplicate.)

    Digit ids (WhatConverts') are distinct when their integers are: a hash of 8-byte integers. Others (and
    `007` beside `7`) take one Arrow hash pass (`unique`; `count_distinct` is three times slower).
    """
    arr = own_arrow(key)
    if arr is None:
        return False
    if arr.null_count == 0:
        try:
            if pd.Index(pc.cast(arr, pa.int64()).to_numpy()).is_unique:
                return True
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return len(pc.unique(arr)) == len(key)


def coerce_table(
    frame: pd.DataFrame, spec: TableSpec, path: str, wc_id_field: str, check_id_format: bool = True
) -> pd.DataFrame:
    """Check required columns and the primary key, then type every column of `frame`.

    A frame with no rows and no columns (an account or window with no leads) is an empty table.
    With `check_id_format`, id columns must look like the system's ids (see `check_ids`); the
    WhatConverts id field on Salesforce records is typed by people and is only normalized.
    """
    if len(frame) == 0 and len(frame.columns) == 0:
        frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in spec.required})
    missing = [c for c in spec.required if c not in frame.columns]
    if missing:
        raise InputError(
            path,
            f"missing required column(s) {', '.join(missing)}; found {', '.join(map(str, frame.columns[:12]))}",
            column=missing[0],
        )
    typed = {col: parse_column(frame[col], spec.kind_of(col, wc_id_field), path, col, frame) for col in frame.columns}
    if spec.folder == "salesforce":  # report exports give 15-character ids; the API 18: make them one
        for col, values in typed.items():
            if col != wc_id_field and spec.kind_of(col, wc_id_field) == "id":
                typed[col] = widen_ids(values)
    for col in spec.expected_columns(wc_id_field):
        if col not in typed:
            empty = pd.Series([None] * len(frame), index=frame.index, dtype="str")
            typed[col] = parse_column(empty, spec.kind_of(col, wc_id_field), path, col, frame)
    out = pd.DataFrame(typed, index=frame.index)
    if check_id_format:
        for col in out.columns:
            if spec.kind_of(col, wc_id_field) == "id" and col != wc_id_field:
                check_ids(out[col], spec.folder, path, col, frame)
    if "IsDeleted" in out.columns:  # a record exported without the flag is a live record
        out["IsDeleted"] = out["IsDeleted"].fillna(False)
    key = out[spec.key]
    if key.isna().any():
        row, _ = _first_bad(key.isna(), frame, spec.key)
        raise InputError(path, "empty primary key", column=spec.key, row=row)
    dup = pd.Series(False, index=key.index) if _all_distinct(key) else key.duplicated()
    if dup.any():
        row, value = _first_bad(dup, frame, spec.key)
        first = int(np.flatnonzero((key == key.iloc[row - 1]).to_numpy())[0]) + 1
        raise InputError(
            path, f"duplicate primary key (first seen at row {first})", column=spec.key, row=row, value=value
        )
    return out.reset_index(drop=True)
