"""Push: execute a plan in batches — dry run first, idempotent, journaled, resumable.

`push(plan_dir, config, wc_client, sf_reader, apply=False)` records every operation of the plan
in `plan_dir/journal.sqlite`, then (with `apply=True`) sends Salesforce creates (and, when asked,
id backfills) and WhatConverts updates, and writes `plan_dir/results/`: `success` and `errors`
CSVs per target, like Data Loader's, and `summary.json`. Run it again on the same plan to resume:
nothing confirmed is sent twice, nothing planned is lost.
"""

from __future__ import annotations

import contextlib
import math
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import write_json
from ..clients.salesforce import SalesforceReader
from ..clients.whatconverts import WhatConvertsClient
from ..config import Config
from ..display import counts_repr
from ..errors import StorageError, WcsfError
from ..locks import exclusive_lock
from ..plan import Plan
from ..plan.creates import CREATE_META
from ..tables.export import write_safe_csv
from .journal import Journal, Op
from .salesforce_ops import BATCH, Progress, WriteRules, check_fields, fit_lengths, push_backfill, push_creates
from .whatconverts_ops import push_updates, update_warnings, write_import_file


@dataclass
class PushSettings:
    """How a push runs."""

    apply: bool = False
    backfill_ids: bool = False
    bulk_threshold: int = 2000  # creates above this go through one Bulk API 2.0 job
    wc_concurrency: int = 4
    max_error_rate: float = 0.05
    wc_import_file: Path | None = None  # write updates the budget cannot cover here
    progress: Progress | None = None  # called with (what, done, total) as batches complete
    bulk_job_records: int | None = None  # records per Bulk 2.0 job (None: simple-salesforce's ~100 MB split)


@dataclass
class PushResult:
    """What a push did (or, in a dry run, would do)."""

    applied: bool
    planned: dict[str, int] = field(default_factory=dict)
    confirmed: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    remaining: dict[str, int] = field(default_factory=dict)
    estimated_calls: dict[str, int] = field(default_factory=dict)
    wc_requests: int = 0
    upsert: bool | None = None
    error_rate: float = 0.0
    not_checked: list[str] = field(default_factory=list)  # what a dry run without credentials could not check
    warnings: list[str] = field(default_factory=list)  # shown by the dry run, before anything is sent

    def within(self, max_error_rate: float) -> bool:
        """Is the share of failed operations at most `max_error_rate`?"""
        return self.error_rate <= max_error_rate

    def to_json(self) -> dict[str, Any]:
        """The summary as plain data."""
        return asdict(self)

    def table(self) -> pd.DataFrame:
        """One row per section: planned, confirmed, failed, remaining."""
        return pd.DataFrame(
            [
                {
                    "section": k,
                    "planned": v,
                    "confirmed": self.confirmed.get(k, 0),
                    "failed": self.failed.get(k, 0),
                    "remaining": self.remaining.get(k, 0),
                }
                for k, v in self.planned.items()
            ],
            columns=["section", "planned", "confirmed", "failed", "remaining"],
        )

    def __repr__(self) -> str:
        kind = "applied" if self.applied else "dry run"
        return counts_repr(f"PushResult[{kind}]", {**self.planned, "error_rate": f"{self.error_rate:.2%}"})

    def _repr_html_(self) -> str:
        title = "Push (applied)" if self.applied else "Push (dry run: nothing sent)"
        calls = ", ".join(f"{k} {v:,}" for k, v in self.estimated_calls.items())
        return (
            f"<b>{title}</b>"
            + self.table().to_html(index=False)
            + f"<p>error rate {self.error_rate:.2%}; calls: {calls}</p>"
        )


