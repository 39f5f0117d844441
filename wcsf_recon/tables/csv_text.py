"""CSV bytes built column by column in Arrow: the same bytes `DataFrame.to_csv` writes, many times faster.

Why: at 1,000,000 people the outputs hold millions of rows, and pandas' writer hands every row to
Python's csv module (about 40 s of a 1,000,000-person reconcile). Here each column becomes an Arrow
string array of its cell text, quoted where the csv module quotes (a `"`, `,`, `\\r` or `\\n` in the
cell; a lone empty cell in a one-column row becomes `""`), and rows are joined with `,` and CRLF in
Arrow's kernels, a batch of rows at a time.

Cell text is what `to_csv` writes for the dtype: text as it is, missing values empty; numpy integer,
float and bool columns through numpy's `astype(str)` (what pandas itself calls: `0.1`, `1e-05`,
`1.0`, `True`); object columns `str(value)`; anything else (datetimes, nullable integers, booleans,
floats) is rendered by pandas: datetimes by `astype(str)` on the whole column (the format `to_csv`
picks from all of a column's values), the rest by `to_csv` for those columns alone, so every byte
stays as pandas writes it. `tests/test_csv_text.py` compares the bytes with `to_csv` on every dtype the toolkit
writes and on arbitrary text.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_bytes import byte_table, edge_bytes, rows_holding

BATCH_ROWS = 200_000  # rows joined at a time: bounds the memory of the joined text
# the neutralizing pattern `export` passes: quotes, then a formula trigger (read from first bytes, below)
TRIGGER_PATTERN = r"^'*[=+\-@\t\r]"


def _is_text(values: pd.Series) -> bool:
    return values.dtype == "str" or isinstance(values.dtype, pd.StringDtype)


def _object_text(values: pd.Series) -> pa.Array:
    """`str(value)` per cell, missing (None, NaN, NaT, NA) as null: what the csv module writes for objects."""
    missing = values.isna().to_numpy()
    raw = values.to_numpy(dtype=object)
    kind = pd.api.types.infer_dtype(raw, skipna=True)
    if kind in ("string", "empty"):  # strings and missing values only
        try:
            return pa.array(raw, type=pa.large_string(), mask=missing)
        except (pa.ArrowException, UnicodeEncodeError):  # lone surrogates: pandas' own writer says what it can
            raise _NotPlain("text Arrow cannot hold") from None
    if kind == "integer":  # ints and missing values (a cluster number): str(int) is Arrow's integer cast
        ints = np.zeros(len(raw), dtype=np.int64)
        try:
            ints[~missing] = raw[~missing].astype(np.int64)
        except OverflowError:
            pass
        else:
            return pc.cast(pa.array(ints, mask=missing), pa.large_string())
    text = [None if m else str(v) for v, m in zip(raw, missing, strict=True)]
    return pa.array(text, type=pa.large_string())


def _numpy_text(values: pd.Series) -> pa.Array:
    """numpy's `astype(str)` of the values (what pandas writes for numpy int, float and bool), missing as null.

    Integers through Arrow's cast (the same digits); floats rendered once per distinct bit pattern
    (scores repeat a few values), so `-0.0` and every NaN keep their own text.
    """
    array = values.to_numpy()
    if array.dtype.kind in "iu":
        return pc.cast(pa.array(array), pa.large_string())
    if array.dtype.kind == "f":
        missing = pd.isna(array)
        codes, bits = pd.factorize(array.astype(np.float64).view(np.int64))
        rendered = bits.view(np.float64).astype(array.dtype).astype(str)
        return pa.array(rendered, type=pa.large_string()).take(pa.array(codes, mask=missing))
    return pa.array(array.astype(str), type=pa.large_string())


def _rendered_by_pandas(values: pd.Series) -> bool:
    """Datetimes and nullable numbers/booleans: rendered by pandas (a datetime's format depends on the column)."""
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or dtype.kind in "mM":
        return True
    return not isinstance(dtype, np.dtype) and (
        pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
    )


def _pandas_text(frame: pd.DataFrame) -> list[pa.Array]:
    """Cells of columns whose text never holds `,`, `"` or a line break, rendered by pandas' own `to_csv`."""
    if len(frame) == 0:
        return [pa.array([], type=pa.large_string()) for _ in frame.columns]
    body = frame.to_csv(index=False, header=False, lineterminator="\n")
    lines = pa.array(body.split("\n")[:-1], type=pa.large_string())
    if len(lines) != len(frame):
        raise _NotPlain("a rendered cell holds a line break")
    cells = pc.split_pattern(lines, ",")
    if not pc.all(pc.equal(pc.list_value_length(cells), len(frame.columns))).as_py():
        raise _NotPlain("a rendered cell holds a comma")
    flat = cells.flatten()
    width = len(frame.columns)
    out = []
    for j in range(width):
        column = flat.take(pa.array(np.arange(j, len(flat), width)))
        if width == 1:  # a row of one empty field is written `""`
            column = pc.if_else(pc.equal(column, '""'), _s(""), column)
        if pc.any(pc.match_substring(column, '"')).as_py():
            raise _NotPlain("a rendered cell holds a quote")
        out.append(pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.large_string()), column))
    return out


