"""An in-process DuckDB: the engine the relational and string work moves onto (Arrow in, NumPy/Arrow out)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

_database: duckdb.DuckDBPyConnection | None = None
_opening = threading.Lock()


def _config() -> dict[str, str | bool | int | float | list[str]]:
    """Every core: DuckDB runs its own threads, outside the GIL."""
    return {"threads": max(os.cpu_count() or 1, 1)}


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
            _database = duckdb.connect(config=_config())
        con = _database.cursor()
    try:
        yield con
    finally:
        con.close()


@contextmanager
def own_database() -> Iterator[duckdb.DuckDBPyConnection]:
    """A database of its own, closed (and its memory given back) after use: for the big pair queries.

    The match model's blocking and scoring build gigabytes of temporary tables at 1,000,000 people, and a
    closed database gives its blocks back. On the shared one the 1M CLI peaked at 6.49-6.55 GB RSS (three
    runs) against 6.35 GB (one run): within this machine's spread, so pair_sql keeps the database it had.
    """
    con = duckdb.connect(config=_config())
    try:
        yield con
    finally:
        con.close()
