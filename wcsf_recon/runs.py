"""`wcsf-recon run`: extract -> reconcile -> push -> report into `runs/<UTC timestamp>/`, with a lock and a run log.

Exit codes: 0 ok; 2 bad input or config; 10 authentication failed; 11 WhatConverts daily quota
exhausted; 12 push error rate over the threshold; 13 another run holds the lock.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .atomic import write_json
from .clients.budget import QuotaExhausted
from .clients.factory import from_env
from .clients.salesforce import SalesforceAuthError
from .clients.whatconverts import WhatConvertsAuthError
from .config import Config
from .errors import StorageError, WcsfError
from .extract import ExtractSettings, extract
from .html_report import write_documents
from .locks import RunLocked, run_lock
from .match.saved_model import latest_weights
from .push import PushSettings, push
from .reconcile import reconcile
from .review import DECISIONS_FILE, read_decisions
from .tables.snapshot import write_snapshot

log = logging.getLogger(__name__)
EXIT_OK, EXIT_INPUT, EXIT_AUTH, EXIT_QUOTA, EXIT_ERROR_RATE, EXIT_LOCKED, EXIT_STORAGE = 0, 2, 10, 11, 12, 13, 14


class RunLog:
    """Past runs in `state_dir/runs.sqlite`."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(state_dir / "runs.sqlite", isolation_level=None)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, started TEXT, finished TEXT, "
            "status TEXT, exit_code INTEGER, applied INTEGER, summary TEXT)"
        )

    def mark_interrupted(self) -> int:
        """Runs still `running` while we hold the lock died without finishing (kill -9, power loss): say so."""
        cur = self.db.execute(
            "UPDATE runs SET status = 'interrupted', finished = COALESCE(finished, ?) WHERE status = 'running'",
            (datetime.now(UTC).isoformat(timespec="seconds"),),
        )
        return cur.rowcount

    def start(self, run_id: str, applied: bool) -> None:
        self.db.execute(
            "INSERT INTO runs(run_id, started, status, applied) VALUES (?, ?, 'running', ?)",
            (run_id, datetime.now(UTC).isoformat(timespec="seconds"), int(applied)),
        )

    def finish(self, run_id: str, status: str, exit_code: int, summary: dict[str, Any]) -> None:
        self.db.execute(
            "UPDATE runs SET finished = ?, status = ?, exit_code = ?, summary = ? WHERE run_id = ?",
            (
                datetime.now(UTC).isoformat(timespec="seconds"),
                status,
                exit_code,
                json.dumps(summary, default=str),
                run_id,
            ),
        )

    def rows(self) -> list[dict[str, Any]]:
        cur = self.db.execute(
            "SELECT run_id, started, finished, status, exit_code, applied, summary FROM runs ORDER BY started"
        )
        keys = ["run_id", "started", "finished", "status", "exit_code", "applied", "summary"]
        return [dict(zip(keys, r, strict=True)) | {"summary": json.loads(r[6] or "{}")} for r in cur.fetchall()]

    def close(self) -> None:
        self.db.close()


@dataclass
class RunOutcome:
    """How a run ended."""

    run_id: str
    folder: Path
    exit_code: int
    status: str
    summary: dict[str, Any]


def run_cycle(
    config: Config,
    env_file: Path | None,
    state_dir: Path,
    runs_dir: Path,
    apply: bool,
    since: datetime | None = None,
    max_error_rate: float = 0.05,
    backfill_ids: bool = False,
    retrain: bool = False,
) -> RunOutcome:
    """One full cycle under the lock; every outcome (including failures) is recorded in the run log.

    The match model reuses the weights of the newest earlier run folder (same settings), unless `retrain`.
    """
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = runs_dir / run_id
    runlog = RunLog(state_dir)
    summary: dict[str, Any] = {}
    try:
        with run_lock(state_dir):
            runlog.mark_interrupted()  # the lock is ours, so no other run is alive
            runlog.start(run_id, apply)
            try:
                code, status = _cycle(
                    config, env_file, state_dir, folder, apply, since, max_error_rate, summary, backfill_ids, retrain
                )
            except (WhatConvertsAuthError, SalesforceAuthError) as exc:
                code, status, summary["error"] = EXIT_AUTH, "auth failed", str(exc)
            except QuotaExhausted as exc:
                code, status, summary["error"] = EXIT_QUOTA, "quota exhausted", str(exc)
            except StorageError as exc:
                code, status, summary["error"] = EXIT_STORAGE, "storage error", str(exc)
            except WcsfError as exc:
                code, status, summary["error"] = EXIT_INPUT, "failed", str(exc)
            runlog.finish(run_id, status, code, summary)
    except RunLocked as exc:
        return RunOutcome(run_id, folder, EXIT_LOCKED, "locked", {"error": str(exc)})
    finally:
        runlog.close()
    return RunOutcome(run_id, folder, code, status, summary)