def _is_datetime(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.DatetimeTZDtype) or values.dtype.kind == "M"


_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}


def _datetime_text(values: pd.Series) -> pa.Array:
    """A datetime column as `to_csv` writes it: `astype(str)`'s text, its fraction digits chosen from the whole column.

    UTC columns (all the toolkit writes) are formatted by Arrow: `2025-05-28 19:19:51+00:00`, with
    `.fff`, `.ffffff` or `.fffffffff` on every value when any value needs them, as pandas does;
    other zones, naive datetimes and years outside 1000-9999 are rendered by pandas.
    """
    dtype = values.dtype
    if not (isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC" and dtype.unit in _PER_SECOND):
        return pa.array(values.astype("str"), type=pa.large_string(), from_pandas=True)
    ticks = values.array.asi8
    present = ~values.isna().to_numpy()
    per_second = _PER_SECOND[dtype.unit]
    seconds = ticks[present] // per_second
    if len(seconds) and not (seconds.min() >= _YEAR_1000 and seconds.max() < _YEAR_10000):
        return pa.array(values.astype("str"), type=pa.large_string(), from_pandas=True)
    fraction = np.where(present, ticks % per_second, 0)
    available = len(str(per_second)) - 1  # fraction digits the unit holds: 0, 3, 6 or 9
    # the finest of .fff/.ffffff/.fffffffff that some value needs (a value not a multiple of its step)
    digits = next((w for w in (9, 6, 3) if w <= available and (fraction % 10 ** (available - w + 3)).any()), 0)
    whole = pa.array(np.where(present, ticks // per_second, 0), type=pa.timestamp("s", tz="UTC"), mask=~present)
    text = pc.strftime(whole, format="%Y-%m-%d %H:%M:%S")
    if digits:
        shown = fraction // 10 ** (available - digits)
        part = pc.utf8_lpad(pc.cast(pa.array(shown), pa.string()), width=digits, padding="0")
        text = pc.binary_join_element_wise(text, part, ".")
    return pc.binary_join_element_wise(text, "+00:00", "").cast(pa.large_string())


_YEAR_1000 = -30610224000  # 1000-01-01T00:00:00Z in seconds
_YEAR_10000 = 253402300800  # 10000-01-01T00:00:00Z


class _NotPlain(ValueError):
    """A cell pandas renders needs quoting: the frame is written by pandas itself."""


def _cell_text(batch: pd.DataFrame, rendered: dict[int, pa.Array], start: int) -> list[pa.Array]:
    """Each column's cell text as an Arrow string array (null = empty cell), in column order."""
    cells = []
    for j in range(len(batch.columns)):
        values = batch.iloc[:, j]
        if j in rendered:
            cells.append(rendered[j].slice(start, len(batch)))
        elif _is_text(values):
            cells.append(pa.array(values, type=pa.large_string(), from_pandas=True))
        elif isinstance(values.dtype, np.dtype) and values.dtype.kind in "biuf":
            cells.append(_numpy_text(values))
        else:  # objects, categoricals and the rest: str(value), as the csv module writes them
            cells.append(_object_text(values.astype(object)))
    return cells


_QUOTE_BYTES = byte_table('",\r\n')  # what makes the csv module quote a cell
_TRIGGER_BYTES = byte_table("=+-@\t\r")  # a formula trigger as a cell's first character


def risky_cells(text: pa.Array, pattern: str) -> np.ndarray:
    """Which cells the regex `pattern` finds; for `TRIGGER_PATTERN`, read from the cells' first bytes.

    A cell whose first byte is a trigger matches; one that starts with `'` is asked the regex; no other can.
    """
    if pattern != TRIGGER_PATTERN:
        return pc.fill_null(pc.match_substring_regex(text, pattern), False).to_numpy(zero_copy_only=False)
    first, _, nonempty = edge_bytes(text)
    risky = nonempty & _TRIGGER_BYTES[first]
    quoted = np.flatnonzero(nonempty & (first == ord("'")))
    if len(quoted):
        found = pc.match_substring_regex(text.take(pa.array(quoted)), pattern)
        risky[quoted] = pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    return risky


def _replace_rows(text: pa.Array, rows: np.ndarray, new: pa.Array) -> pa.Array:
    """`text` with the rows marked in `rows` replaced by `new` (one value per marked row, in order)."""
    return pc.replace_with_mask(text, pa.array(rows), new.cast(text.type))


def _quoted(text: pa.Array) -> pa.Array:
    """Cells as the csv module writes them (QUOTE_MINIMAL, doubled quotes), null as empty."""
    text = pc.fill_null(text, "")
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    needs = rows_holding(text, _QUOTE_BYTES)
    if not needs.any():
        return text
    subset = text.filter(pa.array(needs))
    wrapped = pc.binary_join_element_wise(_s('"'), pc.replace_substring(subset, '"', '""'), _s('"'), _s(""))
    return _replace_rows(text, needs, wrapped)


def _lines(columns: list[pa.Array], one_column: bool) -> pa.Array:
    """One CRLF-terminated line per row."""
    quoted = [_quoted(c) for c in columns]
    if one_column:  # the csv module writes a row of one empty field as `""` (a bare empty line is no row)
        quoted = [pc.if_else(pc.equal(quoted[0], ""), _s('""'), quoted[0])]
    # the line end is appended to the last cell: one pass over that column instead of over whole rows
    quoted[-1] = pc.binary_join_element_wise(quoted[-1], _s("\r\n"), _s(""))
    return pc.binary_join_element_wise(*quoted, _s(",")) if len(quoted) > 1 else quoted[0]


def _s(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _utf8(lines: pa.Array) -> bytes | memoryview:
    """The joined bytes of a string array without nulls."""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    lines = lines.cast(pa.large_string())
    if len(lines) == 0:
        return b""
    _, offsets, data = lines.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    return memoryview(data)[int(bounds[0]) : int(bounds[-1])]


def csv_chunks(frame: pd.DataFrame, neutralize: str | None = None) -> Iterator[bytes | memoryview]:
    """The CSV of `frame` (header, CRLF rows) in pieces; with `neutralize` (a regex), matching text cells get `'`."""
    one_column = len(frame.columns) == 1
    special = [j for j in range(len(frame.columns)) if _rendered_by_pandas(frame.iloc[:, j])]
    rendered = {j: _datetime_text(frame.iloc[:, j]) for j in special if _is_datetime(frame.iloc[:, j])}
    rest = [j for j in special if j not in rendered]
    rendered |= dict(zip(rest, _pandas_text(frame.iloc[:, rest]), strict=True)) if rest else {}
    header = [pa.array([str(c)], type=pa.large_string()) for c in frame.columns]
    yield _utf8(_lines(header, one_column))
    text_columns = [j for j in range(len(frame.columns)) if _text_kind(frame.iloc[:, j])]
    for start in range(0, len(frame), BATCH_ROWS):
        batch = frame.iloc[start : start + BATCH_ROWS]
        columns = _cell_text(batch, rendered, start)
        if neutralize:
            for j in text_columns:
                text = columns[j].combine_chunks() if isinstance(columns[j], pa.ChunkedArray) else columns[j]
                risky = risky_cells(text, neutralize)
                if risky.any():
                    marked = pc.binary_join_element_wise(_s("'"), text.filter(pa.array(risky)), _s(""))
                    columns[j] = _replace_rows(text, risky, marked)
        yield _utf8(_lines(columns, one_column))


def _text_kind(values: pd.Series) -> bool:
    """Columns `neutralize` treats as text: str and object columns."""
    return values.dtype == "str" or values.dtype == object


def write_csv_bytes(frame: pd.DataFrame, out: BinaryIO, neutralize: str | None = None) -> bool:
    """Write the CSV of `frame` to a binary file object; False (nothing written) for a frame it does not take.

    Not taken (the caller writes those with `to_csv`): no columns, MultiIndex columns, a datetime-like
    or nullable column that pandas renders with a comma or quote, text Arrow cannot hold (lone
    surrogates). `out` must be seekable: what was written is truncated away when a frame is not taken.
    """
    if len(frame.columns) == 0 or isinstance(frame.columns, pd.MultiIndex):
        return False
    start = out.tell()
    try:
        for chunk in csv_chunks(frame, neutralize):
            out.write(chunk)
    except _NotPlain:
        out.seek(start)
        out.truncate()
        return False
    return True


def csv_text(frame: pd.DataFrame, neutralize: str | None = None) -> str:
    """The CSV of `frame` as a string (for tests and small tables)."""
    buffer = io.BytesIO()
    if not write_csv_bytes(frame, buffer, neutralize):
        raise ValueError("this frame is written by pandas' to_csv")
    return buffer.getvalue().decode()
