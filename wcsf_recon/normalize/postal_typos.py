"""Postal codes with a typo that takes them out of their city, read as the code the same name carries there.

A code whose first three characters (a US ZIP's sectional centre, a UK or Canadian outward code's start)
no other code of its city begins with (`19315` in Philadelphia, where every other code begins `191`;
`81242` in Denver) is nobody's code in that city: a changed or swapped character, not a neighbour's real
code. Where exactly one code of the city's own kind, one changed or swapped character away, is carried by
a record of the same surname (or the same two names in either order) in the same city, it is read as that
code. Codes inside the city's own prefixes (`85010` / `85015`, both Phoenix codes) are left as they are:
they may be a same-name neighbour's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA

PREFIX = 3  # characters that place a code in its region (ZIP3; the start of an outward code)
MIN_CITY_CODES = 3  # a city with fewer distinct codes says too little about which prefixes are its own


def restore_foreign_prefixes(
    code: pd.Series, city: pd.Series, first: pd.Series, last: pd.Series, among: pd.Series | None = None
) -> pd.Series:
    """`code` (`postal_key` form, aligned with `city`, `first`, `last` over every record of both systems) with
    each code foreign to its city replaced by the one same-length code of that city one edit away that a
    record sharing its surname (or both names, in either order) carries. Every record tells which codes a city
    has; only records `among` (all if None) are repaired, and only from each other's codes."""
    present = code.notna() & city.notna() & last.notna() & (code.str.len() > PREFIX).fillna(False)
    present &= (city != "").fillna(False)
    if not present.any():
        return code
    frame = pd.DataFrame({"code": code, "city": city})[present.to_numpy(bool)]
    frame["prefix"] = frame["code"].str[:PREFIX]
    distinct = frame[["city", "code", "prefix"]].drop_duplicates()
    per_prefix = distinct.groupby(["city", "prefix"])["code"].transform("size")
    per_city = distinct.groupby("city")["code"].transform("size")
    distinct = distinct.assign(foreign=(per_prefix == 1) & (per_city >= MIN_CITY_CODES))
    frame = frame.merge(distinct[["city", "code", "foreign"]], on=["city", "code"], how="left").set_axis(frame.index)
    if not frame["foreign"].any():
        return code
    tokens = _name_tokens(first[frame.index], last[frame.index])
    keyed = frame.join(tokens, how="inner")
    if among is not None:
        keyed = keyed[among[keyed.index].to_numpy(bool)]
    wrong = keyed[keyed["foreign"]].reset_index(names="at")[["at", "city", "code", "token"]]
    right = keyed[~keyed["foreign"]][["city", "code", "token"]].drop_duplicates()
    met = wrong.merge(right, on=["city", "token"], suffixes=("", "_full"))
    met = met[met["code"].str.len() == met["code_full"].str.len()]
    if met.empty:
        return code
    edits = np.array([OSA.distance(a, b) for a, b in zip(met["code"], met["code_full"], strict=True)])
    met = met[edits == 1].drop_duplicates(["at", "code_full"])
    unique = met[~met["at"].duplicated(keep=False)].set_index("at")["code_full"]  # exactly one code it can be
    if unique.empty:
        return code
    out = code.copy()
    out.loc[unique.index] = unique.to_numpy()
    return out


def _name_tokens(first: pd.Series, last: pd.Series) -> pd.DataFrame:
    """One row per (record, token): `L:` + surname without spaces, and `N:` + both names sorted (first names of
    two letters or more), so `Jimenez Jessica` meets `JESSICA JIMENEZ`."""
    surname = last.astype("object").str.replace(" ", "", regex=False)
    parts = [pd.DataFrame({"token": "L:" + surname}, index=last.index).dropna()]
    full = first.notna() & (first.str.len() > 1).fillna(False) & last.notna()
    if full.any():
        a, b = first[full].astype("object"), surname[full]
        pair = np.where(a < b, a + "|" + b, b + "|" + a)
        parts.append(pd.DataFrame({"token": "N:" + pd.Series(pair, index=a.index)}))
    tokens = pd.concat(parts).reset_index(names="at").drop_duplicates()  # per record: the index counts
    return tokens.set_index("at").rename_axis(None)
