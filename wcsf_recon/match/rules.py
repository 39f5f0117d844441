"""Matching rules as data: what each kind of evidence scores, and when names agree or conflict.

A pair (WhatConverts person, Salesforce record) is scored from its strongest evidence and the
verdict on names. Thresholds that decide auto-link vs review live in `Config`.
"""

from __future__ import annotations

import pandas as pd

FIRST_AGREE = 0.85  # first-name score at or above: agree (nicknames and initials score 1.0)
FIRST_CONFLICT = (
    0.85  # below, with both first names present: conflict (Sandra vs Anna scores 0.75) (an initial conflicts only
)
# when the surnames agree: `JAMES C` is not Alice James, but `C` alone says little about a stranger)
LAST_AGREE = 0.90
LAST_CONFLICT = 0.70
# a caller ID, all a call has on a shared line, that fits one record there: the line's owner, whom the
# carrier names whoever of the household calls, so a human confirms (between the review and auto-link thresholds)
SHARED_LINE_OWNER = 0.80
AMBIGUITY_MARGIN = 0.02  # two different people within this of the best score: not guessed

# (evidence, name verdict) -> score. Evidence is the strongest exact key the pair shares.
SCORES: dict[str, dict[str, float]] = {
    "stored_id": {"agree": 1.00, "unknown": 1.00, "conflict": 1.00},
    "email_phone": {"agree": 0.99, "unknown": 0.97, "conflict": 0.55},
    "email": {"agree": 0.97, "unknown": 0.92, "conflict": 0.45},
    "phone": {"agree": 0.95, "unknown": 0.86, "conflict": 0.40},
    # a phone on which clearly different first names appear (household, switchboard)
    "shared_phone": {"agree": 0.93, "unknown": 0.62, "conflict": 0.30},
    # an email several people write from (a family mailbox): only the name says which of them
    "shared_email": {"agree": 0.93, "unknown": 0.62, "conflict": 0.30},
    # fuzzy: email local part equal, domain a likely typo (gmial.com)
    "fuzzy_email": {"agree": 0.90, "unknown": 0.80, "conflict": 0.40},
    # fuzzy, no exact key: same surname and first name (not just an initial), same postal code
    "fuzzy_name_postal": {"agree": 0.87, "unknown": 0.0, "conflict": 0.0},
    # ... and the same company as well
    "fuzzy_name_company": {"agree": 0.88, "unknown": 0.0, "conflict": 0.0},
    # same surname and initial (or full name) in the same city only: a human decides
    "fuzzy_name": {"agree": 0.75, "unknown": 0.0, "conflict": 0.0},
    # the probabilistic name/place model (match/model.py) scores its own pairs from learned weights;
    # listed here for its evidence rank (weakest: a likeness, not a key)
    "model": {"agree": 0.0, "unknown": 0.0, "conflict": 0.0},
}
EVIDENCE_RANK = {name: rank for rank, name in enumerate(reversed(list(SCORES)))}

RULE_TABLE = pd.DataFrame(
    [(ev, verdict, score) for ev, row in SCORES.items() for verdict, score in row.items()],
    columns=["rule", "names", "score"],
)


def name_verdict(first_score: pd.Series, last_score: pd.Series, first_len_ok: pd.Series) -> pd.Series:
    """`agree`, `conflict` or `unknown` per pair of names (scores may be NaN when a side is missing)."""
    agree = (last_score >= LAST_AGREE) & ((first_score >= FIRST_AGREE) | first_score.isna())
    agree |= last_score.isna() & (first_score >= FIRST_AGREE) & first_len_ok
    conflict = ((first_score < FIRST_CONFLICT) & (first_len_ok | (last_score >= LAST_AGREE))) | (
        (last_score < LAST_CONFLICT) & ~(first_score >= FIRST_AGREE)
    )
    out = pd.Series("unknown", index=first_score.index, dtype="str")
    out = out.mask(conflict.fillna(False), "conflict")
    return out.mask(agree.fillna(False), "agree")
