"""Email addresses: trimmed, lower-cased, syntax-checked; optionally a provider-canonical form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from . import textvec as tv

_LOCAL = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_DOMAIN = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
_DOT_INSENSITIVE = {"gmail.com", "googlemail.com"}


def normalize_emails(values: pd.Series, canonical: bool = False) -> pd.DataFrame:
    """Emails -> DataFrame(email, reason) on the same index.

    Invalid addresses give email = null and a reason (`contains_space`, `missing_at`,
    `multiple_at`, `invalid_local_part`, `invalid_domain`). With `canonical=True` the
    `+tag` is dropped for every provider and dots for Gmail (off by default: two people
    can own `j.doe@` and `jdoe@` on providers that keep dots).
    """
    text = values.astype("str").str.strip().str.lower()
    text = text.where(text != "", None)
    arr = tv.to_arrow(text)
    n_at = pd.Series(pc.count_substring(arr, "@").to_numpy(zero_copy_only=False), index=values.index)
    local, domain = email_local(text), email_domain(text)
    reason = pd.Series(None, index=values.index, dtype="str")
    present = text.notna()
    checks = [  # `\s` as Python's re reads it, in Arrow's kernel (pandas asks `re` per value for it)
        ("contains_space", pd.Series(tv.matches(arr, tv.PY_WHITESPACE), index=values.index)),
        ("missing_at", present & (n_at == 0)),
        ("multiple_at", present & (n_at > 1)),
        ("invalid_local_part", present & ~local.str.fullmatch(_LOCAL, na=False)),
        ("invalid_domain", present & ~domain.str.fullmatch(_DOMAIN, na=False)),
    ]
    for name, bad in reversed(checks):  # earliest check wins
        reason = reason.mask(bad, name)
    email = text.where(reason.isna())
    if canonical:
        email = canonical_emails(email)
    return pd.DataFrame({"email": email.astype("str"), "reason": reason})


def canonical_emails(emails: pd.Series) -> pd.Series:
    """Drop `+tags` everywhere and dots in Gmail local parts; googlemail.com -> gmail.com."""
    local = email_local(emails).str.replace(r"\+.*$", "", regex=True)
    domain = email_domain(emails).replace({"googlemail.com": "gmail.com"})
    dotless = domain.isin(_DOT_INSENSITIVE).to_numpy()
    local = local.where(~dotless, local.str.replace(".", "", regex=False))
    out = local + "@" + domain
    return out.where(emails.notna(), np.nan).astype("str")


def email_domain(emails: pd.Series) -> pd.Series:
    """The part after the last `@` (null where there is none)."""
    return tv.to_series(tv.group(tv.to_arrow(emails), r"@(?P<d>[^@]*)$", "d"), emails.index)


def email_local(emails: pd.Series) -> pd.Series:
    """The part before the first `@` (the whole text where there is none)."""
    return tv.to_series(tv.group(tv.to_arrow(emails), r"^(?P<l>[^@]*)", "l"), emails.index)
