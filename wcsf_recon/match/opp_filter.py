"""Which opportunities feed WhatConverts values (config `opportunity_filter`), with the reason for each exclusion."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import OpportunityFilter


def filter_opportunities(opps: pd.DataFrame, rule: OpportunityFilter) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kept, excluded); `excluded` has a `filtered_because` column naming the first failed condition.

    Deleted opportunities are always excluded.
    """
    reason = pd.Series(None, index=opps.index, dtype="str")

    def exclude(mask: pd.Series, text: str) -> None:
        nonlocal reason
        reason = reason.mask(reason.isna() & mask.fillna(True).astype(bool), text)

    if "IsDeleted" in opps.columns:
        exclude(opps["IsDeleted"].astype("boolean").fillna(False), "deleted")
    if rule.stages is not None:
        exclude(~opps["StageName"].isin(rule.stages), f"stage not in {', '.join(rule.stages)}")
    if rule.won_only:
        exclude(~opps["IsWon"].astype("boolean").fillna(False), "not won")
    if rule.closed_only:
        exclude(~opps["IsClosed"].astype("boolean").fillna(False), "not closed")
    if rule.min_amount is not None:
        exclude(~(opps["Amount"] > rule.min_amount), f"amount not above {rule.min_amount:g}")
    if rule.record_types is not None:
        kinds = [c for c in ("RecordTypeId", "RecordType.Name", "RecordTypeName") if c in opps.columns]
        has = np.zeros(len(opps), dtype=bool)
        for col in kinds:
            has |= opps[col].isin(rule.record_types).to_numpy()
        exclude(pd.Series(~has, index=opps.index), f"record type not in {', '.join(rule.record_types)}")
    if rule.close_date_after is not None:
        cutoff = pd.Timestamp(rule.close_date_after, tz="UTC")
        close = opps["CloseDate"] if "CloseDate" in opps.columns else pd.Series(pd.NaT, index=opps.index)
        exclude(~(close > cutoff), f"close date not after {rule.close_date_after.isoformat()}")
    excluded = reason.notna()
    return opps[~excluded], opps[excluded].assign(filtered_because=reason[excluded])