def _cycle(
    config: Config,
    env_file: Path | None,
    state_dir: Path,
    folder: Path,
    apply: bool,
    since: datetime | None,
    max_error_rate: float,
    summary: dict[str, Any],
    backfill_ids: bool = False,
    retrain: bool = False,
) -> tuple[int, str]:
    settings = ExtractSettings(state_dir=state_dir)
    if since:
        settings.history_start = since
    with from_env(env_file, state_dir, salesforce=False) as clients:
        wc = clients.whatconverts
        log.info("run %s: extracting (state %s)", folder.name, state_dir)
        reader = clients.connect_salesforce()
        snapshot, stats = extract(wc, reader, config, settings, master_key=clients.master_key)
        write_snapshot(snapshot, folder / "snapshot", fmt="parquet")
        log.info("extracted %s; WhatConverts requests %d", snapshot, stats.wc_requests)
        weights = None if retrain else latest_weights(folder.parent)  # the last run's model, same settings
        recon = reconcile(snapshot, config, decisions=read_decisions(state_dir / DECISIONS_FILE), weights=weights)
        recon.write(folder, workbook=False)  # links, plan and report tables: what the push needs
        try:  # the workbook and HTML are for people: a failure there is recorded, never stops the sync
            write_documents(recon, folder)
        except Exception as exc:
            log.error(
                "run %s: the report could not be written (%s: %s); pushing anyway", folder.name, type(exc).__name__, exc
            )
            summary["report_error"] = f"{type(exc).__name__}: {exc}"[:500]
        log.info(
            "match model weights %s (settings %s)",
            recon.manifest()["match_model"]["weights"],
            recon.match.settings.digest(),
        )
        log.info("plan %s; pushing (apply=%s)", recon.plan.counts(), apply)
        settings_push = PushSettings(apply=apply, max_error_rate=max_error_rate, backfill_ids=backfill_ids)
        result = push(folder / "plan", config, wc, reader, settings_push, extract_state=state_dir)
        summary.update(
            extract={
                "wc_requests": stats.wc_requests,
                "sf_api_usage": stats.sf_api_usage,
                "sf_methods": stats.sf_methods,
            },
            plan=recon.plan.counts(),
            review_queue=int(recon.reports["review_queue"]["wc_lead_ids"].nunique()),
            stale_decisions=len(recon.reports["stale_decisions"]),
            push=result.to_json(),
            created=result.confirmed.get("salesforce_creates", 0),
            updated=result.confirmed.get("whatconverts_updates", 0),
            failed=sum(result.failed.values()),
            wc_requests_total=stats.wc_requests + result.wc_requests,
            # id backfills are sent only when asked for (--backfill-ids): say how many were left out
            backfills_skipped=0 if backfill_ids else recon.plan.counts()["salesforce_id_backfill"],
        )
    write_json(folder / "run.json", summary, indent=2)
    if apply and not result.within(max_error_rate):
        return EXIT_ERROR_RATE, "error rate over threshold"
    left = result.remaining.get("whatconverts_updates", 0)
    if apply and left:  # the day's WhatConverts requests ran out mid-push: say so, the next run sends the rest
        summary["error"] = (
            f"the WhatConverts daily request budget ran out: {left} updates stay planned for the next run "
            "(the daily limit resets at 00:00 UTC)"
        )
        write_json(folder / "run.json", summary, indent=2)
        return EXIT_QUOTA, "quota exhausted"
    status = "ok" if apply else "ok (dry run)"
    return EXIT_OK, f"{status}, report failed" if "report_error" in summary else status
