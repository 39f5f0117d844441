"""`extract`: pull both systems into a Snapshot, incrementally, resumably, within WhatConverts' budget.

State lives in a folder (default `.wcsf-state/`): the WhatConverts leads fetched so far as
append-only Parquet partitions (one per page) and how far they reach (`progress.json`: the window
in progress and its next page), per-object Salesforce tables and their `SystemModstamp`
watermark, and the daily request count. A run fetches WhatConverts from `covered_until` minus an
overlap (1 day) and Salesforce rows modified since the watermark minus 5 minutes, merges them by
id (newer wins) and writes the whole snapshot. A run stopped by the daily cap keeps every page it
fetched; the next run continues at the next page. WhatConverts has no `last_updated` filter:
edits to old leads are picked up by `--full`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from simple_salesforce import format_soql
from simple_salesforce.exceptions import SalesforceMalformedRequest

from .atomic import write_json
from .clients.salesforce import SalesforceReader
from .clients.salesforce_query import Cursor
from .clients.whatconverts import MAX_PER_PAGE, MAX_WINDOW_DAYS, WhatConvertsClient
from .config import Config
from .errors import ConfigError
from .tables.coerce import coerce_table
from .tables.partitions import Partitions
from .tables.schema import SF_OBJECTS, TABLES
from .tables.snapshot import Snapshot
from .tables.wc_records import flatten_lead

log = logging.getLogger(__name__)

WC_OVERLAP = timedelta(days=1)
SF_LOOKBACK = timedelta(minutes=5)


@dataclass
class ExtractSettings:
    """Where state is kept and how far back to look."""

    state_dir: Path = Path(".wcsf-state")
    history_start: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(days=3 * 365))
    full: bool = False
    extra_fields: dict[str, list[str]] = field(default_factory=dict)  # sObject -> more fields to read
    wc_page_size: int = MAX_PER_PAGE  # leads per WhatConverts page (tests use small pages)
    progress: Callable[[str, int, int], None] | None = None  # (what, done, total): pages and objects read


@dataclass
class ExtractStats:
    """What a run did: requests on each side and how each object was read."""

    wc_requests: int = 0
    wc_budget_left: int = 0
    wc_windows: int = 0
    sf_methods: dict[str, str] = field(default_factory=dict)
    sf_rows_fetched: dict[str, int] = field(default_factory=dict)
    sf_pages: dict[str, int] = field(default_factory=dict)
    sf_rows_held: int = 0  # the most rows held at once while reading Salesforce: one page
    sf_api_usage: str = "unknown"
    sf_logins: int = 0


class WhatConvertsState:
    """One scope's leads as append-only Parquet partitions, plus how far they reach (`progress.json`).

    Each fetched page becomes one partition (`parts/000042.parquet`, flat text columns as
    `leads_frame` gives them) written before the progress that points past it, so a stop at any
    moment (daily cap, crash) loses no page and the next run resumes at the next page of the same
    window. Nothing is rewritten: a lead fetched again, or edited by a push, is a newer row in a
    newer partition, and the newest row wins when the table is read.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parts = Partitions(folder / "parts")
        self.progress_path = folder / "progress.json"

    def progress(self) -> dict[str, Any]:
        """Where the extraction stands: covered_until, cursor, target_until, the open window, next_part."""
        progress: dict[str, Any] = {
            "covered_until": None,
            "cursor": None,
            "target_until": None,
            "window": None,
            "next_part": 1,
        }
        if self.progress_path.exists():
            progress.update(json.loads(self.progress_path.read_text()))
        self._migrate(progress)
        return progress

    def _migrate(self, progress: dict[str, Any]) -> None:
        """State written by earlier versions (one `leads.jsonl` of every lead) becomes partition 1, once."""
        old = self.folder / "leads.jsonl"
        if not old.exists():
            return
        with old.open(encoding="utf-8") as fh:
            leads = [json.loads(line) for line in fh if line.strip()]
        progress["next_part"] = max(int(progress["next_part"]), 1)
        self.append(_page_table(leads), progress)
        self.save_progress(progress)
        old.rename(old.with_name("leads.jsonl.migrated"))

    def save_progress(self, progress: dict[str, Any]) -> None:
        write_json(self.progress_path, progress)

    def append(self, rows: pa.Table, progress: dict[str, Any]) -> None:
        """Write `rows` as the next partition (atomically); the caller saves `progress` after."""
        if self.parts.write(rows, int(progress["next_part"])):
            progress["next_part"] = int(progress["next_part"]) + 1

    def frame(self) -> pd.DataFrame:
        """Every stored lead, the newest row of each lead_id, ordered by lead_id."""
        # one Arrow table over every partition (columns unified: forms add labels over time), one conversion
        table = self.parts.frame("lead_id")
        if not len(table):
            return pd.DataFrame()
        order = pd.to_numeric(table["lead_id"]).argsort(kind="stable")
        return table.iloc[order].reset_index(drop=True)

    def reset(self) -> None:
        """Forget everything (`--full`)."""
        self.parts.reset()
        self.progress_path.unlink(missing_ok=True)


