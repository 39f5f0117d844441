"""Byte-level scans of Arrow string arrays with numpy: which rows hold a byte, start with one, are made of some.

Why: a regex kernel visits every value to answer questions most columns answer with "none" (does any
cell need quoting, does any id hold a `.`, is every id digits). One pass over the array's data buffer
finds the few rows that do, and only those reach the exact kernel. Every function here is exact: it
decides a row only where the bytes alone decide it (ASCII bytes; any non-ASCII character is bytes >= 0x80).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa


def own_arrow(values: pd.Series | pd.Index) -> pa.ChunkedArray | None:
    """The Arrow data a `str` Series or Index is built on, as chunks (no copy); None when not built on Arrow."""
    if values.dtype != "str" or not hasattr(values.array, "__arrow_array__"):
        return None
    own = values.array.__arrow_array__()
    return own if isinstance(own, pa.ChunkedArray) else pa.chunked_array([own])


def byte_table(chars: str | bytes) -> np.ndarray:
    """A 256-entry lookup marking the bytes of `chars` (ASCII)."""
    table = np.zeros(256, dtype=bool)
    table[list(chars.encode() if isinstance(chars, str) else chars)] = True
    return table


def buffers(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, bytes) of a string or large-string array: offsets relative to its bytes, one more than rows.

    Views of the array's own buffers where they can be (read-only): a large-string array whose
    offsets start at 0 costs no copy; other offsets are widened to int64 once.
    """
    width = np.int64 if pa.types.is_large_string(text.type) else np.int32
    _, offsets_buf, data_buf = text.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=width)[text.offset : text.offset + len(text) + 1]
    start = int(offsets[0])
    offsets = offsets.astype(np.int64, copy=False)
    if start:
        offsets = offsets - start
    if data_buf is None or len(text) == 0:
        return offsets, np.zeros(0, dtype=np.uint8)
    data = np.frombuffer(data_buf, dtype=np.uint8)[start : start + int(offsets[-1])]
    return offsets, data


def valid_rows(text: pa.Array) -> np.ndarray:
    """Which rows are not null."""
    if text.null_count == 0:
        return np.ones(len(text), dtype=bool)
    return text.is_valid().to_numpy(zero_copy_only=False)


def rows_holding(text: pa.Array, table: np.ndarray) -> np.ndarray:
    """Which rows hold any byte marked in `table` (null rows count as holding none)."""
    offsets, data = buffers(text)
    rows = np.zeros(len(text), dtype=bool)
    hits = np.flatnonzero(table[data])
    if len(hits):
        # a byte at position p belongs to the last row whose start is <= p (empty rows start there too)
        rows[np.searchsorted(offsets, hits, side="right") - 1] = True
    return rows & valid_rows(text) if text.null_count else rows


def lengths(text: pa.Array) -> np.ndarray:
    """Bytes per row (0 for nulls)."""
    offsets, _ = buffers(text)
    return _lengths(text, offsets)


def _lengths(text: pa.Array, offsets: np.ndarray) -> np.ndarray:
    out = np.diff(offsets)
    return np.where(valid_rows(text), out, 0) if text.null_count else out


def edge_bytes(text: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first byte, last byte, non-empty) per row; 0 for empty and null rows.

    One gather per edge over the data buffer (`take`, clipped for empty rows, then zeroed), no masked copies.
    """
    offsets, data = buffers(text)
    nonempty = _lengths(text, offsets) > 0
    if len(data) == 0:
        zeros = np.zeros(len(text), dtype=np.uint8)
        return zeros, zeros.copy(), nonempty
    first = data.take(offsets[:-1], mode="clip")
    last = data.take(offsets[1:] - 1, mode="clip")
    if not nonempty.all():
        first[~nonempty] = 0
        last[~nonempty] = 0
    return first, last, nonempty


def made_of(text: pa.Array, table: np.ndarray, sizes: tuple[int, ...]) -> np.ndarray:
    """Which rows are non-null, `sizes` bytes long (one of them) and made only of bytes marked in `table`."""
    size = lengths(text)
    return valid_rows(text) & np.isin(size, sizes) & ~rows_holding(text, ~table)
