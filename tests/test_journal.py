"""The push journal records a whole batch answer in one transaction (one commit, one fsync), not one per record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wcsf_recon.push.journal import Journal, Op
from wcsf_recon.push.salesforce_ops import BATCH, _Call, _send_batch

CREATE = _Call("composite/sobjects", "POST", {})


class AnsweringReader:
    """Stands in for SalesforceReader.call: answers a collections call with one result per record."""

    def __init__(self, refuse_every: int = 0) -> None:
        self.refuse_every = refuse_every
        self.calls = 0

    def call(self, action: Any, what: str, idempotent: bool = True) -> list[dict[str, Any]]:
        self.calls += 1
        body = action(self)
        return [
            {"success": False, "errors": [{"statusCode": "FIELD_INTEGRITY_EXCEPTION", "message": "bad"}]}
            if self.refuse_every and i % self.refuse_every == 0
            else {"success": True, "id": f"00Q{i:012d}"}
            for i, _ in enumerate(body["records"])
        ]

    def restful(self, path: str, method: str, json: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        return json

    def field(self, sobject: str, name: str) -> None:
        return None  # no describe: names are sent as given, no length to cut to


def _journal(tmp_path: Path, n: int) -> tuple[Journal, list[Op]]:
    journal = Journal(tmp_path / "journal.sqlite")
    journal.db.execute("PRAGMA wal_autocheckpoint=0")  # keep every committed frame in the WAL to count them
    ops = [
        Op(f"create:{i}", "salesforce", "create", str(i), {"sobject": "Lead", "LastName": f"n{i}"}, "planned")
        for i in range(n)
    ]
    journal.add(ops)
    return journal, journal.ops("salesforce", "create", ("planned",))


def _wal_frames(journal: Journal) -> int:
    busy, frames, _ = journal.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0
    return frames


@pytest.mark.parametrize("refuse_every", [0, 7])
def test_a_batch_answer_is_one_transaction(tmp_path: Path, refuse_every: int) -> None:
    journal, ops = _journal(tmp_path, BATCH)
    _wal_frames(journal)  # checkpoint what `add` wrote; frames counted from here
    journal.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _send_batch(AnsweringReader(refuse_every), journal, ops, CREATE)  # type: ignore[arg-type]
    # mark_sent and the answer: two commits of about ten pages each (21 frames measured), where a
    # commit per record (and per row of mark_sent's executemany) wrote and fsynced 1,029 frames
    assert _wal_frames(journal) <= 40
    counts = journal.counts()
    refused = len(range(0, BATCH, refuse_every)) if refuse_every else 0
    assert counts.get(("salesforce", "create", "confirmed"), 0) == BATCH - refused
    assert counts.get(("salesforce", "create", "failed"), 0) == refused
    done = {o.op_id: o for o in journal.all_ops()}
    assert done["create:1"].result_id == "00Q000000000001" and done["create:1"].attempts == 1
    if refuse_every:
        assert done["create:0"].error_code == "FIELD_INTEGRITY_EXCEPTION" and done["create:0"].error_message == "bad"
    journal.close()


def test_settle_is_all_or_nothing(tmp_path: Path) -> None:
    journal, ops = _journal(tmp_path, 3)
    with pytest.raises(TypeError):  # a bad row part-way through the answer
        journal.settle([(ops[0].op_id, "00Q1"), (ops[1].op_id, "00Q2")], [(ops[2].op_id, "X", None, True)])  # type: ignore[list-item]
    assert journal.counts() == {("salesforce", "create", "planned"): 3}  # nothing half-recorded
    journal.settle([(ops[0].op_id, "00Q1")], [(ops[1].op_id, "UNABLE_TO_LOCK_ROW", "busy", False)])
    counts = journal.counts()
    assert counts[("salesforce", "create", "confirmed")] == 1 and counts[("salesforce", "create", "planned")] == 2
    journal.close()
