"""The decisions file: what a reviewer said about a WhatConverts cluster and a Salesforce candidate.

`decisions.csv` has one row per answer, appended in the order given (a later answer about the same
cluster and candidate replaces an earlier one):

- `wc_lead_ids`: the WhatConverts lead ids of the cluster as the reviewer saw it, `;`-separated
  (cluster numbers change from run to run, lead ids do not);
- `candidate_id`: the Salesforce Lead or Contact id, or `new` for a `create`;
- `decision`: `same` (link), `different` (never this candidate) or `create` (a new Salesforce Lead);
- `who`, `when` (ISO 8601 UTC), `note` (free text, may be empty).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..tables.export import write_safe_csv
from ..tables.sfid import widen_ids
from ..tables.tableio import read_csv, read_table_file

DECISIONS_FILE = "decisions.csv"
COLUMNS = ["wc_lead_ids", "candidate_id", "decision", "who", "when", "note"]
KINDS = ("same", "different", "create")
NEW = "new"


def empty_decisions() -> pd.DataFrame:
    """A decisions table with no rows."""
    return pd.DataFrame({c: pd.Series(dtype="str") for c in COLUMNS})


def decision_row(
    wc_lead_ids: str | list[str], candidate_id: str | None, decision: str, who: str, note: str = ""
) -> dict[str, str]:
    """One validated answer, stamped now (UTC)."""
    ids = ";".join(wc_lead_ids) if isinstance(wc_lead_ids, list) else str(wc_lead_ids)
    row = {
        "wc_lead_ids": ids,
        "candidate_id": NEW if decision == "create" else str(candidate_id or ""),
        "decision": decision,
        "who": who,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "note": note,
    }
    return {str(k): str(v) for k, v in validate(pd.DataFrame([row]), "<answer>").iloc[0].items()}


def validate(frame: pd.DataFrame, source: str | Path) -> pd.DataFrame:
    """Check every row; raise a one-line InputError naming file, row and value at the first bad one."""
    missing = [c for c in ("wc_lead_ids", "candidate_id", "decision") if c not in frame.columns]
    if missing:
        raise InputError(str(source), f"missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}")
    frame = frame.reindex(columns=COLUMNS)
    for number, row in enumerate(frame.itertuples(index=False), start=1):  # small files: clarity over speed
        kind = _text(row.decision).lower()
        if kind not in KINDS:
            raise InputError(
                str(source), "decision must be same, different or create", column="decision", row=number, value=kind
            )
        ids = [part.strip() for part in _text(row.wc_lead_ids).split(";") if part.strip()]
        if not ids or not all(part.isdigit() for part in ids):
            raise InputError(
                str(source),
                "expected WhatConverts lead ids (digits, ';'-separated)",
                column="wc_lead_ids",
                row=number,
                value=_text(row.wc_lead_ids),
            )
        candidate = _text(row.candidate_id)
        if kind == "create" and candidate not in ("", NEW):
            raise InputError(
                str(source), "a create has candidate 'new'", column="candidate_id", row=number, value=candidate
            )
        if kind != "create" and (candidate in ("", NEW) or not candidate.isalnum() or len(candidate) not in (15, 18)):
            raise InputError(
                str(source),
                f"a '{kind}' answer names a Salesforce id (15 or 18 characters)",
                column="candidate_id",
                row=number,
                value=candidate,
            )
        when = _text(row.when)
        if when:
            try:
                datetime.fromisoformat(when)
            except ValueError:
                raise InputError(
                    str(source), "when must be an ISO 8601 time", column="when", row=number, value=when
                ) from None
    out = frame.astype("str").where(frame.notna(), "")
    out["decision"] = out["decision"].str.strip().str.lower()
    out["wc_lead_ids"] = out["wc_lead_ids"].str.replace(" ", "", regex=False)
    # a 15-character id (from a report export) is the same record as the API's 18-character one
    out["candidate_id"] = widen_ids(out["candidate_id"].str.strip()).where(out["decision"] != "create", NEW)
    return out.reset_index(drop=True)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def read_decisions(path: str | Path) -> pd.DataFrame:
    """Load a decisions file (missing file: no decisions); every value as text."""
    path = Path(path)
    if not path.exists():
        return empty_decisions()
    return validate(read_csv(path), path)


def append_decisions(path: str | Path, rows: pd.DataFrame | list[dict[str, str]]) -> pd.DataFrame:
    """Add answers to the end of the file (written whole to a temporary file and renamed); the new table."""
    path = Path(path)
    new = validate(pd.DataFrame(rows) if isinstance(rows, list) else rows, "<answers>")
    table = pd.concat([read_decisions(path), new], ignore_index=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_safe_csv(table, path)
    return table


def import_review_file(path: str | Path, who: str | None = None) -> pd.DataFrame:
    """Answers typed into the `decision` column of review_queue.csv / .xlsx, as decision rows.

    Rows with an empty `decision` are skipped; `create` may sit on any row of the cluster. `who`
    and `note` columns are read when present, else `who` is the argument (or $USER).
    """
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        sheets = pd.read_excel(path, sheet_name=None, dtype="str")
        name = next((n for n in sheets if n.replace("_", " ").lower() == "review queue"), None)
        if name is None:
            raise InputError(str(path), "no 'review queue' sheet")
        table = sheets[name]
    else:
        table = read_table_file(path)
    for column in ("wc_lead_ids", "candidate_id", "decision"):
        if column not in table.columns:
            raise InputError(str(path), f"no '{column}' column (export the review queue again)")
    answered = table[table["decision"].fillna("").astype("str").str.strip() != ""]
    who = who or os.environ.get("USER") or "unknown"
    kinds = answered["decision"].astype("str").str.strip().str.lower()
    rows = pd.DataFrame(
        {
            "wc_lead_ids": answered["wc_lead_ids"],
            "candidate_id": answered["candidate_id"].where(kinds != "create", NEW),
            "decision": answered["decision"],
            "who": answered["who"].fillna(who) if "who" in answered else who,
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "note": answered["note"].fillna("") if "note" in answered else "",
        }
    )
    try:
        out = validate(rows.reset_index(drop=True), path)
    except InputError as exc:  # report the spreadsheet's own row number, not the answered row's
        if exc.row is not None:
            raise InputError(
                str(path), exc.problem, column=exc.column, row=int(answered.index[exc.row - 1]) + 1, value=exc.value
            ) from None
        raise
    return _one_outcome_per_cluster(out, path)


def _one_outcome_per_cluster(rows: pd.DataFrame, source: Path) -> pd.DataFrame:
    """A spreadsheet holds one round of answers: a cluster gets one `same` or one `create`, not both."""
    outcome = rows[rows["decision"] != "different"]
    clash = outcome[outcome["wc_lead_ids"].duplicated(keep=False)]
    if len(clash):
        raise InputError(
            str(source),
            "one cluster answered 'same'/'create' on more than one row",
            column="wc_lead_ids",
            value=clash["wc_lead_ids"].iloc[0],
        )
    return rows.drop_duplicates(["wc_lead_ids", "candidate_id", "decision"]).reset_index(drop=True)
