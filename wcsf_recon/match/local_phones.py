"""Salesforce phones typed without their area code, read as the full number a lead in the same place calls from.

A rep with no full number types the seven-digit local part (`835-7854`); libphonenumber rightly calls
that invalid, so the record had no phone to match. Where exactly one North American number among the
WhatConverts leads ends in those seven digits and its lead is in the record's postal code (or, with no
postal code on either side, its city), that number is the record's phone for matching; the record
itself is not changed. Two candidate numbers, or none in the record's place, leave it without a phone.
"""

from __future__ import annotations

import pandas as pd

from ..normalize.postal import postal_key

LOCAL_DIGITS = 7


def local_phone_digits(raw: pd.Series, e164: pd.Series) -> pd.Series:
    """The seven digits of a phone that did not normalize and has exactly seven (`835-7854`), else missing.

    Only the phones that did not normalize are read (most did): the rest are missing without a regex."""
    text = raw.astype("str")
    todo = (e164.isna() & text.notna()).to_numpy(bool)
    if not raw.index.is_unique or todo.all():
        digits = text.str.replace(r"\D", "", regex=True)
        return digits.where(e164.isna() & digits.str.len().eq(LOCAL_DIGITS))
    digits = text[todo].str.replace(r"\D", "", regex=True)
    return digits.where(digits.str.len().eq(LOCAL_DIGITS)).reindex(raw.index)


def restore_local_phones(leads: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """`people` with `n_phone` filled from the one lead phone in the record's place ending in its `local_phone`."""
    local = people["local_phone"]
    if not local.notna().any() or "n_phone" not in leads.columns:
        return people
    phone = leads["n_phone"].astype("str")
    nanp = phone.str.len().eq(12) & phone.str.startswith("+1")
    postal = leads["zip"] if "zip" in leads.columns else pd.Series(None, index=leads.index, dtype="str")
    city = leads["city"] if "city" in leads.columns else pd.Series(None, index=leads.index, dtype="str")
    calls = pd.DataFrame(
        {
            "local_phone": phone.str[-LOCAL_DIGITS:],
            "full": phone,
            "lead_postal": postal_key(postal),
            "lead_city": city.astype("str").str.lower().str.strip(),
        }
    )[nanp.fillna(False).to_numpy()].drop_duplicates()
    wanted = people.loc[local.notna(), ["local_phone", "postal", "city"]].reset_index(names="row")
    met = wanted.merge(calls, on="local_phone")
    same_postal = met["postal"].notna() & met["postal"].eq(met["lead_postal"])
    same_city = (
        (met["postal"].isna() | met["lead_postal"].isna()) & met["city"].notna() & met["city"].eq(met["lead_city"])
    )
    met = met[(same_postal | same_city).fillna(False).to_numpy()]
    one = met.groupby("row")["full"].nunique().loc[lambda n: n.eq(1)].index
    full = met[met["row"].isin(one)].drop_duplicates("row").set_index("row")["full"]
    if full.empty:
        return people
    n_phone = people["n_phone"].copy()
    n_phone.loc[full.index] = full.to_numpy()
    return people.assign(n_phone=n_phone)
