"""`extract`: pull both systems into a Snapshot, incrementally, resumably, within WhatConverts' budget.

State lives in a folder (default `.wcsf-state/`): the WhatConverts leads fetched so far and how
far they reach (`covered_until`), per-object Salesforce tables and their `SystemModstamp`
watermark, and the daily request count. A run fetches WhatConverts from `covered_until` minus an
overlap (1 day) and Salesforce rows modified since the watermark minus 5 minutes, merges them by
id (newer wins) and writes the whole snapshot. A run stopped by the daily cap keeps every
window it completed; the next run continues from there. WhatConverts has no `last_updated`
filter: edits to old leads are picked up by `--full`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from simple_salesforce import format_soql

from .atomic import atomic_path, write_json
from .clients.salesforce import SalesforceReader
from .clients.whatconverts import WhatConvertsClient, windows
from .coerce import coerce_table
from .config import Config
from .errors import ConfigError
from .schema import SF_OBJECTS, TABLES
from .snapshot import Snapshot
from .wc_records import leads_frame

WC_OVERLAP = timedelta(days=1)
SF_LOOKBACK = timedelta(minutes=5)


@dataclass
class ExtractSettings:
    """Where state is kept and how far back to look."""

    state_dir: Path = Path(".wcsf-state")
    history_start: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(days=3 * 365))
    full: bool = False
    extra_fields: dict[str, list[str]] = field(default_factory=dict)  # sObject -> more fields to read
    progress: Callable[[str, int, int], None] | None = None  # (what, done, total): pages and objects read


@dataclass
class ExtractStats:
    """What a run did: requests on each side and how each object was read."""

    wc_requests: int = 0
    wc_budget_left: int = 0
    wc_windows: int = 0
    sf_methods: dict[str, str] = field(default_factory=dict)
    sf_rows_fetched: dict[str, int] = field(default_factory=dict)
    sf_api_usage: str = "unknown"
    sf_logins: int = 0


class WhatConvertsState:
    """Leads fetched so far (raw objects) and the time up to which they are complete."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.leads_path = folder / "leads.jsonl"
        self.progress_path = folder / "progress.json"

    def load(self) -> tuple[dict[int, dict[str, Any]], datetime | None]:
        leads: dict[int, dict[str, Any]] = {}
        if self.leads_path.exists():
            for line in self.leads_path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    lead = json.loads(line)
                    leads[int(lead["lead_id"])] = lead
        covered = None
        if self.progress_path.exists():
            covered = datetime.fromisoformat(json.loads(self.progress_path.read_text())["covered_until"])
        return leads, covered

    def save(self, leads: dict[int, dict[str, Any]], covered_until: datetime) -> None:
        with atomic_path(self.leads_path) as tmp, tmp.open("w", encoding="utf-8") as fh:
            for lead_id in sorted(leads):
                fh.write(json.dumps(leads[lead_id], ensure_ascii=False) + "\n")
        write_json(self.progress_path, {"covered_until": covered_until.isoformat()})


def extract_whatconverts(
    client: WhatConvertsClient, settings: ExtractSettings, stats: ExtractStats, master: bool = False
) -> pd.DataFrame:
    """All leads, fetching only what the state does not already cover (plus the overlap).

    A profile key reaches one profile. A master (agency) key lists its accounts and profiles and
    fetches each profile with `profile_id`, keeping state per profile.
    """
    before = client.requests_sent
    leads: dict[int, dict[str, Any]] = {}
    try:
        scopes = [(f"profile-{pid}", {"profile_id": pid}) for _, pid in client.profiles()] if master else [("", {})]
        for name, filters in scopes:
            state = WhatConvertsState(settings.state_dir / "whatconverts" / name)
            mine, covered = ({}, None) if settings.full else state.load()
            now = datetime.now(UTC).replace(microsecond=0)
            start = max(covered - WC_OVERLAP, settings.history_start) if covered else settings.history_start
            for lo, hi in windows(start, now):
                for lead in client.iter_window(lo, hi, progress=settings.progress, **filters):
                    mine[int(lead["lead_id"])] = lead
                state.save(mine, hi)
                stats.wc_windows += 1
            leads.update(mine)
    finally:
        stats.wc_requests += client.requests_sent - before
        stats.wc_budget_left = client.budget.remaining
    return leads_frame(leads[k] for k in sorted(leads))


def record_pushed_updates(state_dir: Path, confirmed: dict[str, dict[str, Any]]) -> int:
    """Write values a push confirmed into the stored WhatConverts leads.

    The API has no `last_updated` filter, so an incremental extract never refetches an old lead;
    without this the next reconcile would see the old values and plan the same edits again.
    """
    changed = 0
    for progress in (state_dir / "whatconverts").rglob("progress.json"):
        state = WhatConvertsState(progress.parent)
        leads, covered = state.load()
        hits = [lead_id for lead_id in leads if str(lead_id) in confirmed]
        for lead_id in hits:
            values = confirmed[str(lead_id)]
            quotable = str(values.get("quotable", "")).lower()
            leads[lead_id].update(
                quotable={"yes": "Yes", "no": "No"}.get(quotable, leads[lead_id].get("quotable")),
                **{  # a value the push left out (null and nothing to credit) stays as it was
                    k: float(values[k]) if values.get(k) is not None else leads[lead_id].get(k)
                    for k in ("quote_value", "sales_value")
                },
            )
        if hits and covered is not None:
            state.save(leads, covered)
            changed += len(hits)
    return changed


