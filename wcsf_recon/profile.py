"""A first look at a snapshot: row counts and how many phones/emails failed normalization, and why."""

from __future__ import annotations

import pandas as pd

from .normalize import NormalizedSnapshot, quality_report


def profile_snapshot(norm: NormalizedSnapshot) -> dict[str, pd.DataFrame]:
    """Tables for a summary: `counts` (rows per table) and `quality` (invalid values by reason)."""
    snap = norm.snapshot
    counts = pd.DataFrame({"table": list(snap.counts()), "rows": list(snap.counts().values())})
    leads = norm.wc_leads
    coverage = pd.DataFrame(
        [
            {"table": name, "field": col, "present": int(frame[col].notna().sum()), "rows": len(frame)}
            for name, frame, cols in (
                ("wc_leads", leads, ("n_phone", "n_email", "n_last")),
                ("sf_leads", norm.sf_leads, ("n_phone", "n_email", "n_last")),
                ("sf_contacts", norm.sf_contacts, ("n_phone", "n_email", "n_last")),
            )
            for col in cols
        ]
    )
    return {"counts": counts, "quality": quality_report(norm), "coverage": coverage}
