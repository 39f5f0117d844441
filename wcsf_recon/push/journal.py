"""The push journal: every operation recorded in SQLite before and after it is sent.

States: `planned` -> `sent` -> `confirmed` | `failed`. An operation left `sent` by an interrupted
run is *in doubt*: the next run checks the target before sending it again. The journal holds
record data and responses only — never credentials. Each step is one transaction (WAL mode,
synchronous=FULL): marking a batch sent, and recording the whole answer to a batch (`settle`:
200 results, one commit and one fsync), so a `kill -9` loses at most the request in flight.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS ops (
    op_id TEXT PRIMARY KEY,
    target TEXT NOT NULL,          -- salesforce | whatconverts
    kind TEXT NOT NULL,            -- create | backfill | update
    record_key TEXT NOT NULL,      -- WhatConverts lead id or Salesforce id
    payload TEXT NOT NULL,         -- JSON of what is sent
    state TEXT NOT NULL,           -- planned | sent | confirmed | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    result_id TEXT,
    error_code TEXT,
    error_message TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ops_state ON ops(target, kind, state);
"""


@dataclass
class Op:
    """One journaled operation."""

    op_id: str
    target: str
    kind: str
    record_key: str
    payload: dict[str, Any]
    state: str
    attempts: int = 0
    result_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Journal:
    """A SQLite file of operations; safe to reopen after any interruption."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.lock = threading.Lock()  # WhatConverts updates are written from several threads
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One explicit transaction (in autocommit mode every statement, and every row of an
        executemany, would otherwise commit and fsync on its own)."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def add(self, ops: Iterable[Op]) -> int:
        """Record planned operations; ones already journaled (by op_id) are left as they are."""
        rows = [
            (
                o.op_id,
                o.target,
                o.kind,
                o.record_key,
                json.dumps(o.payload, sort_keys=True, default=str),
                "planned",
                _now(),
            )
            for o in ops
        ]
        with self._transaction():
            before = self.db.total_changes
            self.db.executemany(
                "INSERT OR IGNORE INTO ops(op_id, target, kind, record_key, payload, state, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            return self.db.total_changes - before

    def ops(self, target: str, kind: str, states: tuple[str, ...]) -> list[Op]:
        """Operations of one kind in the given states, in journal order."""
        marks = ",".join("?" * len(states))
        cur = self.db.execute(
            f"SELECT op_id, target, kind, record_key, payload, state, attempts, result_id, error_code, error_message "
            f"FROM ops WHERE target = ? AND kind = ? AND state IN ({marks}) ORDER BY rowid",
            (target, kind, *states),
        )
        return [Op(r[0], r[1], r[2], r[3], json.loads(r[4]), *r[5:]) for r in cur.fetchall()]

    def mark_sent(self, op_ids: list[str]) -> None:
        """Before a request goes out: these operations are now in doubt until answered."""
        with self._transaction():
            self.db.executemany(
                "UPDATE ops SET state = 'sent', attempts = attempts + 1, updated_at = ? "
                "WHERE op_id = ? AND state != 'confirmed'",
                [(_now(), i) for i in op_ids],
            )

    def confirm(self, op_id: str, result_id: str | None) -> None:
        """The target accepted the operation."""
        self.settle(confirmed=[(op_id, result_id)])

    def fail(self, op_id: str, code: str, message: str, final: bool = True) -> None:
        """The target refused it: `failed` for good, or back to `planned` to be retried."""
        self.settle(failed=[(op_id, code, message, final)])

    def settle(
        self,
        confirmed: Iterable[tuple[str, str | None]] = (),
        failed: Iterable[tuple[str, str, str, bool]] = (),
    ) -> None:
        """Record a whole answer in one transaction: `confirmed` (op_id, result_id) pairs and `failed`
        (op_id, code, message, final) rows, `final=False` sending the operation back to `planned`."""
        now = _now()
        with self._transaction():
            self.db.executemany(
                "UPDATE ops SET state = 'confirmed', result_id = ?, error_code = NULL, error_message = NULL, "
                "updated_at = ? WHERE op_id = ?",
                [(result_id, now, op_id) for op_id, result_id in confirmed],
            )
            self.db.executemany(
                "UPDATE ops SET state = ?, error_code = ?, error_message = ?, updated_at = ? WHERE op_id = ?",
                [
                    ("failed" if final else "planned", code, message[:2000], now, op_id)
                    for op_id, code, message, final in failed
                ],
            )

    def counts(self) -> dict[tuple[str, str, str], int]:
        """(target, kind, state) -> operations."""
        cur = self.db.execute("SELECT target, kind, state, COUNT(*) FROM ops GROUP BY target, kind, state")
        return {(t, k, s): n for t, k, s, n in cur.fetchall()}

    def all_ops(self) -> list[Op]:
        """Every operation, in journal order."""
        cur = self.db.execute(
            "SELECT op_id, target, kind, record_key, payload, state, attempts, result_id, error_code, "
            "error_message FROM ops ORDER BY rowid"
        )
        return [Op(r[0], r[1], r[2], r[3], json.loads(r[4]), *r[5:]) for r in cur.fetchall()]