def _page_table(leads: list[dict[str, Any]]) -> pa.Table:
    """One page of raw leads as flat text columns: every key any lead of the page has (forms differ)."""
    rows = [flatten_lead(lead) for lead in leads]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return pa.table({key: pa.array([row.get(key) for row in rows], pa.string()) for key in columns})


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _extract_scope(
    client: WhatConvertsClient,
    state: WhatConvertsState,
    settings: ExtractSettings,
    filters: dict[str, Any],
    stats: ExtractStats,
) -> pd.DataFrame:
    """Fetch what this scope's state does not cover yet, page by page, saving after every page.

    A new extraction runs from `covered_until` minus the overlap (or `history_start`) to now, and
    that end stays fixed until it is reached: a run stopped by the daily cap is continued by the
    next run at the next page of the same window, so a backlog of N pages costs exactly N requests
    over as many days as the budget needs, and a day that finishes the backlog ends without asking
    for the newest leads (the next run fetches them).
    """
    if settings.full:
        state.reset()
    progress = state.progress()
    if progress["window"] is None and (
        progress["target_until"] is None or progress["cursor"] > progress["target_until"]
    ):
        covered = datetime.fromisoformat(progress["covered_until"]) if progress["covered_until"] else None
        start = max(covered - WC_OVERLAP, settings.history_start) if covered else settings.history_start
        progress.update(cursor=_stamp(start), target_until=_stamp(datetime.now(UTC).replace(microsecond=0)))
        state.save_progress(progress)
    target = datetime.fromisoformat(progress["target_until"])
    while progress["window"] is not None or datetime.fromisoformat(progress["cursor"]) <= target:
        if progress["window"] is None:
            lo = datetime.fromisoformat(progress["cursor"])
            hi = min(lo + timedelta(days=MAX_WINDOW_DAYS) - timedelta(seconds=1), target)
            progress["window"] = {"start": _stamp(lo), "end": _stamp(hi), "next_page": 1, "received": 0}
        window = progress["window"]
        lo, hi = datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"])
        pages = client.iter_pages(
            lo,
            hi,
            settings.wc_page_size,
            first_page=window["next_page"],
            received=window["received"],
            progress=settings.progress,
            **filters,
        )
        shrunk = False
        for page in pages:
            known = window.get("total_leads")
            if known is not None and page.total_leads is not None and page.total_leads < known:
                # leads of this window were deleted since its earlier pages: later pages moved up, so
                # going on would skip some; the window starts again (what arrived twice is deduplicated)
                shrunk = True
                break
            state.append(_page_table(page.leads), progress)
            window.update(
                next_page=page.number + 1, received=window["received"] + len(page.leads), total_leads=page.total_leads
            )
            state.save_progress(progress)
        if shrunk:
            window.update(next_page=1, received=0, total_leads=None)
            state.save_progress(progress)
            continue
        progress.update(covered_until=_stamp(hi), cursor=_stamp(hi + timedelta(seconds=1)), window=None)
        state.save_progress(progress)
        stats.wc_windows += 1
    return state.frame()


