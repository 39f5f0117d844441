"""Hand-built snapshots for rule tests: rows as dicts, typed exactly as files would be."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wcsf_recon.config import DEFAULT_WC_ID_FIELD
from wcsf_recon.tables.coerce import coerce_table
from wcsf_recon.tables.schema import TABLES
from wcsf_recon.tables.snapshot import Snapshot

_DEFAULTS = {
    "wc_leads": {"lead_type": "Web Form", "spam": "false", "duplicate": "false", "quotable": "Not Set"},
    "sf_leads": {"Company": "Acme", "IsConverted": "false", "CreatedDate": "2025-01-01T00:00:00Z"},
    "sf_contacts": {"CreatedDate": "2024-01-01T00:00:00Z"},
    "sf_accounts": {"Name": "Account"},
    "sf_opportunities": {"StageName": "Prospecting", "IsWon": "false", "IsClosed": "false", "Amount": "0"},
    "sf_contact_roles": {},
}


def make_snapshot(**tables: list[dict]) -> Snapshot:
    """A Snapshot from lists of row dicts (text values, as in CSV files); missing tables are empty."""
    typed = {}
    for spec in TABLES:
        rows = [
            {**_DEFAULTS[spec.name], **{k: None if v is None else str(v) for k, v in r.items()}}
            for r in tables.get(spec.name, [])
        ]
        frame = (
            pd.DataFrame(rows, dtype="str")
            if rows
            else pd.DataFrame({c: pd.Series([], dtype="str") for c in spec.required})
        )
        for col in spec.required:
            if col not in frame.columns:
                frame[col] = pd.Series([None] * len(frame), dtype="str")
        # hand-written ids such as "00QA" stand for real ones here; files and the APIs are checked
        typed[spec.name] = coerce_table(
            frame, spec, f"<test {spec.file_stem}>", DEFAULT_WC_ID_FIELD, check_id_format=False
        )
    return Snapshot(**typed)


def lead(lead_id: int, when: str, **fields: object) -> dict:
    """One WhatConverts lead row."""
    return {"lead_id": lead_id, "date_created": when, **fields}


def city_strangers(start: int, city: str, zips: tuple[str, str, str]) -> list[dict]:
    """Form leads of three strangers in `city`, one per ZIP, so that the city's own codes are known."""
    people = [("Ann Lowe", "ann.lowe@aol.com"), ("Bo Kent", "bo.kent@aol.com"), ("Cy Vale", "cy.vale@aol.com")]
    return [
        lead(start + i, "2025-01-05T10:00:00Z", contact_name=name, email_address=email, city=city, zip=z)
        for i, ((name, email), z) in enumerate(zip(people, zips, strict=True))
    ]


def journal_fills_after(confirms: int):
    """A stand-in for `Journal.confirm` that records `confirms` operations, then fails as on a full disk."""
    import sqlite3

    from wcsf_recon.push.journal import Journal

    real_confirm = Journal.confirm
    calls = {"n": 0}

    def confirm_until_full(self: Journal, op_id: str, result_id: str | None) -> None:
        calls["n"] += 1
        if calls["n"] > confirms:
            raise sqlite3.OperationalError("database or disk is full")
        real_confirm(self, op_id, result_id)

    return confirm_until_full


def assert_same_tables(served: Snapshot, got: dict[str, pd.DataFrame]) -> None:
    """Each table of `got` equals the one `served` (the sandbox's data), on their shared columns, in key order."""
    for name, mine in got.items():
        frame = getattr(served, name)
        key = "lead_id" if name == "wc_leads" else "Id"
        columns = [c for c in frame.columns if c in mine.columns]
        assert key in columns and len(columns) >= len(frame.columns) - 2, name  # an org's extra fields may be unread
        left = frame[columns].sort_values(key).reset_index(drop=True)
        right = mine[columns].sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(left, right, check_dtype=False, obj=name)


def person_links(recon) -> pd.DataFrame:
    """A reconciliation's person links (no opportunity rows), indexed by WhatConverts lead id."""
    return recon.links[recon.links["sf_object"] != "Opportunity"].set_index("wc_lead_id")


def reconciled_plan(snapshot: Snapshot, tmp_path_factory, name: str = "recon") -> Path:
    """`reconcile(snapshot).write(...)` into a fresh folder; its plan folder (copied per test before a push)."""
    from wcsf_recon import reconcile

    out = tmp_path_factory.mktemp(name)
    reconcile(snapshot).write(out)
    return out / "plan"
