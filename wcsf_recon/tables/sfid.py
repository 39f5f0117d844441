"""Salesforce record ids: the 15-character (case-sensitive) form becomes the 18-character (case-safe) one.

Report exports and formulas give 15-character ids; the API always returns 18. Mixed, they never
join (`0035g0000000201` != `0035g0000000201AAA`), so every id is widened on load. The suffix is
Salesforce's checksum: split the 15 characters into three chunks of five, read each chunk's
uppercase letters as bits (first character = lowest bit), and pick the character at that value in
`A-Z0-5`. Salesforce documents the 18-character form as the 15-character id followed by a
case-insensitivity checksum (API Developer Guide, Field Types, ID:
http://www.salesforce.com/us/developer/docs/api/Content/field_types.htm, as cited by the
salesforce_id_formatter gem; the CASESAFEID() formula function returns it). The bit layout is the
published algorithm (https://codegolf.stackexchange.com/questions/69127, the gem, the PyPI
salesforce_id_converter and Packagist sf15to18 packages), whose example pairs tests/test_sfid.py checks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"))
_ID15 = r"^[A-Za-z0-9]{15}$"


def to_18(sf_id: str) -> str:
    """One id: a 15-character id with its checksum appended; anything else unchanged."""
    if len(sf_id) != 15 or not sf_id.isascii() or not sf_id.isalnum():
        return sf_id
    suffix = ""
    for start in (0, 5, 10):
        chunk = sf_id[start : start + 5]
        value = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += str(_ALPHABET[value])
    return sf_id + suffix


def widen_ids(values: pd.Series) -> pd.Series:
    """A column of ids with every 15-character id widened to 18 (vectorized; other values untouched)."""
    text = values.astype("str") if values.dtype != "str" else values
    short = text.str.match(_ID15, na=False)
    if not short.any():
        return values
    chars = np.array([list(v) for v in text[short]])  # (n, 15)
    upper = (chars >= "A") & (chars <= "Z")
    weights = 1 << np.arange(5)
    codes = (upper.reshape(-1, 3, 5) * weights).sum(axis=2)  # (n, 3)
    suffix = pd.Series(["".join(row) for row in _ALPHABET[codes]], index=text.index[short])
    return text.mask(short, text[short] + suffix)
