"""Read back a CSV `write_safe_csv` wrote, as `read_safe_csv` reads it, parsing with pandas only the rows that need it.

Why: `Plan.write` reads every section back before anything can push it; at 1,000,000 people pandas'
parser spent 2.6 s of CPU on 136 MB of rows that are, almost all, cells joined by commas. A row
holding no `"` and no control byte has one reading in any CSV parser: its bytes split at `,`. Those
rows are split here in Arrow; every other row (a quoted cell, a control byte, a field count other
than the header's) goes through `pd.read_csv` with `read_safe_csv`'s options, in one call, with the
header before it. The rows are found from the file's bytes: a CRLF ends a row where an even number
of `"` comes before it, which is pandas' own reading once every quote stands where RFC 4180 quoting
puts it (opening a cell, doubled inside one, closing one before `,`, CRLF or the end); that is
checked, and a file where any of it does not hold (or a header pandas would rename) is read by
`read_safe_csv` whole. `tests/test_csv_readback.py` compares the two readers on arbitrary text.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

from .arrow_bytes import byte_table
from .export import read_safe_csv, unneutralize

_SPECIAL = byte_table(bytes([*range(0x20), ord('"')]))  # what sends a row to pandas' parser
_QUOTE, _COMMA, _CR, _LF = ord('"'), ord(","), ord("\r"), ord("\n")
_STR = pd.StringDtype("pyarrow", na_value=np.nan)


def read_back_csv(path: Path) -> tuple[pd.DataFrame, bytes]:
    """(`read_safe_csv(path)`, the file's bytes): the same frame, with pandas' parser only on rows that need one."""
    data = Path(path).read_bytes()
    frame = _read_bytes(data)
    return (read_safe_csv(path) if frame is None else frame), data


def _read_bytes(data: bytes) -> pd.DataFrame | None:
    """The frame of a file's bytes, or None where only pandas can tell (then the caller reads it whole)."""
    if not data.endswith(b"\r\n") or data.startswith(b"\xef\xbb\xbf"):
        return None
    raw = np.frombuffer(data, dtype=np.uint8)
    special = _special_bytes(raw)
    quotes = special[raw[special] == _QUOTE]
    kind = raw[special]
    outside = np.searchsorted(quotes, special) % 2 == 0  # an even count of quotes before: not in a quoted cell
    breaking = outside & ((kind == _CR) | (kind == _LF))  # line breaks outside quoted cells
    breaks = special[breaking]
    ends = breaks[0::2]  # outside quoted cells the only control bytes must be the rows' CRLFs
    if len(breaks) % 2 or len(ends) < 2 or (raw[ends] != _CR).any() or (raw[breaks[1::2]] != _LF).any():
        return None
    if (breaks[1::2] != ends + 1).any():
        return None
    header = data[: int(ends[0])]
    names = header.decode("utf-8", errors="replace").split(",")
    if _SPECIAL[np.frombuffer(header, dtype=np.uint8)].any() or "" in names or len(set(names)) != len(names):
        return None  # a header pandas reads its own way (quoted, unnamed or repeated columns)
    if len(names) < 2:  # a one-column row may be blank or spaces, which pandas skips
        return None
    starts, ends = ends[:-1] + 2, ends[1:]  # each row's first byte and its CR
    if not _quotes_as_written(raw, quotes, starts):
        return None
    needs = np.zeros(len(starts), dtype=bool)  # rows holding a quote or control byte before their CRLF
    inner = special[~breaking & (special >= starts[0])]
    needs[np.searchsorted(starts, inner, side="right") - 1] = True
    plain, parsed_rows = np.flatnonzero(~needs), np.flatnonzero(needs)
    lines = _lines(data, starts)
    parsed = _parsed_rows(header, lines, parsed_rows)
    mine = _split_rows(names, data, lines, needs)
    if parsed is None or mine is None or list(parsed.columns) != names or mine.column_names != names:
        return None
    order = pa.array(np.argsort(np.r_[plain, parsed_rows], kind="stable")) if len(parsed_rows) else None
    columns = {}
    for name in names:
        column = mine.column(name)
        if order is not None:
            theirs = pa.array(parsed[name].to_numpy(dtype=object, na_value=None), type=pa.large_string())
            column = pa.chunked_array([*column.chunks, theirs]).take(order)
        columns[name] = pd.Series(_STR.__from_arrow__(column), copy=False)
    return unneutralize(pd.DataFrame(columns))


def _special_bytes(raw: np.ndarray, block: int = 1 << 18) -> np.ndarray:
    """Positions of every control byte and `"`, found a block at a time (small temporaries, no page faults)."""
    found = [np.zeros(0, dtype=np.int64)]
    for start in range(0, len(raw), block):
        part = raw[start : start + block]
        found.append(np.flatnonzero((part < 0x20) | (part == _QUOTE)) + start)
    return np.concatenate(found)


def _split_rows(names: list[str], data: bytes, lines: pa.LargeStringArray, needs: np.ndarray) -> pa.Table | None:
    """The rows not marked in `needs`, their cells split at `,` (no quote or control byte in them), empty as null."""
    types = dict.fromkeys(names, pa.large_string())
    body = _joined(lines)
    if needs.any():
        kept = lines.filter(pa.array(~needs))
        if not len(kept):
            return pa.table({name: pa.array([], type=pa.large_string()) for name in names})
        body = _joined(kept)
    try:
        return pcsv.read_csv(
            pa.BufferReader(body),
            read_options=pcsv.ReadOptions(column_names=names),
            parse_options=pcsv.ParseOptions(quote_char=False, double_quote=False, escape_char=False),
            convert_options=pcsv.ConvertOptions(column_types=types, strings_can_be_null=True, null_values=[""]),
        )
    except pa.ArrowInvalid:  # another field count, or bytes that are not UTF-8
        return None


def _among(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which of `values` are in `sorted_values` (sorted ascending)."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[at] == values


def _quotes_as_written(raw: np.ndarray, quotes: np.ndarray, starts: np.ndarray) -> bool:
    """Does every `"` stand where the csv module's quoting puts it? Then an even count before a CRLF
    means the CRLF is outside any quoted cell for pandas too."""
    if not len(quotes):
        return True
    n = len(raw)
    opening = quotes[0::2]  # outside a cell, a quote opens one: at a row's or cell's start
    before = raw[opening - 1]
    at_start = (before == _COMMA) | _among(starts, opening)
    doubled = (before == _QUOTE) & _among(quotes[1::2], opening - 1)  # the second half of `""`
    if not (at_start | doubled).all():
        return False
    closing = quotes[1::2]  # inside a cell: `""` (a quote) or the closing one, before `,`, CRLF or the end
    after = raw[np.minimum(closing + 1, n - 1)]
    after2 = raw[np.minimum(closing + 2, n - 1)]
    ok = (after == _QUOTE) | (after == _COMMA) | ((after == _CR) & (after2 == _LF)) | (closing == n - 1)
    return bool(ok.all()) and len(quotes) % 2 == 0


def _parsed_rows(header: bytes, lines: pa.LargeStringArray, rows: np.ndarray) -> pd.DataFrame | None:
    """The rows at `rows` (each with its CRLF) as `pd.read_csv` reads them after their header, or None when it
    reads another number of rows."""
    picked = _joined(lines.take(pa.array(rows))) if len(rows) else b""
    body = io.BytesIO(b"".join([header, b"\r\n", picked]))
    frame = pd.read_csv(body, dtype="str", keep_default_na=False, na_values=[""])
    return frame if len(frame) == len(rows) else None


def _lines(data: bytes, starts: np.ndarray) -> pa.LargeStringArray:
    """Each row's bytes with its CRLF, as a string array over `data` (no copy)."""
    offsets = pa.py_buffer(np.r_[starts, len(data)].astype(np.int64))
    return pa.LargeStringArray.from_buffers(len(starts), offsets, pa.py_buffer(data))


def _joined(lines: pa.LargeStringArray) -> pa.Buffer:
    """The bytes of a string array's values, one after the other."""
    _, offsets, data = lines.buffers()
    first, last = np.frombuffer(offsets, dtype=np.int64)[[lines.offset, lines.offset + len(lines)]]
    return data.slice(int(first), int(last - first))