def _wanted_fields(attr: str, available: list[str], config: Config, settings: ExtractSettings) -> dict[str, str]:
    """Org spelling -> the spelling the snapshot uses, for the wanted fields the org has.

    Salesforce API names are case-insensitive (issue 13 #14), so a config's
    `whatconverts_lead_id__c` reads the org's `WhatConverts_Lead_ID__c`; rows come back keyed by
    the org's spelling and are renamed to the wanted one.
    """
    spec = next(s for s in TABLES if s.name == attr)
    configured = list(config.lead_fields) if attr == "sf_leads" else []  # the attribution fields creates write
    wanted = [
        *spec.expected_columns(config.wc_id_field),
        "IsDeleted",
        "SystemModstamp",
        *configured,
        *settings.extra_fields.get(SF_OBJECTS[attr], []),
    ]
    org = {name.lower(): name for name in available}
    missing_required = [f for f in spec.required if f.lower() not in org]
    if missing_required:
        raise ConfigError(f"Salesforce {SF_OBJECTS[attr]} has no field(s) {', '.join(missing_required)}")
    return {org[f.lower()]: f for f in dict.fromkeys(wanted) if f.lower() in org}


def _id_text(column: pd.Series) -> pd.Series:
    """A Number(18,0) id field reads back as `178800123.0` through REST: the id is `178800123`."""
    return column.str.replace(r"\.0+$", "", regex=True)


def extract_salesforce(
    reader: SalesforceReader, config: Config, settings: ExtractSettings, stats: ExtractStats
) -> dict[str, pd.DataFrame]:
    """Each object: describe, then the rows modified since the watermark, merged into the stored table."""
    folder = settings.state_dir / "salesforce"
    tables: dict[str, pd.DataFrame] = {}
    has_id_field = []
    for done, (attr, sobject) in enumerate(SF_OBJECTS.items()):
        if settings.progress is not None:
            settings.progress("Salesforce objects", done, len(SF_OBJECTS))
        available = reader.fields(sobject)
        if config.wc_id_field.lower() in {f.lower() for f in available}:
            has_id_field.append(sobject)
        names = _wanted_fields(attr, available, config, settings)
        fields = list(names.values())
        cached_path = folder / f"{sobject}.parquet"
        mark_path = folder / f"{sobject}.watermark.json"
        cached = None if settings.full or not cached_path.exists() else pd.read_parquet(cached_path)
        where = ""
        if cached is not None and mark_path.exists() and "SystemModstamp" in fields:
            mark = datetime.fromisoformat(json.loads(mark_path.read_text())["SystemModstamp"]) - SF_LOOKBACK
            where = format_soql(" WHERE SystemModstamp >= {:literal}", mark.strftime("%Y-%m-%dT%H:%M:%SZ"))
        rows, method = reader.read(sobject, list(names), where)
        stats.sf_methods[sobject] = method
        stats.sf_rows_fetched[sobject] = len(rows)
        fresh = pd.DataFrame(rows, columns=list(names), dtype="str").rename(columns=names).replace("", None)
        if config.wc_id_field in fresh:
            fresh[config.wc_id_field] = _id_text(fresh[config.wc_id_field])
        table = fresh if cached is None else pd.concat([cached[~cached["Id"].isin(fresh["Id"])], fresh])
        with atomic_path(cached_path) as tmp:  # a crash mid-write must leave the last cache readable
            table.to_parquet(tmp, index=False)
        if "SystemModstamp" in table and table["SystemModstamp"].notna().any():
            newest = pd.to_datetime(table["SystemModstamp"], utc=True, format="ISO8601").max()
            write_json(mark_path, {"SystemModstamp": newest.isoformat()})
        tables[attr] = table.reset_index(drop=True)
    if settings.progress is not None:
        settings.progress("Salesforce objects", len(SF_OBJECTS), len(SF_OBJECTS))
    if "Lead" not in has_id_field:
        raise ConfigError(
            f"Salesforce field {config.wc_id_field} does not exist on Lead (wc_id_field in the config); "
            f"found it on: {', '.join(has_id_field) or 'no object'}"
        )
    stats.sf_api_usage = reader.api_usage
    stats.sf_logins = reader.logins
    return tables


def extract(
    client: WhatConvertsClient,
    reader: SalesforceReader,
    config: Config,
    settings: ExtractSettings,
    master_key: bool = False,
) -> tuple[Snapshot, ExtractStats]:
    """Both systems into one typed Snapshot."""
    stats = ExtractStats()
    raw = {
        "wc_leads": extract_whatconverts(client, settings, stats, master_key),
        **extract_salesforce(reader, config, settings, stats),
    }
    typed = {
        spec.name: coerce_table(raw[spec.name], spec, f"<api {spec.file_stem}>", config.wc_id_field) for spec in TABLES
    }
    manifest = {
        "source": "api",
        "extracted_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "wc_id_field": config.wc_id_field,
        "wc_requests": stats.wc_requests,
        "sf_methods": stats.sf_methods,
        "sf_api_usage": stats.sf_api_usage,
    }
    return Snapshot(**typed, manifest=manifest), stats