def plan_ops(plan: Plan, config: Config) -> list[Op]:
    """The plan's rows as journal operations with stable ids (a re-run adds nothing twice)."""
    ops: list[Op] = []
    for row in plan.salesforce_lead_creates.to_dict("records"):
        payload: dict[str, Any] = {
            k: v for k, v in row.items() if k not in CREATE_META and isinstance(v, str) and v != ""
        }
        payload[config.wc_id_field] = str(row["wc_lead_id"])
        ops.append(
            Op(
                f"create:{row['wc_lead_id']}",
                "salesforce",
                "create",
                str(row["wc_lead_id"]),
                {"sobject": "Lead", **payload},
                "planned",
            )
        )
    for row in plan.salesforce_id_backfill.to_dict("records"):
        ops.append(
            Op(
                f"backfill:{row['sf_object']}:{row['sf_id']}",
                "salesforce",
                "backfill",
                str(row["sf_id"]),
                {"sobject": row["sf_object"], "Id": row["sf_id"], row["field"]: str(row["value"])},
                "planned",
            )
        )
    for row in plan.whatconverts_lead_updates.to_dict("records"):
        payload = {k: None if pd.isna(row[k]) else row[k] for k in ("quotable", "quote_value", "sales_value")}
        ops.append(
            Op(
                f"update:{row['wc_lead_id']}:{row['quote_value']}:{row['sales_value']}",
                "whatconverts",
                "update",
                str(row["wc_lead_id"]),
                payload,
                "planned",
            )
        )
    return ops


def _estimate(journal: Journal, settings: PushSettings, wc_left: int | None) -> dict[str, int]:
    """The calls the operations still open in the journal need: after an apply or on a rerun, not the whole plan's."""
    counts = journal.counts()

    def still_open(target: str, kind: str) -> int:
        return sum(counts.get((target, kind, state), 0) for state in ("planned", "sent"))

    creates = still_open("salesforce", "create")
    sf_creates = 5 if creates > settings.bulk_threshold else math.ceil(creates / BATCH)
    backfill = math.ceil(still_open("salesforce", "backfill") / BATCH) if settings.backfill_ids else 0
    updates = still_open("whatconverts", "update")
    sf_calls = sf_creates + backfill
    out = {"salesforce_calls": sf_calls + 2 if sf_calls else 0, "whatconverts_requests": updates}
    if wc_left is not None:
        out["whatconverts_budget_left"] = wc_left
    return out


def push(
    plan_dir: Path,
    config: Config,
    wc_client: WhatConvertsClient | None,
    sf_reader: SalesforceReader | None,
    settings: PushSettings | None = None,
    extract_state: Path | None = None,
) -> PushResult:
    """Dry run (default) or apply the plan in `plan_dir`; results and summary under `plan_dir/results/`.

    With `extract_state` (the `extract` state folder), the WhatConverts values a push confirmed are
    written into the stored leads, even when the push stops part-way: WhatConverts has no
    `last_updated` filter, so otherwise the next reconcile would plan (and spend budget on) them again.
    """
    settings = settings or PushSettings()
    record_into = extract_state if settings.apply else None
    with plan_lock(plan_dir) if settings.apply else nullcontext():  # outside the try: a refusal records nothing
        try:
            result = _push(plan_dir, Plan.read(plan_dir), config, wc_client, sf_reader, settings)
        except BaseException:
            if record_into is not None:  # keep what was confirmed before the stop; report the push's own error
                with contextlib.suppress(Exception):
                    _record_confirmed(plan_dir, record_into)
            raise
        if record_into is not None:
            _record_confirmed(plan_dir, record_into)
        return result


def _record_confirmed(plan_dir: Path, extract_state: Path) -> None:
    from ..extract import record_pushed_updates

    if (plan_dir / "journal.sqlite").exists():
        record_pushed_updates(extract_state, confirmed_updates(plan_dir))


@contextmanager
def plan_lock(plan_dir: Path) -> Iterator[None]:
    """One applying push per plan at a time: a second one is refused (its creates would race the first's)."""
    path = plan_dir / "push.lock"
    with exclusive_lock(path, lambda: PushLocked(f"another push is applying {plan_dir} ({path}); not starting")):
        yield


class PushLocked(WcsfError):
    """Another process is applying the same plan."""


