"""Postal codes as matching compares them: upper case, no spaces, a US ZIP+4 read as its ZIP.

`02139-4307` and `02139` name one place (the four digits add a delivery route), so they are equal
here; `M5V 1AB` and `m5v1ab` too. Every step that compares postal codes uses this one reading.
"""

from __future__ import annotations

import pandas as pd

_ZIP_PLUS_4 = r"^(\d{5})-\d{4}$"


def postal_key(values: pd.Series) -> pd.Series:
    """Folded postal codes (missing stays missing): `02139-4307` -> `02139`, `m5v 1ab` -> `M5V1AB`."""
    text = values.astype("str").str.upper().str.replace(" ", "", regex=False)
    return text.str.replace(_ZIP_PLUS_4, r"\1", regex=True)
