"""Push: execute a plan in batches — dry run first, idempotent, journaled, resumable.

`push(plan_dir, config, wc_client, sf_reader, apply=False)` records every operation of the plan
in `plan_dir/journal.sqlite`, then (with `apply=True`) sends Salesforce creates (and, when asked,
id backfills) and WhatConverts updates, and writes `plan_dir/results/`: `success` and `errors`
CSVs per target, like Data Loader's, and `summary.json`. Run it again on the same plan to resume:
nothing confirmed is sent twice, nothing planned is lost.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..clients.salesforce import SalesforceReader
from ..clients.whatconverts import WhatConvertsClient
from ..config import Config
from ..errors import StorageError
from ..export import write_safe_csv
from ..plan import Plan
from .journal import Journal, Op
from .salesforce_ops import BATCH, Progress, check_fields, push_backfill, push_creates
from .whatconverts_ops import push_updates, update_warnings, write_import_file

CREATE_META = {"wc_lead_id", "cluster", "source_lead_ids", "lead_count"}


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
    warnings: list[str] = field(default_factory=list)  # shown before anything is sent

    def within(self, max_error_rate: float) -> bool:
        """Is the share of failed operations at most `max_error_rate`?"""
        return self.error_rate <= max_error_rate

    def to_json(self) -> dict[str, Any]:
        """The summary as plain data."""
        return asdict(self)


def plan_ops(plan: Plan, config: Config) -> list[Op]:
    """The plan's rows as journal operations with stable ids (a re-run adds nothing twice)."""
    ops: list[Op] = []
    for row in plan.salesforce_lead_creates.to_dict("records"):
        payload = {k: v for k, v in row.items() if k not in CREATE_META and isinstance(v, str) and v != ""}
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
        payload = {"quotable": row["quotable"], "quote_value": row["quote_value"], "sales_value": row["sales_value"]}
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


def _estimate(plan: Plan, settings: PushSettings, wc_left: int | None) -> dict[str, int]:
    creates = len(plan.salesforce_lead_creates)
    sf_creates = 5 if creates > settings.bulk_threshold else math.ceil(creates / BATCH)
    backfill = math.ceil(len(plan.salesforce_id_backfill) / BATCH) if settings.backfill_ids else 0
    updates = len(plan.whatconverts_lead_updates)
    out = {"salesforce_calls": sf_creates + backfill + 2, "whatconverts_requests": updates}
    if wc_left is not None:
        out["whatconverts_budget_left"] = wc_left
    return out


def push(
    plan_dir: Path,
    config: Config,
    wc_client: WhatConvertsClient | None,
    sf_reader: SalesforceReader | None,
    settings: PushSettings | None = None,
) -> PushResult:
    """Dry run (default) or apply the plan in `plan_dir`; results and summary under `plan_dir/results/`."""
    settings = settings or PushSettings()
    plan = Plan.read(plan_dir)
    try:
        journal = Journal(plan_dir / "journal.sqlite")
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open the push journal {plan_dir / 'journal.sqlite'}: {exc}") from None
    try:
        journal.add(plan_ops(plan, config))
        if sf_reader is not None:  # read-only, so a dry run with a connection checks the mapping too
            check_fields(sf_reader, journal, ("create", "backfill") if settings.backfill_ids else ("create",))
        budget_left = wc_client.budget.remaining if wc_client else None
        result = PushResult(applied=settings.apply, estimated_calls=_estimate(plan, settings, budget_left))
        if not settings.apply:
            result.warnings = update_warnings(len(plan.whatconverts_lead_updates))
        if settings.apply:
            before = wc_client.requests_sent if wc_client else 0
            if sf_reader is not None:
                result.upsert = push_creates(
                    sf_reader, journal, config.wc_id_field, settings.bulk_threshold, progress=settings.progress
                )
                if settings.backfill_ids:
                    push_backfill(sf_reader, journal, progress=settings.progress)
            if wc_client is not None:
                push_updates(wc_client, journal, settings.wc_concurrency, progress=settings.progress)
                result.wc_requests = wc_client.requests_sent - before
            if settings.wc_import_file is not None:
                write_import_file(journal, settings.wc_import_file)
        _tally(journal, result, settings)
        _write_results(plan_dir / "results", journal, result, plan if not settings.apply else None)
        return result
    except sqlite3.OperationalError as exc:  # e.g. the disk filled up: stop; what was confirmed is recorded
        raise StorageError(
            f"the push journal {plan_dir / 'journal.sqlite'} could not be written ({exc}); the push stopped. "
            "Free space and run the same push again: it resumes from the journal"
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
    (folder / "summary.json").write_text(json.dumps(result.to_json(), indent=2, default=str))
    if dry_plan is not None:
        preview = {name: frame.head(20).to_dict("records") for name, frame in dry_plan.sections().items()}
        (folder / "dry_run.json").write_text(
            json.dumps({"would_send": result.estimated_calls, "first_rows": preview}, indent=2, default=str)
        )


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
    env_file: str | Path | None = None,
    state_dir: str | Path = ".wcsf-state",
    **settings: Any,
) -> PushResult:
    """The notebook entry point: credentials from the environment (or `env_file`), clients built here."""
    from ..clients.budget import DAILY_LIMITS, RequestBudget
    from ..credentials import load_env, salesforce_credentials, whatconverts_credentials

    config = config or Config()
    env = load_env(Path(env_file) if env_file else None)
    wc_creds = whatconverts_credentials(env)
    budget = RequestBudget(
        wc_creds.token, DAILY_LIMITS[wc_creds.key_type], Path(state_dir) / "whatconverts" / "budget.json"
    )
    with WhatConvertsClient(wc_creds.token, wc_creds.secret, wc_creds.base_url, budget, verify=wc_creds.verify) as wc:
        reader = SalesforceReader(salesforce_credentials(env)) if apply else None
        settings.setdefault("progress", tqdm_progress())
        return push(Path(plan_dir), config, wc, reader, PushSettings(apply=apply, **settings))


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


__all__ = ["PushResult", "PushSettings", "confirmed_updates", "push", "push_plan"]
