"""WhatConverts writes for a push: `POST /leads/{id}` with quotable, quote and sales values.

At most `concurrency` (<= 20) requests in flight, within the persisted daily budget. When the
plan needs more requests than are left, the largest values go first and the rest stay planned
for the next run (or go to a Lead Manager import file). An edit overwrites with the same values,
so an update left in doubt by an interruption is simply sent again: the end state is the same.
The first authentication failure stops the push (a wrong secret would fail every request alike);
a refusal by the daily cap, however WhatConverts words it, leaves the update planned.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from ..clients.budget import QuotaExhausted
from ..clients.whatconverts import WhatConvertsAuthError, WhatConvertsClient, WhatConvertsError
from ..tables.export import write_safe_csv
from .journal import Journal, Op
from .salesforce_ops import Progress

MAX_CONCURRENCY = 20
IMPORT_COLUMNS = ["Lead ID", "Quotable", "Quote Value", "Sales Value"]
# Lead Manager imports can combine Sales Value with what a lead holds or replace it
# (https://www.whatconverts.com/help/docs/lead-management/csv-formatting-requirements); the file holds
# the full value, so "combine" would count a sale twice
IMPORT_ADVICE = "import it in WhatConverts Lead Manager matched by Lead ID, choosing *replace* for Sales Value"


def update_warnings(updates: int) -> list[str]:
    """What a user should know before WhatConverts leads are edited in bulk (shown by the dry run)."""
    if not updates:
        return []
    return [
        f'{updates} WhatConverts lead edit(s): every edit fires WhatConverts "Updated Lead" triggers '
        '(Zapier "Updated Lead (Instant)" Zaps, Update Lead webhooks); pause or filter those before --apply'
    ]


def _order(ops: list[Op]) -> list[Op]:
    """Largest sales value first, then quote value: what fits in today's budget matters most."""
    return sorted(
        ops, key=lambda o: (-float(o.payload.get("sales_value") or 0), -float(o.payload.get("quote_value") or 0))
    )


def _send(client: WhatConvertsClient, journal: Journal, op: Op) -> None:
    journal.mark_sent([op.op_id])
    fields = {k: op.payload[k] for k in ("quotable", "quote_value", "sales_value") if op.payload.get(k) is not None}
    try:
        client.update_lead(op.record_key, **fields)
    except QuotaExhausted as exc:
        journal.fail(op.op_id, "QUOTA_EXHAUSTED", str(exc), final=False)
        raise
    except WhatConvertsAuthError as exc:  # stays planned: once the secret is fixed it is sent
        journal.fail(op.op_id, "AUTH_FAILED", str(exc), final=False)
        raise
    except WhatConvertsError as exc:
        journal.fail(op.op_id, type(exc).__name__, str(exc))
        return
    journal.confirm(op.op_id, op.record_key)


def push_updates(
    client: WhatConvertsClient, journal: Journal, concurrency: int = 4, progress: Progress | None = None
) -> int:
    """Send what today's budget allows; returns how many updates remain planned.

    Stops at the first daily-cap refusal (what did not go out stays planned) and at the first
    authentication failure (re-raised, everything unsent stays planned).
    """
    pending = _order(journal.ops("whatconverts", "update", ("planned", "sent")))
    fits = pending[: client.budget.remaining]
    workers = max(1, min(concurrency, MAX_CONCURRENCY))
    spent = threading.Event()  # once WhatConverts says the day is over, queued updates are not sent

    def send(op: Op) -> None:
        if spent.is_set():
            return
        try:
            _send(client, journal, op)
        except (QuotaExhausted, WhatConvertsAuthError):
            spent.set()
            raise

    try:
        with ThreadPoolExecutor(workers) as pool:
            for done, future in enumerate([pool.submit(send, op) for op in fits], start=1):
                future.result()
                if progress:
                    progress("whatconverts updates", done, len(fits))
    except QuotaExhausted:
        pass  # what did not go out stays planned
    return len(journal.ops("whatconverts", "update", ("planned", "sent")))


def _import_value(value: object) -> float | None:
    """A value the plan leaves out (WhatConverts has null and nothing is credited) stays an empty cell, not 0."""
    return None if value is None or value == "" else float(value)  # type: ignore[arg-type]


def write_import_file(journal: Journal, path: Path) -> int:
    """The updates still planned as a WhatConverts Lead Manager import (matched by Lead ID): zero API requests."""
    pending = journal.ops("whatconverts", "update", ("planned", "sent"))
    rows = pd.DataFrame(
        [
            [
                op.record_key,
                "Yes" if str(op.payload.get("quotable", "")).lower() == "yes" else "No",
                _import_value(op.payload.get("quote_value")),
                _import_value(op.payload.get("sales_value")),
            ]
            for op in pending
        ],
        columns=IMPORT_COLUMNS,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_safe_csv(rows, path)
    return len(pending)