def _push(
    plan_dir: Path,
    plan: Plan,
    config: Config,
    wc_client: WhatConvertsClient | None,
    sf_reader: SalesforceReader | None,
    settings: PushSettings,
) -> PushResult:
    try:
        journal = Journal(plan_dir / "journal.sqlite")
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open the push journal {plan_dir / 'journal.sqlite'}: {exc}") from None
    try:
        journal.add(plan_ops(plan, config))
        rules = WriteRules.from_config(config)
        if sf_reader is not None:  # read-only, so a dry run with a connection checks the mapping too
            check_fields(sf_reader, journal, ("create", "backfill") if settings.backfill_ids else ("create",))
            if not settings.apply:
                fit_lengths(sf_reader, journal, rules, False, "create")
        result = PushResult(applied=settings.apply)
        if wc_client is None:
            result.not_checked.append("today's WhatConverts request budget (no WhatConverts credentials)")
        if sf_reader is None:
            result.not_checked.append("that the Salesforce org has every field the plan writes (no Salesforce login)")
        if not settings.apply:
            result.warnings = update_warnings(len(plan.whatconverts_lead_updates))
        if settings.apply:
            before = wc_client.requests_sent if wc_client else 0
            if sf_reader is not None:
                result.upsert = push_creates(
                    sf_reader,
                    journal,
                    config.wc_id_field,
                    settings.bulk_threshold,
                    progress=settings.progress,
                    rules=rules,
                    bulk_job_records=settings.bulk_job_records,
                )
                if settings.backfill_ids:
                    push_backfill(sf_reader, journal, progress=settings.progress)
            if wc_client is not None:
                push_updates(wc_client, journal, settings.wc_concurrency, progress=settings.progress)
                result.wc_requests = wc_client.requests_sent - before
            if settings.wc_import_file is not None:
                write_import_file(journal, settings.wc_import_file)
        result.estimated_calls = _estimate(journal, settings, wc_client.budget.remaining if wc_client else None)
        _tally(journal, result, settings)
        _write_results(plan_dir / "results", journal, result, plan if not settings.apply else None)
        return result
    except sqlite3.OperationalError as exc:  # e.g. the disk filled up: stop; what was confirmed is recorded
        busy = "locked" in str(exc) or "busy" in str(exc)
        fix = (
            "Another process has the journal open (a second push of this plan?): let it finish"
            if busy
            else "Free space"
        )
        raise StorageError(
            f"the push journal {plan_dir / 'journal.sqlite'} could not be written ({exc}); the push stopped. "
            f"{fix} and run the same push again: it resumes from the journal"
        ) from None
    finally:
        journal.close()


def _tally(journal: Journal, result: PushResult, settings: PushSettings) -> None:
    kinds = {
        ("salesforce", "create"): "salesforce_creates",
        ("salesforce", "backfill"): "salesforce_backfill",
        ("whatconverts", "update"): "whatconverts_updates",
    }
    counts = journal.counts()
    for (target, kind), name in kinds.items():
        if name == "salesforce_backfill" and not settings.backfill_ids:
            continue
        states = {s: counts.get((target, kind, s), 0) for s in ("planned", "sent", "confirmed", "failed")}
        result.planned[name] = sum(states.values())
        result.confirmed[name] = states["confirmed"]
        result.failed[name] = states["failed"]
        result.remaining[name] = states["planned"] + states["sent"]
    done = sum(result.confirmed.values()) + sum(result.failed.values())
    result.error_rate = round(sum(result.failed.values()) / done, 4) if done else 0.0


