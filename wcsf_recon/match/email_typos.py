"""Email addresses keyed with a mistyped provider read as the provider: `ann@gmail.con` is `ann@gmail.com`.

Used where leads are grouped into people: a typo in the domain (`gmial.com`, `gmail.con`) leaves the
address undeliverable but still says whose it is, when the local part is the same and the domain is
within two edits of a well-known provider, nearer to it than to any other, and is not itself one (gmx.com is
not gmail.com).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist

from ..normalize.emails import email_domain, email_local

# Two different real providers are two mailboxes, not a typo (gmail.com vs hotmail.com).
KNOWN_PROVIDERS = frozenset(
    "gmail.com googlemail.com yahoo.com hotmail.com outlook.com live.com msn.com icloud.com me.com mac.com "
    "aol.com comcast.net att.net verizon.net sbcglobal.net bellsouth.net cox.net charter.net protonmail.com "
    "proton.me gmx.com mail.com yandex.com zoho.com ymail.com rocketmail.com yahoo.co.uk hotmail.co.uk".split()
)
MIN_LOCAL = 4  # a local part this long says whose the address is (`jo@` says little)
MAX_EDITS = 2


def provider_typos_read(emails: pd.Series) -> pd.Series:
    """`emails` (normalized) with each mistyped well-known provider replaced by the provider it is a typo of."""
    domain = email_domain(emails)
    codes, domains = pd.factorize(domain)
    if not len(domains):
        return emails
    distinct = np.asarray(domains, dtype=object)
    unknown = np.array([d not in KNOWN_PROVIDERS for d in distinct], dtype=bool)
    providers = sorted(KNOWN_PROVIDERS)
    fixed = distinct.copy()
    if unknown.any():
        edits = cdist(distinct[unknown].tolist(), providers, scorer=OSA.distance, workers=1)
        least = edits.min(axis=1)
        one = (least <= MAX_EDITS) & ((edits == least[:, None]).sum(axis=1) == 1)  # nearest to one provider only
        nearest = np.asarray(providers, dtype=object)[edits.argmin(axis=1)]
        fixed[np.flatnonzero(unknown)[one]] = nearest[one]
    moved = np.flatnonzero((fixed != distinct)[codes] & (codes >= 0))
    # the local part is read only for the few mistyped addresses, and the read address built only for them
    local = email_local(emails.iloc[moved])
    long_enough = (local.str.len() >= MIN_LOCAL).fillna(False).to_numpy()
    if not long_enough.any():
        return emails
    at, local = moved[long_enough], local[long_enough]
    read = local + "@" + pd.Series(fixed[codes[at]], index=local.index, dtype="str")
    out = emails.copy()
    out.iloc[at] = read.to_numpy()
    return out
