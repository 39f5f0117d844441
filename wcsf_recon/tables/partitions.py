"""An append-only table on disk: one Parquet file per page written, the newest row of each key winning.

Used for extraction state, where a page must be safe on disk before the progress that points past
it is saved: a partition is written atomically (temporary file, then rename), never rewritten, and
a row fetched twice (an overlap, a page asked for again after a crash) is a newer row of the same
key, so reading the table never shows it twice.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..atomic import atomic_path


class Partitions:
    """`folder/000001.parquet`, `000002.parquet`, ...: pages of one table in the order they arrived."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def files(self) -> list[Path]:
        """Partition files, oldest first."""
        return sorted(self.folder.glob("*.parquet")) if self.folder.exists() else []

    def write(self, rows: pa.Table, number: int) -> bool:
        """Write `rows` as partition `number` (atomically); nothing for an empty page. True when written."""
        if not rows.num_rows:
            return False
        self.folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.folder / f"{number:06d}.parquet") as tmp:
            pq.write_table(rows, tmp)
        return True

    def rows(self) -> int:
        """Rows stored over every partition (a key stored twice counts twice), from the files' footers."""
        return sum(pq.ParquetFile(f).metadata.num_rows for f in self.files())

    def arrow(self) -> pa.Table | None:
        """Every partition as one Arrow table (columns unified: later pages may carry more), or None."""
        files = self.files()
        if not files:
            return None
        return pa.concat_tables([pq.read_table(f) for f in files], promote_options="permissive")

    def newest(self, key: str) -> pa.Table | None:
        """The newest row of each `key` over every partition, in arrival order of those rows, or None."""
        table = self.arrow()
        return None if table is None else newest_rows(table, key)

    def frame(self, key: str, columns: list[str] | None = None) -> pd.DataFrame:
        """`newest(key)` as a DataFrame; `columns` shape the table when nothing is stored."""
        table = self.newest(key)
        if table is None:
            return pd.DataFrame({c: pd.Series([], dtype="str") for c in columns or []})
        return table.to_pandas()

    def reset(self) -> None:
        """Delete every partition."""
        for f in self.files():
            f.unlink()


def newest_rows(table: pa.Table, key: str) -> pa.Table:
    """The last row of each `key` value, kept in table order (pandas' `drop_duplicates(keep="last")`, in Arrow)."""
    position = pa.array(np.arange(table.num_rows, dtype=np.int64))
    last = table.select([key]).append_column("_row", position).group_by(key).aggregate([("_row", "max")])
    return table.take(np.sort(last["_row_max"].to_numpy()))
