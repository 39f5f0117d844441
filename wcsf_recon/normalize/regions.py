"""Country names and codes as records carry them (`US`, `USA`, `United Kingdom`, `UK`) -> ISO regions."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pycountry

from . import textvec as tv

_ALIASES = {
    "UK": "GB",
    "U.K.": "GB",
    "ENGLAND": "GB",
    "SCOTLAND": "GB",
    "WALES": "GB",
    "NORTHERN IRELAND": "GB",
    "GREAT BRITAIN": "GB",
    "BRITAIN": "GB",
    "U.S.": "US",
    "U.S.A.": "US",
    "USA": "US",
    "AMERICA": "US",
    "UNITED STATES OF AMERICA": "US",
}
_PHONE_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)


@lru_cache(maxsize=4096)
def region_of(country: str) -> str | None:
    """ISO 3166 alpha-2 code for a country name or code, or None when unknown."""
    key = country.strip().upper()
    if not key:
        return None
    if key in _ALIASES:
        return _ALIASES[key]
    if len(key) == 2 and key in _PHONE_REGIONS:
        return key
    try:
        found = pycountry.countries.lookup(country.strip())
    except LookupError:
        return None
    code = found.alpha_2
    return code if code in _PHONE_REGIONS else None


def resolve_regions(countries: pd.Series | None, default_region: str, index: pd.Index) -> pd.Series:
    """Per-row phone region: the record's own country where known, else `default_region`."""
    if countries is None:
        return pd.Series(default_region, index=index, dtype="str")
    # each distinct country looked up once, spread by its code (missing: code -1, the last entry)
    codes, uniques = pd.factorize(countries.astype("str"))
    regions = pa.array([*(region_of(u) or default_region for u in uniques), default_region], pa.string())
    spread = regions.take(pa.array(np.where(codes < 0, len(uniques), codes)))
    return tv.as_series(spread, countries.index)
