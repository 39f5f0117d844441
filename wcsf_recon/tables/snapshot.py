"""The Snapshot: one in-memory and on-disk shape for both systems' data, wherever it came from."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..config import DEFAULT_WC_ID_FIELD
from ..display import counts_html, counts_repr
from ..errors import InputError
from .coerce import coerce_table
from .columns import apply_column_map, empty_match_columns
from .export import write_csv
from .schema import TABLES, TableSpec
from .tableio import read_table_file, to_csv_text

_EXTENSIONS = (".parquet", ".csv", ".jsonl")
OPTIONAL_TABLES = {"sf_contacts", "sf_accounts", "sf_opportunities", "sf_contact_roles"}


@dataclass
class Snapshot:
    """Both systems' records as typed DataFrames, with the APIs' own column names.

    Ids are strings, datetimes tz-aware UTC, booleans nullable booleans, money float.
    Columns not known to wcsf-recon are kept as text.
    """

    wc_leads: pd.DataFrame
    sf_leads: pd.DataFrame
    sf_contacts: pd.DataFrame
    sf_accounts: pd.DataFrame
    sf_opportunities: pd.DataFrame
    sf_contact_roles: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Table name -> DataFrame, in snapshot order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "manifest"}

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {name: len(frame) for name, frame in self.tables().items()}

    def __repr__(self) -> str:
        return counts_repr("Snapshot", self.counts())

    def _repr_html_(self) -> str:
        source = self.manifest.get("loaded_from") or self.manifest.get("source") or ""
        return counts_html("Snapshot", self.counts(), f"from {source}" if source else "")


def _find_table_file(root: Path, spec: TableSpec) -> Path | None:
    found = [root / spec.folder / f"{spec.file_stem}{ext}" for ext in _EXTENSIONS]
    present = [p for p in found if p.exists()]
    if len(present) > 1:
        raise InputError(str(root / spec.folder), f"both {present[0].name} and {present[1].name} exist; keep one")
    return present[0] if present else None


def _empty_table(spec: TableSpec, wc_id_field: str) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in spec.required})
    return coerce_table(frame, spec, f"<empty {spec.file_stem}>", wc_id_field)


def _load_table(
    root: Path, spec: TableSpec, wc_id_field: str, encoding: str, column_map: dict[str, dict[str, str]] | None
) -> tuple[pd.DataFrame, tuple[str, list[str]] | None]:
    """One table of a snapshot folder, typed, with (file, raw column names) where it carries the WhatConverts id."""
    file = _find_table_file(root, spec)
    if file is None:
        if spec.name not in OPTIONAL_TABLES:
            expected = root / spec.folder / f"{spec.file_stem}.csv"
            raise InputError(str(expected), "required table file not found (.csv, .parquet or .jsonl)")
        return _empty_table(spec, wc_id_field), None
    raw = apply_column_map(read_table_file(file, encoding=encoding), spec.name, str(file), column_map)
    columns = (str(file), [str(c) for c in raw.columns]) if spec.carries_wc_id else None
    return coerce_table(raw, spec, str(file), wc_id_field), columns


def read_snapshot(
    path: str | Path,
    wc_id_field: str | None = None,
    encoding: str = "utf-8",
    column_map: dict[str, dict[str, str]] | None = None,
) -> Snapshot:
    """Load and type a snapshot folder; raise InputError naming file, column and row on bad input.

    `whatconverts/leads.*` and `salesforce/Lead.*` are required; the other Salesforce tables
    are optional (an org may have no opportunities yet) and load as empty tables. Export headers
    (`Email Address`, `Lead ID`, ...) are renamed through the column map (`wcsf_recon.tables.columns`,
    extended by `column_map`). `wc_id_field` defaults to manifest.json's value; a field the files
    lack while they hold another id-like column is refused (`check_wc_id_field`). A matching column
    empty on one whole side is warned about (`SnapshotWarning`).
    """
    root = Path(path)
    if not root.is_dir():
        raise InputError(str(root), "snapshot folder not found")
    manifest: dict[str, Any] = {}
    manifest_path = root / "manifest.json"
    if manifest_path.exists():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(str(manifest_path), f"not valid JSON: {exc}") from None
    wc_id_field = wc_id_field or manifest.get("wc_id_field", DEFAULT_WC_ID_FIELD)
    tables: dict[str, pd.DataFrame] = {}
    raw_columns: dict[str, tuple[str, list[str]]] = {}
    # the tables are independent: two threads read and type them (Parquet decoding and the Arrow kernels of
    # `coerce_table` release the GIL); results are taken in table order, so the first bad table is reported
    with ThreadPoolExecutor(max_workers=2) as pool:
        loads = [pool.submit(_load_table, root, spec, wc_id_field, encoding, column_map) for spec in TABLES]
        for spec, load in zip(TABLES, loads, strict=True):
            tables[spec.name], columns = load.result()
            if columns is not None:
                raw_columns[spec.name] = columns
    check_wc_id_field(wc_id_field, raw_columns, manifest.get("wc_id_field"))
    for message in empty_match_columns(tables):
        warnings.warn(f"{root}: {message}", SnapshotWarning, stacklevel=2)
    manifest["wc_id_field"] = wc_id_field
    manifest["loaded_from"] = str(root)
    return Snapshot(**tables, manifest=manifest)


class SnapshotWarning(UserWarning):
    """A snapshot loaded, but something in it will quietly cost matches (an empty matching column)."""


def looks_like_id_field(column: str) -> bool:
    """`WhatConverts_Lead_ID__c`, `WC_Lead_Id__c`, `wc_id__c`: a column that may hold the WhatConverts id."""
    low = column.lower()
    return ("whatconverts" in low or low.startswith("wc") or "what_converts" in low) and "id" in low


def check_wc_id_field(wc_id_field: str, raw_columns: dict[str, tuple[str, list[str]]], manifest_value: Any) -> None:
    """Refuse a `wc_id_field` no table file has when the files (or manifest.json) point at another field.

    A snapshot from an org that has no id field at all (no id-like column, no manifest entry) loads,
    with the field empty: the first push creates it. Otherwise every stored-id link would be lost and
    every linked person planned for a backfill onto a field the data lacks.
    """
    if not raw_columns or any(wc_id_field in columns for _, columns in raw_columns.values()):
        return
    lookalike = sorted({c for _, columns in raw_columns.values() for c in columns if looks_like_id_field(c)})
    if not lookalike and manifest_value in (None, wc_id_field):
        return
    file, _ = raw_columns.get("sf_leads", next(iter(raw_columns.values())))
    hint = f"columns that look like an id field: {', '.join(lookalike)}" if lookalike else "no column looks like one"
    same_but_case = [c for c in lookalike if c.lower() == wc_id_field.lower()]
    if same_but_case:  # Salesforce API names ignore case; a snapshot's column names do not
        hint += f" ({same_but_case[0]} differs only in case: write it so in the config)"
    manifest_note = (
        f"manifest.json has wc_id_field = {manifest_value!r}" if manifest_value else "manifest.json names none"
    )
    raise InputError(
        file,
        f"wc_id_field {wc_id_field!r} is not a column of the Salesforce files; {hint}; {manifest_note}. "
        "Set wc_id_field in the config to the field that holds the WhatConverts lead id",
        column=wc_id_field,
    )


def write_snapshot(snapshot: Snapshot, path: str | Path, fmt: Literal["csv", "parquet"] = "csv") -> Path:
    """Write a snapshot folder atomically: into a temporary sibling, then renamed into place.

    Nothing is half-written: if any table fails, the destination is left as it was.
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        for spec in TABLES:
            frame = getattr(snapshot, spec.name)
            folder = staging / spec.folder
            folder.mkdir(exist_ok=True)
            if fmt == "parquet":
                frame.to_parquet(folder / f"{spec.file_stem}.parquet", index=False)
            else:
                write_csv(to_csv_text(frame), folder / f"{spec.file_stem}.csv", safe=True)
        manifest = {k: v for k, v in snapshot.manifest.items() if k != "loaded_from"}
        manifest.setdefault("written_at", datetime.now(UTC).isoformat(timespec="seconds"))
        manifest["counts"] = snapshot.counts()
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        _replace_dir(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return dest


def _replace_dir(staging: Path, dest: Path) -> None:
    """Swap `staging` into `dest` by renames; files the user keeps beside the tables survive."""
    if not dest.exists():
        os.replace(staging, dest)
        return
    backup = dest.with_name(f".{dest.name}.old")
    shutil.rmtree(backup, ignore_errors=True)
    os.replace(dest, backup)
    os.replace(staging, dest)
    snapshot_files = {f"{s.folder}/{s.file_stem}{ext}" for s in TABLES for ext in _EXTENSIONS}
    snapshot_files.add("manifest.json")
    for item in sorted(backup.rglob("*")):
        rel = item.relative_to(backup).as_posix()
        if item.is_file() and rel not in snapshot_files and not (dest / rel).exists():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(item, dest / rel)
    shutil.rmtree(backup, ignore_errors=True)
