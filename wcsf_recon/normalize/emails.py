"""Email addresses: trimmed, lower-cased, syntax-checked; optionally a provider-canonical form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..tables.arrow_bytes import buffers, valid_rows
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
    """The part after the last `@` (null where there is none, or nothing after it).

    Read from the bytes (`@` is one byte, never inside another UTF-8 character): each row's last `@` found in one
    scan of the data buffer and the domains gathered in one take, where the regex (`@([^@]*)$`) took 0.09 s a
    million addresses."""
    arr = tv.to_arrow(emails)
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    return tv.as_series(pa.chunked_array([_domains(c) for c in chunks], pa.string()), emails.index)


def _domains(text: pa.Array) -> pa.Array:
    """`email_domain` of one chunk of `pa.string()` text."""
    offsets, data = buffers(text)
    at = np.flatnonzero(data == ord("@"))
    row = np.searchsorted(offsets, at, side="right") - 1  # the row each `@` is in
    last = np.r_[row[1:] != row[:-1], True] if len(row) else np.zeros(0, dtype=bool)
    row, at = row[last], at[last]
    start = np.zeros(len(text), dtype=np.int64)
    size = np.zeros(len(text), dtype=np.int64)
    start[row], size[row] = at + 1, offsets[row + 1] - at - 1
    size[~valid_rows(text)] = 0  # a null row's bytes are not its text
    present = size > 0
    bounds = np.r_[0, np.cumsum(size)]
    taken = data[np.arange(int(bounds[-1])) + np.repeat(start - bounds[:-1], size)]
    validity = pa.py_buffer(np.packbits(present, bitorder="little"))
    return pa.Array.from_buffers(
        pa.string(),
        len(text),
        [validity, pa.py_buffer(bounds.astype(np.int32)), pa.py_buffer(taken)],
        null_count=int(len(text) - present.sum()),
    )


def email_local(emails: pd.Series) -> pd.Series:
    """The part before the first `@` (the whole text where there is none)."""
    return tv.to_series(tv.group(tv.to_arrow(emails), r"^(?P<l>[^@]*)", "l"), emails.index)
