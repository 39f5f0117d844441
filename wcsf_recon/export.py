"""Files people open in spreadsheets: CSV and XLSX with formula injection neutralized.

A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a
formula by Excel or Sheets; such cells are written with a leading `'` (OWASP's advice). Readers
of our own files (`read_safe_csv`, and every CSV read through `tableio`) take one `'` off again,
so `+17045550142` round-trips. Cells that already begin with quotes before a trigger get one more
on writing, so the mapping is reversible for every value.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .atomic import atomic_path

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_RE = r"^'*[=+\-@\t\r]"  # a trigger, possibly behind quotes we would otherwise strip
_QUOTED_RE = r"^'+[=+\-@\t\r]"


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


def write_safe_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV with neutralized text cells, written atomically (temporary file, fsync, rename)."""
    with atomic_path(path) as tmp:
        neutralize(frame).to_csv(tmp, index=False, lineterminator="\n")


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


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """One XLSX with a sheet per frame (names cut to Excel's 31 characters), cells neutralized."""
    with atomic_path(path, suffix=".xlsx") as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            clean = neutralize(frame)
            for col in clean.columns:  # Excel has no time zones
                if isinstance(clean[col].dtype, pd.DatetimeTZDtype):
                    clean[col] = clean[col].dt.tz_localize(None)
            clean.to_excel(writer, sheet_name=name[:31], index=False)