def extract_whatconverts(
    client: WhatConvertsClient, settings: ExtractSettings, stats: ExtractStats, master: bool = False
) -> pd.DataFrame:
    """All leads, fetching only what the state does not already cover (plus the overlap).

    A profile key reaches one profile. A master (agency) key lists its accounts and profiles and
    fetches each profile with `profile_id`, keeping state per profile. Zero leads is a valid answer.
    """
    before = client.requests_sent
    frames = []
    try:
        scopes = [(f"profile-{pid}", {"profile_id": pid}) for _, pid in client.profiles()] if master else [("", {})]
        for name, filters in scopes:
            frames.append(
                _extract_scope(
                    client, WhatConvertsState(settings.state_dir / "whatconverts" / name), settings, filters, stats
                )
            )
    finally:
        stats.wc_requests += client.requests_sent - before
        stats.wc_budget_left = client.budget.remaining
    found = [f for f in frames if len(f)]
    if not found:
        spec = next(s for s in TABLES if s.name == "wc_leads")
        return pd.DataFrame({c: pd.Series([], dtype="str") for c in spec.required})
    table = pd.concat(found, ignore_index=True).drop_duplicates("lead_id", keep="last")
    return table.iloc[pd.to_numeric(table["lead_id"]).argsort(kind="stable")].reset_index(drop=True)


def record_pushed_updates(state_dir: Path, confirmed: dict[str, dict[str, Any]]) -> int:
    """Write values a push confirmed into the stored WhatConverts leads (one new partition per scope).

    The API has no `last_updated` filter, so an incremental extract never refetches an old lead;
    without this the next reconcile would see the old values and plan the same edits again.
    """
    changed = 0
    for progress_path in (state_dir / "whatconverts").rglob("progress.json"):
        state = WhatConvertsState(progress_path.parent)
        stored = state.frame()
        if not len(stored) or not confirmed:
            continue
        hits = stored[stored["lead_id"].astype(str).isin(list(confirmed))].copy()
        if not len(hits):
            continue
        values = [confirmed[str(k)] for k in hits["lead_id"]]
        quotable = [str(v.get("quotable", "")).lower() for v in values]
        old = hits["quotable"].tolist() if "quotable" in hits else [None] * len(hits)
        hits["quotable"] = [{"yes": "Yes", "no": "No"}.get(q, was) for q, was in zip(quotable, old, strict=True)]
        for key in ("quote_value", "sales_value"):  # a value the push left out (null, nothing to credit) stays
            was = hits[key].tolist() if key in hits else [None] * len(hits)
            hits[key] = [str(float(v[key])) if pd.notna(v.get(key)) else w for v, w in zip(values, was, strict=True)]
        progress = state.progress()
        state.append(pa.Table.from_pandas(hits, preserve_index=False), progress)
        state.save_progress(progress)
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
        *(["CurrencyIsoCode"] if attr == "sf_opportunities" else []),  # present only in multi-currency orgs
    ]
    org = {name.lower(): name for name in available}
    missing_required = [f for f in spec.required if f.lower() not in org]
    if missing_required:
        raise ConfigError(f"Salesforce {SF_OBJECTS[attr]} has no field(s) {', '.join(missing_required)}")
    return {org[f.lower()]: f for f in dict.fromkeys(wanted) if f.lower() in org}


def currency_rates(reader: SalesforceReader) -> tuple[str, dict[str, float]]:
    """(corporate ISO code, ISO code -> ConversionRate) from CurrencyType, the org's conversion rates."""
    soql = "SELECT IsoCode, ConversionRate, IsCorporate FROM CurrencyType WHERE IsActive = true"
    rows = reader.call(lambda sf: list(sf.query_all_iter(soql)), "read currency rates")
    corporate = next((str(r["IsoCode"]) for r in rows if r.get("IsCorporate")), "")
    return corporate, {str(r["IsoCode"]): float(r["ConversionRate"]) for r in rows}


DATED_COLUMNS = ["IsoCode", "ConversionRate", "StartDate", "NextStartDate"]


def dated_rates(reader: SalesforceReader) -> pd.DataFrame:
    """The org's DatedConversionRate rows (empty when advanced currency management is off).

    Object Reference, DatedConversionRate (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/
    object_reference/sforce_api_objects_datedconversionrate.htm): "for multicurrency organizations with advanced
    currency management enabled ... not available" otherwise, so a refused query means "no dated rates".
    """
    soql = f"SELECT {', '.join(DATED_COLUMNS)} FROM DatedConversionRate"
    try:
        rows = reader.call(lambda sf: list(sf.query_all_iter(soql)), "read dated currency rates")
    except SalesforceMalformedRequest:  # INVALID_TYPE: the object does not exist in this org
        return pd.DataFrame(columns=DATED_COLUMNS)
    return pd.DataFrame([{c: r.get(c) for c in DATED_COLUMNS} for r in rows], columns=DATED_COLUMNS)


