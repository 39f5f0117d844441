"""An in-process DuckDB: the engine the relational and string work moves onto (Arrow in, NumPy/Arrow out)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

_database: duckdb.DuckDBPyConnection | None = None
_opening = threading.Lock()


@contextmanager
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection of our in-memory DuckDB on every core (its own threads, outside the GIL), closed after use.

    One database for the process, opened on first use: opening one costs 20 ms, a connection to it (a
    cursor) a third of a millisecond, so a column function may ask it per call. Each thread gets its own
    connection; what one registers the others do not see.
    """
    global _database
    with _opening:
        if _database is None:
            _database = duckdb.connect(config={"threads": max(os.cpu_count() or 1, 1)})
        con = _database.cursor()
    try:
        yield con
    finally:
        con.close()
