"""ZIP codes with a typo that takes them out of their city, read as the code the same name carries there.

A US ZIP code whose first three digits (its sectional centre) no other ZIP of its city begins with (`19315` in
Philadelphia, where every other code begins `191`; `81242` in Denver) is nobody's code in that city: a changed
or swapped digit, not a neighbour's real code. Other countries' codes are left alone: on FEBRL's four-digit
Australian postcodes the first three digits named no region, and the rule cost two true links. Where exactly
one code of the city's own kind, one changed or swapped character away, is carried by a record of the same
surname (or the same two names in either order) in the same city, it is read as that code. Codes inside the
city's own prefixes (`85010` / `85015`, both Phoenix codes) are left as they are: they may be a same-name
neighbour's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ZIP = r"\d{5}"  # US ZIP codes only: their first three digits are the sectional centre (USPS), a region
PREFIX = 3  # elsewhere (Australia's four digits, UK and Canadian outward codes) the first characters say less
MIN_CITY_CODES = 3  # a city with fewer distinct codes says too little about which prefixes are its own
_CHARACTERS = "0123456789"


def restore_foreign_prefixes(
    code: pd.Series, city: pd.Series, first: pd.Series, last: pd.Series, among: pd.Series | None = None
) -> pd.Series:
    """`code` (`postal_key` form, aligned with `city`, `first`, `last` over every record of both systems) with
    each code foreign to its city replaced by the one same-length code of that city one edit away that a
    record sharing its surname (or both names, in either order) carries. Every record tells which codes a city
    has; only records `among` (all if None) are repaired, and only from each other's codes.

    The census runs on integer codes; names are compared only for the few foreign records and the records that
    carry a code one edit from one (each foreign code's variants are spelled out: about 180 for a ZIP)."""
    if code.dtype == "str":  # a million codes hold a few thousand distinct ones: each asked once if it is a ZIP
        values, distinct = pd.factorize(code)
        is_zip = np.append(pd.Series(distinct, dtype="str").str.fullmatch(ZIP).to_numpy(dtype=bool), False)[values]
    else:
        is_zip = code.str.fullmatch(ZIP).fillna(False).to_numpy(dtype=bool)
    present = code.notna() & city.notna() & last.notna() & is_zip
    present &= (city != "").fillna(False)
    if not present.any():
        return code
    at = np.flatnonzero(present.to_numpy(bool))
    city_codes = pd.factorize(city.iloc[at])[0].astype(np.int64)
    code_codes, codes = pd.factorize(code.iloc[at])
    prefix_of = pd.factorize(pd.Series(codes, dtype="str").str[:PREFIX])[0].astype(np.int64)
    # groups numbered by hashing, not sorting (np.unique): only membership and counts are read
    pair_of, pairs = pd.factorize(city_codes * len(codes) + code_codes)
    pair_city, pair_prefix = pairs // len(codes), prefix_of[pairs % len(codes)]
    prefix_group = pd.factorize(pair_city * (prefix_of.max() + 1) + pair_prefix)[0]
    per_city = np.bincount(pair_city)[pair_city]
    foreign = ((np.bincount(prefix_group)[prefix_group] == 1) & (per_city >= MIN_CITY_CODES))[pair_of]
    repairable = np.ones(len(at), dtype=bool) if among is None else among.to_numpy(bool)[at]
    wrong = foreign & repairable
    if not wrong.any():
        return code
    # the codes one changed or swapped character from each foreign one that its city carries (not foreign)
    ncodes = len(codes)
    good = np.unique((city_codes * ncodes + code_codes)[~foreign & repairable])
    bad = pd.DataFrame({"at": np.flatnonzero(wrong), "city": city_codes[wrong], "bad": code_codes[wrong]})
    variants = {c: _one_edit(codes[c]) for c in np.unique(bad["bad"])}
    near = bad.assign(full=bad["bad"].map(variants)).explode("full").dropna(subset=["full"])
    near["full"] = pd.Index(codes).get_indexer(near["full"].to_numpy())
    near = near[np.isin(near["city"].to_numpy(np.int64) * ncodes + near["full"].to_numpy(np.int64), good)]
    if near.empty:
        return code
    # names compared only there: the foreign records and the records carrying a code near one
    key = city_codes * ncodes + code_codes
    near_keys = near["city"].to_numpy(np.int64) * ncodes + near["full"].to_numpy(np.int64)
    holders = np.flatnonzero(~foreign & repairable & np.isin(key, near_keys))
    surname = last.iloc[at].str.replace(" ", "", regex=False)

    def tokens(positions: np.ndarray, code_ids: np.ndarray) -> pd.DataFrame:
        rows = pd.DataFrame(
            {
                "pos": positions,
                "key": city_codes[positions] * ncodes + code_ids,
                "first": first.iloc[at[positions]].to_numpy(dtype=object),
                "last": surname.iloc[positions].to_numpy(dtype=object),
            }
        )
        return _name_tokens(rows)

    wanted = tokens(near["at"].to_numpy(), near["full"].to_numpy(np.int64))  # each foreign record per near code
    held = tokens(holders, code_codes[holders]).drop_duplicates(["key", "token"])
    met = wanted.merge(held[["key", "token"]], on=["key", "token"]).drop_duplicates(["pos", "key"])
    unique = met[~met["pos"].duplicated(keep=False)]  # exactly one code it can be
    if unique.empty:
        return code
    out = code.copy()
    out.iloc[at[unique["pos"].to_numpy()]] = codes[(unique["key"].to_numpy() % ncodes)]
    return out


def _one_edit(value: str) -> list[str]:
    """Every code of the same length one changed digit or one swap of neighbouring digits away."""
    out = {value[:i] + ch + value[i + 1 :] for i in range(len(value)) for ch in _CHARACTERS if ch != value[i]}
    out |= {
        value[:i] + value[i + 1] + value[i] + value[i + 2 :] for i in range(len(value) - 1) if value[i] != value[i + 1]
    }
    return sorted(out)


def _name_tokens(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` (pos, key, first, last: surname without spaces) once per token: `L:` + surname, and `N:` + both
    names sorted (first names of two letters or more), so `Jimenez Jessica` meets `JESSICA JIMENEZ`."""
    by_surname = rows.assign(token=["L:" + la for la in rows["last"]])
    full = rows[[isinstance(f, str) and len(f) > 1 for f in rows["first"]]]
    pair = ["N:" + "|".join(sorted((f, la))) for f, la in zip(full["first"], full["last"], strict=True)]
    return pd.concat([by_surname, full.assign(token=pair)], ignore_index=True)[["pos", "key", "token"]]