def _dated_rate_per_row(opps: pd.DataFrame, dated: pd.DataFrame) -> pd.Series:
    """Each opportunity's dated rate: the one whose [StartDate, NextStartDate) holds its CloseDate, else NaN.

    Salesforce converts opportunity amounts at the dated rate in force on the CloseDate ("opportunities that
    closed between January 1 and February 1 use the first exchange rate", About Advanced Currency Management,
    as quoted at http://www.simplysfdc.com/2014/02/dated-exchange-rates-versus-conversion.html). Vectorized:
    merge_asof finds the latest StartDate <= CloseDate per currency, then NextStartDate bounds it.
    """
    close = pd.to_datetime(opps["CloseDate"], errors="coerce", utc=True, format="ISO8601")
    close = close.dt.tz_localize(None).dt.normalize()
    left = pd.DataFrame({"_row": range(len(opps)), "IsoCode": opps["CurrencyIsoCode"].to_numpy(), "_close": close})
    left = left[left["_close"].notna() & left["IsoCode"].notna()].sort_values("_close")
    right = dated.assign(
        _start=pd.to_datetime(dated["StartDate"], errors="coerce"),
        _next=pd.to_datetime(dated["NextStartDate"], errors="coerce"),
        ConversionRate=pd.to_numeric(dated["ConversionRate"], errors="coerce"),
    ).dropna(subset=["_start", "ConversionRate"])
    right = right.astype({"IsoCode": "str"}).sort_values("_start")
    left = left.astype({"IsoCode": "str"})
    hit = pd.merge_asof(left, right, left_on="_close", right_on="_start", by="IsoCode", direction="backward")
    in_force = hit["_next"].isna() | (hit["_close"] < hit["_next"])
    rate = pd.Series(float("nan"), index=range(len(opps)))
    rate[hit.loc[in_force, "_row"].to_numpy()] = hit.loc[in_force, "ConversionRate"].to_numpy()
    return pd.Series(rate.to_numpy(), index=opps.index)