def _write_results(folder: Path, journal: Journal, result: PushResult, dry_plan: Plan | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ops = journal.all_ops()
    rows = pd.DataFrame(
        [
            {
                "target": o.target,
                "operation": o.kind,
                "key": o.record_key,
                "state": o.state,
                "result_id": o.result_id,
                "error_code": o.error_code,
                "error_message": o.error_message,
                "attempts": o.attempts,
            }
            for o in ops
        ]
    )
    for target in ("salesforce", "whatconverts"):
        mine = rows[rows["target"] == target] if len(rows) else rows
        ok = mine[mine["state"] == "confirmed"] if len(mine) else mine
        bad = mine[mine["state"] == "failed"] if len(mine) else mine
        write_safe_csv(
            ok.reindex(columns=["operation", "key", "result_id", "attempts"]), folder / f"{target}_success.csv"
        )
        write_safe_csv(
            bad.reindex(columns=["operation", "key", "error_code", "error_message", "attempts"]),
            folder / f"{target}_errors.csv",
        )
    write_json(folder / "summary.json", result.to_json(), indent=2)
    if dry_plan is not None:
        preview = {  # empty cells as null: a bare NaN is not JSON
            name: frame.head(20).astype(object).where(frame.head(20).notna(), None).to_dict("records")
            for name, frame in dry_plan.sections().items()
        }
        write_json(folder / "dry_run.json", {"would_send": result.estimated_calls, "first_rows": preview}, indent=2)


def confirmed_updates(plan_dir: Path) -> dict[str, dict[str, Any]]:
    """lead id -> the values WhatConverts confirmed, from the plan's journal."""
    journal = Journal(plan_dir / "journal.sqlite")
    try:
        return {op.record_key: op.payload for op in journal.ops("whatconverts", "update", ("confirmed",))}
    finally:
        journal.close()


def push_plan(
    plan_dir: str | Path,
    config: Config | None = None,
    apply: bool = False,
    *,
    env_file: str | Path | None = None,
    state_dir: str | Path = ".wcsf-state",
    backfill_ids: bool = False,
    bulk_threshold: int = 2000,
    wc_concurrency: int = 4,
    max_error_rate: float = 0.05,
    wc_import_file: str | Path | None = None,
    wc_daily_limit: int | None = None,
    progress: Progress | None = None,
) -> PushResult:
    """The notebook entry point and `wcsf-recon push`'s body: clients from the environment (or `env_file`).

    A dry run without WhatConverts credentials works from the plan alone (counts, calls it would
    use). With `apply=True` it takes the lock `run` takes on `state_dir` (one writer per state
    folder), and the values WhatConverts confirmed go into the extraction state there, so the next
    run does not plan them again. `progress` defaults to tqdm.auto bars.
    """
    from ..clients.factory import from_env
    from ..credentials import load_env
    from ..locks import run_lock
    from ..plan import check_plan_folder

    plan_dir, state = Path(plan_dir), Path(state_dir)
    check_plan_folder(plan_dir)
    config = config or Config()
    settings = PushSettings(
        apply=apply,
        backfill_ids=backfill_ids,
        bulk_threshold=bulk_threshold,
        wc_concurrency=wc_concurrency,
        max_error_rate=max_error_rate,
        wc_import_file=Path(wc_import_file) if wc_import_file else None,
        progress=progress or tqdm_progress(),
    )
    env = load_env(Path(env_file) if env_file else None)
    if not apply and not (env.get("WC_API_TOKEN") and env.get("WC_API_SECRET")):
        return push(plan_dir, config, None, None, settings)  # a dry run needs no connection
    with (
        run_lock(state) if apply else contextlib.nullcontext(),
        from_env(env_file, state, salesforce=apply, wc_daily_limit=wc_daily_limit) as clients,
    ):
        return push(plan_dir, config, clients.whatconverts, clients.salesforce, settings, extract_state=state)


def tqdm_progress() -> Progress:
    """A progress callback drawing tqdm.auto bars (widgets in Jupyter, text elsewhere)."""
    from tqdm.auto import tqdm

    bars: dict[str, Any] = {}

    def update(what: str, done: int, total: int) -> None:
        bar = bars.get(what)
        if bar is None or bar.total != total:
            bar = bars[what] = tqdm(total=total, desc=what, unit="rec")
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


__all__ = ["PushLocked", "PushResult", "PushSettings", "confirmed_updates", "push", "push_plan"]
