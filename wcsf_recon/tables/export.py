"""Files people open in spreadsheets: CSV and XLSX with formula injection neutralized.

CSV: a text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as
a formula by Excel or Sheets; such cells are written with a leading `'` (OWASP's advice). Readers
of our own files (`read_safe_csv`, and every CSV read through `tableio`) take one `'` off again,
so `+17045550142` round-trips. Cells that already begin with quotes before a trigger get one more
on writing, so the mapping is reversible for every value. Lines end in CRLF (RFC 4180), which makes
Python's csv writer quote every value holding a `\\r` or a `\\n`: a lone carriage return typed into a
web form stays inside its cell instead of starting a new row.

XLSX (`workbook.py`) needs no quote: cells are written as text, which a spreadsheet never evaluates.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_path
from .csv_text import TRIGGER_PATTERN, write_csv_bytes

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_RE = TRIGGER_PATTERN  # a trigger, possibly behind quotes we would otherwise strip
_QUOTED_RE = r"^'+[=+\-@\t\r]"
# CRLF rows: the csv module quotes a field holding any character of the line terminator, so both
# `\r` and `\n` inside a value are quoted (with "\n" alone, a lone `\r` was written bare and read
# back as a row break)
CSV_OPTIONS: dict[str, object] = {"index": False, "lineterminator": "\r\n"}


def neutralize(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot be read as formulas."""
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if values.dtype == "str" or values.dtype == object:
            text = values.astype("str")
            risky = text.str.contains(_TRIGGER_RE, regex=True, na=False)
            if risky.any():
                out[col] = text.mask(risky, "'" + text)
    return out


def write_csv(frame: pd.DataFrame, path: Path, safe: bool = False) -> None:
    """Write `frame` with the quoting every value needs to round-trip; with `safe`, text cells neutralized.

    The bytes are `to_csv`'s with `CSV_OPTIONS`, built in Arrow (`csv_text`); the few shapes it does
    not take are written by `to_csv` itself.
    """
    with open(path, "wb") as fh:
        if write_csv_bytes(frame, fh, _TRIGGER_RE if safe else None):
            return
    (neutralize(frame) if safe else frame).to_csv(path, **CSV_OPTIONS)  # type: ignore[call-overload]


def write_safe_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV with neutralized text cells, written atomically (temporary file, fsync, rename)."""
    with atomic_path(path) as tmp:
        write_csv(frame, tmp, safe=True)


def read_safe_csv(path: Path) -> pd.DataFrame:
    """Read a CSV written by `write_safe_csv`, all values as text, neutralizing quotes removed."""
    return unneutralize(pd.read_csv(path, dtype="str", keep_default_na=False, na_values=[""]))


def unneutralize(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo `neutralize` on text columns read from a CSV (in place, returned for chaining)."""
    for col in frame.columns:
        text = frame[col]
        if text.dtype != "str" and text.dtype != object:
            continue
        maybe = text.str.startswith("'", na=False)
        if maybe.any():
            quoted = maybe & text.str.contains(_QUOTED_RE, regex=True, na=False)
            if quoted.any():
                frame[col] = text.mask(quoted, text.str[1:])
    return frame


def _as_written(values: pd.Series, back: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(original, read-back) in one comparable form for a column written by `write_csv`."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values, pd.to_datetime(back, utc=True, format="ISO8601", errors="coerce")
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean"), back.map({"True": True, "False": False}).astype("boolean")
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64"), pd.to_numeric(back, errors="coerce").astype("float64")
    if pd.api.types.is_datetime64_dtype(values):
        return values, pd.to_datetime(back, format="ISO8601", errors="coerce")
    if values.dtype == "str":
        text = values
    else:  # objects are written as str(value)
        text = values.map(lambda v: None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v))
    # CSV cannot tell an empty string from a missing value: both are an empty cell
    return text.where(text != "", None).astype("str"), back.astype("str")


def first_difference(original: pd.DataFrame, back: pd.DataFrame) -> str | None:
    """Where `back` (a CSV of `original` read as text) differs from it, or None when every value round-trips."""
    if [str(c) for c in original.columns] != list(back.columns):
        return f"columns {list(back.columns)[:8]} instead of {[str(c) for c in original.columns][:8]}"
    if len(original) != len(back):
        return f"{len(back):,} rows instead of {len(original):,}"
    for col in original.columns:
        a, b = _as_written(original[col].reset_index(drop=True), back[str(col)].reset_index(drop=True))
        same = (a == b).fillna(False).to_numpy(dtype=bool) | (a.isna().to_numpy() & b.isna().to_numpy())
        if not same.all():
            row = int(np.flatnonzero(~same)[0]) + 1
            return f"column '{col}' row {row}: {str(b.iloc[row - 1])[:40]!r} instead of {str(a.iloc[row - 1])[:40]!r}"
    return None


def frame_digest(frame: pd.DataFrame) -> str:
    """A fingerprint of a text frame's columns and values (pandas' row hashes, summed up by SHA-256)."""
    digest = hashlib.sha256(json.dumps([str(c) for c in frame.columns]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes: what `Plan.write` wrote is what `Plan.read` reads (read in 1 MiB blocks).

    Cheaper than a digest of the parsed values (hashlib runs without the GIL) and independent of the
    pandas version; any changed byte counts as a change.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