def in_corporate_currency(
    opps: pd.DataFrame, rates: tuple[str, dict[str, float]], dated: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Opportunity Amounts in the corporate currency, so sums across currencies mean something.

    A multi-currency org stores each Amount in its record's `CurrencyIsoCode`; a `ConversionRate` is
    units of that currency per corporate unit (Object Reference, CurrencyType and DatedConversionRate),
    so corporate = Amount / rate. With advanced currency management (`dated` non-empty) each Amount
    takes the dated rate in force on its CloseDate, and CurrencyType's static rate only where no dated
    rate covers the date. `Amount_original` keeps the value as entered, `AmountCurrency` names the
    corporate currency and `AmountRates` says which rate converted it ("dated", "static", or null when
    none did); the update's explanation says so.
    """
    corporate, rate = rates
    out = opps.copy()
    amount = pd.to_numeric(out["Amount"], errors="coerce")
    static = out["CurrencyIsoCode"].map(rate)
    by_date = (
        _dated_rate_per_row(out, dated) if dated is not None and len(dated) else pd.Series(float("nan"), out.index)
    )
    known = by_date.fillna(static)
    unknown = sorted(set(out.loc[known.isna() & out["CurrencyIsoCode"].notna(), "CurrencyIsoCode"]))
    if unknown:
        log.warning("no active conversion rate for %s: those Amounts are left as entered", ", ".join(unknown))
    converted = (amount / known.fillna(1.0)).round(2)
    foreign = out["CurrencyIsoCode"].notna() & (out["CurrencyIsoCode"] != corporate)
    out["Amount_original"] = out["Amount"]
    out["Amount"] = converted.map(lambda v: None if pd.isna(v) else f"{v:.2f}")
    out["AmountCurrency"] = corporate
    out["AmountRates"] = pd.Series(None, index=out.index, dtype=object)  # null when no rate converted it
    out.loc[foreign & static.notna(), "AmountRates"] = "static"
    out.loc[foreign & by_date.notna(), "AmountRates"] = "dated"
    return out


class SalesforceState:
    """One object's rows as append-only Parquet partitions, plus how far its read stands (`progress.json`).

    Each page of a read becomes one partition (`salesforce/Lead/parts/000042.parquet`, text columns
    in the snapshot's spelling) written before the progress that points past it (the query cursor,
    `clients.salesforce_query.Cursor`), so a crash or a refused request loses no page and the next
    run continues at the next one. The `SystemModstamp` watermark moves only when a read finishes.
    """

    def __init__(self, salesforce_dir: Path, sobject: str) -> None:
        self.folder = salesforce_dir / sobject
        self.parts = Partitions(self.folder / "parts")
        self.progress_path = self.folder / "progress.json"
        self._legacy = (salesforce_dir / f"{sobject}.parquet", salesforce_dir / f"{sobject}.watermark.json")

    def progress(self) -> dict[str, Any]:
        """cursor (an unfinished read or None), newest (its highest SystemModstamp), watermark, next_part."""
        progress: dict[str, Any] = {"cursor": None, "newest": None, "watermark": None, "next_part": 1}
        if self.progress_path.exists():
            progress.update(json.loads(self.progress_path.read_text()))
        self._migrate(progress)
        return progress

    def _migrate(self, progress: dict[str, Any]) -> None:
        """State of earlier versions (one `Lead.parquet` rewritten whole, `Lead.watermark.json`) becomes part 0."""
        table, mark = self._legacy
        if table.exists():
            self.parts.folder.mkdir(parents=True, exist_ok=True)
            table.replace(self.parts.folder / f"{0:06d}.parquet")
        if mark.exists():
            progress["watermark"] = json.loads(mark.read_text())["SystemModstamp"]
            self.save(progress)
            mark.unlink()

    def save(self, progress: dict[str, Any]) -> None:
        write_json(self.progress_path, progress)

    def append(self, rows: pa.Table, progress: dict[str, Any]) -> None:
        """Write a page as the next partition; the caller saves `progress` after."""
        if self.parts.write(rows, int(progress["next_part"])):
            progress["next_part"] = int(progress["next_part"]) + 1

    def compact(self, progress: dict[str, Any], key: str = "Id") -> None:
        """Many small partitions (one per incremental run) become one: the newest row of each key.

        The merged partition is written and recorded before the old ones go, so a crash in between
        leaves rows stored twice, never missing (the newest still wins).
        """
        files = self.parts.files()
        if len(files) <= COMPACT_AFTER:
            return
        merged = self.parts.newest(key)
        assert merged is not None  # files exist
        self.append(merged, progress)
        self.save(progress)
        for f in files:
            f.unlink()

    def reset(self) -> None:
        """Forget everything (`--full`)."""
        self.parts.reset()
        self.progress_path.unlink(missing_ok=True)
        for legacy in self._legacy:
            legacy.unlink(missing_ok=True)


COMPACT_AFTER = 32  # partitions of one object before they are merged into one


def _text_schema(columns: list[str]) -> pa.Schema:
    return pa.schema([(name, pa.string()) for name in columns])


def _stored_page(
    page: pa.Table,
    names: dict[str, str],
    config: Config,
    rates: tuple[tuple[str, dict[str, float]], pd.DataFrame] | None,
) -> pa.Table:
    """A page as the state keeps it: the snapshot's column names, ids as text, Amounts in the corporate currency."""
    page = page.rename_columns([names[c] for c in page.column_names])
    if config.wc_id_field in page.column_names:  # a Number(18,0) id reads back as `178800123.0` through REST
        index = page.column_names.index(config.wc_id_field)
        page = page.set_column(
            index, config.wc_id_field, pc.replace_substring_regex(page[config.wc_id_field], r"\.0+$", "")
        )
    if rates is None or not page.num_rows:
        return page
    frame = in_corporate_currency(page.to_pandas(), *rates)
    return pa.Table.from_pandas(frame, schema=_text_schema(list(frame.columns)), preserve_index=False)


def _newest(page: pa.Table, newest: str | None) -> str | None:
    """The later of `newest` and the page's highest SystemModstamp (ISO 8601, UTC)."""
    if "SystemModstamp" not in page.column_names or not page.num_rows:
        return newest
    stamps = pd.to_datetime(page["SystemModstamp"].to_pandas(), utc=True, format="ISO8601")
    found = [t for t in (stamps.max(), pd.Timestamp(newest) if newest else None) if t is not None and pd.notna(t)]
    return max(found).isoformat() if found else newest


def _sync_object(
    reader: SalesforceReader,
    state: SalesforceState,
    names: dict[str, str],
    config: Config,
    stats: ExtractStats,
) -> None:
    """Read one object's new rows page by page into its partitions, continuing an unfinished read."""
    sobject = state.folder.name
    progress = state.progress()
    cursor = Cursor.from_json(progress["cursor"]) if progress["cursor"] else None
    if cursor is not None and cursor.fields != list(names):  # the wanted fields changed: read again
        cursor = None
    if cursor is None:
        where = []
        if progress["watermark"] and state.parts.files() and "SystemModstamp" in names.values():
            mark = datetime.fromisoformat(progress["watermark"]) - SF_LOOKBACK
            where = [format_soql("SystemModstamp >= {:literal}", mark.strftime("%Y-%m-%dT%H:%M:%SZ"))]
        cursor = reader.start(sobject, list(names), where)
        progress.update(cursor=cursor.to_json(), newest=None)
        state.save(progress)
    stats.sf_methods[sobject] = cursor.method
    converting = sobject == "Opportunity" and "CurrencyIsoCode" in names.values()
    rates = (currency_rates(reader), dated_rates(reader)) if converting else None
    for page, after in reader.pages(cursor):
        state.append(_stored_page(page, names, config, rates), progress)
        progress.update(
            cursor=after.to_json(), newest=_newest(page.rename_columns(list(names.values())), progress["newest"])
        )
        state.save(progress)
        stats.sf_methods[sobject] = after.method  # a failed Bulk job continues through REST
        stats.sf_rows_fetched[sobject] = stats.sf_rows_fetched.get(sobject, 0) + page.num_rows
        stats.sf_pages[sobject] = stats.sf_pages.get(sobject, 0) + 1
        stats.sf_rows_held = max(stats.sf_rows_held, page.num_rows)
    newest = [m for m in (progress["newest"], progress["watermark"]) if m]
    progress.update(cursor=None, newest=None, watermark=max(newest, key=pd.Timestamp) if newest else None)
    state.save(progress)


def sync_salesforce(
    reader: SalesforceReader, config: Config, settings: ExtractSettings, stats: ExtractStats
) -> dict[str, list[str]]:
    """Each object's rows modified since its watermark, streamed page by page into the state folder.

    Memory holds one page at a time. Returns each table's columns (for `load_salesforce`).
    Every object is described first, so a missing id field stops the run before any read.
    """
    folder = settings.state_dir / "salesforce"
    wanted: dict[str, dict[str, str]] = {}
    has_id_field = []
    for attr, sobject in SF_OBJECTS.items():
        available = reader.fields(sobject)
        if config.wc_id_field.lower() in {f.lower() for f in available}:
            has_id_field.append(sobject)
        wanted[attr] = _wanted_fields(attr, available, config, settings)
    if "Lead" not in has_id_field:
        raise ConfigError(
            f"Salesforce field {config.wc_id_field} does not exist on Lead (wc_id_field in the config); "
            f"found it on: {', '.join(has_id_field) or 'no object'}"
        )
    for done, (attr, sobject) in enumerate(SF_OBJECTS.items()):
        if settings.progress is not None:
            settings.progress("Salesforce objects", done, len(SF_OBJECTS))
        state = SalesforceState(folder, sobject)
        if settings.full:
            state.reset()
        _sync_object(reader, state, wanted[attr], config, stats)
    if settings.progress is not None:
        settings.progress("Salesforce objects", len(SF_OBJECTS), len(SF_OBJECTS))
    stats.sf_api_usage = reader.api_usage
    stats.sf_logins = reader.logins
    return {attr: list(names.values()) for attr, names in wanted.items()}


def load_salesforce(state_dir: Path, columns: dict[str, list[str]]) -> dict[str, pd.DataFrame]:
    """Each object's stored table, the newest row of each Id (merging many small partitions first)."""
    tables = {}
    for attr, sobject in SF_OBJECTS.items():
        state = SalesforceState(state_dir / "salesforce", sobject)
        progress = state.progress()
        state.compact(progress)
        tables[attr] = state.parts.frame("Id", columns[attr])
    return tables


def extract_salesforce(
    reader: SalesforceReader, config: Config, settings: ExtractSettings, stats: ExtractStats
) -> dict[str, pd.DataFrame]:
    """Each object: describe, then the rows modified since the watermark, merged into the stored table."""
    return load_salesforce(settings.state_dir, sync_salesforce(reader, config, settings, stats))


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
