"""The XLSX workbook people open: one sheet per report, written by XlsxWriter in constant-memory mode.

Why this shape: openpyxl built every cell as an object (193 of 242 s of a 300,000-person reconcile)
and a sheet holds at most 1,048,576 rows. So each sheet shows at most `ROW_CAP` rows (the full table
is the CSV beside the workbook, and a first line in the sheet says so), rows are streamed to disk,
and cells go in column by column as prepared Python lists.

Values: text cells are written as text (`write_string`), which a spreadsheet never evaluates, so no
`'` is needed against formula injection; control characters XLSX cannot hold (all of U+0000-U+001F
but tab, line feed and carriage return) are removed and text is cut to Excel's 32,767 characters.
Datetimes are Excel dates in UTC, booleans TRUE/FALSE, numbers numbers, missing values empty cells.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from ..atomic import atomic_path
from .arrow_bytes import byte_table, edge_bytes, rows_holding

WIDTH_SAMPLE = 1000  # rows a column's width is measured on
ROW_CAP = 100_000  # rows per sheet; Excel's own limit is 1,048,576
CELL_CAP = 32_767  # characters Excel keeps in one cell
XLSX_ILLEGAL = "[\x00-\x08\x0b\x0c\x0e-\x1f]"  # XML 1.0 forbids these; openpyxl raised IllegalCharacterError
_ILLEGAL_RE = re.compile(XLSX_ILLEGAL)
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_DAY_NS = 86_400 * 10**9


def xlsx_text(values: pd.Series) -> pd.Series:
    """Text as an XLSX cell can hold it: illegal control characters removed, cut to `CELL_CAP`."""
    text = values if values.dtype == "str" else values.astype("str")
    if text.str.contains(XLSX_ILLEGAL, regex=True, na=False).any():
        text = text.str.replace(XLSX_ILLEGAL, "", regex=True)
    if (text.str.len() > CELL_CAP).any():
        text = text.str.slice(0, CELL_CAP)
    return text


def sheet_name(name: str, taken: set[str]) -> str:
    """A name Excel accepts (31 characters, none of `[]:*?/\\`), unique in the workbook."""
    base = _SHEET_BAD.sub("_", name).strip("'")[:31] or "sheet"
    out, n = base, 2
    while out.lower() in taken:
        suffix = f" ({n})"
        out, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(out.lower())
    return out


def _excel_days(values: pd.Series) -> np.ndarray:
    """Datetimes as Excel serial days (UTC, no time zone), NaN where missing."""
    naive = values.dt.tz_convert("UTC").dt.tz_localize(None) if isinstance(values.dtype, pd.DatetimeTZDtype) else values
    serial = (naive.astype("datetime64[ns]") - _EXCEL_EPOCH).to_numpy().astype("timedelta64[ns]").astype(np.int64)
    return serial / _DAY_NS


def _column_cells(values: pd.Series) -> tuple[str, list[object]]:
    """(kind, values as Python objects with None for missing) for one column."""
    missing = values.isna().to_numpy()
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values):
        days = _excel_days(values)
        return "date", [None if m else float(d) for d, m in zip(days, missing, strict=True)]
    if pd.api.types.is_bool_dtype(values):
        return "bool", [None if m else bool(v) for v, m in zip(values.to_numpy(dtype=object), missing, strict=True)]
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64").to_numpy()
        finite = np.isfinite(numbers)
        return "number", [float(v) if f else None for v, f in zip(numbers, finite, strict=True)]
    text = xlsx_text(values)
    return "text", text.astype(object).where(text.notna(), None).tolist()


def _width(header: str, cells: list[object], kind: str) -> float:
    if kind == "date":
        return 20
    sample = [len(str(v)) for v in cells[:1000] if v is not None]
    longest = max([len(header), *sample]) if sample else len(header)
    return float(min(max(longest + 2, 8), 60))


def _cell_writers(book: xlsxwriter.Workbook, sheet: Worksheet) -> dict[str, Callable[..., object]]:
    """Per-kind cell writers. XlsxWriter's undecorated `_write_*` methods skip the A1-notation check
    of the public ones (a third of the time per cell); the public ones are the fallback."""
    plain = book.add_format()

    def pick(name: str) -> Callable[..., object]:
        return getattr(sheet, f"_{name}", getattr(sheet, name))

    write_string = pick("write_string")

    def text_with_markup(row: int, col: int, value: str, fmt: object = None) -> object:
        # constant-memory mode copies a string that looks like `<r>...</r>` into the XML as rich text
        # markup (a hostile value could break the file); written as two rich fragments it is escaped
        if value.startswith("<r>") and value.endswith("</r>"):
            return sheet.write_rich_string(row, col, plain, value[:1], value[1:])
        return write_string(row, col, value, fmt)

    return {
        "text": write_string,
        "markup": text_with_markup,
        "number": pick("write_number"),
        "date": pick("write_number"),
        "bool": pick("write_boolean"),
    }


def _write_cells_one_by_one(
    book: xlsxwriter.Workbook, sheet: Worksheet, columns: list[tuple[str, str, list[object]]], top: int, rows: int
) -> None:
    """Data rows through XlsxWriter's cell writers (the reference `_write_rows_at_once` is tested against)."""
    writers = _cell_writers(book, sheet)
    plan = []
    for j, (_, kind, cells) in enumerate(columns):
        if kind == "text" and any(isinstance(v, str) and v.startswith("<r>") for v in cells):
            kind = "markup"
        plan.append((j, writers[kind], cells))
    for i in range(rows):
        r = top + 1 + i
        for j, write, cells in plan:
            value = cells[i]
            if value is not None:
                write(r, j, value)


def _write_sheet(
    book: xlsxwriter.Workbook, name: str, frame: pd.DataFrame, row_cap: int, fmts: dict, fast: bool = True
) -> None:
    sheet = book.add_worksheet(name)
    shown = frame.iloc[:row_cap]
    top = 0
    if len(frame) > row_cap:
        sheet.write_string(
            0,
            0,
            f"First {row_cap:,} of {len(frame):,} rows (the sheet's cap); the full table is the CSV of this report.",
            fmts["note"],
        )
        top = 1
    columns = [(str(c), *_column_cells(shown[c] if not fast else shown[c].iloc[:WIDTH_SAMPLE])) for c in shown.columns]
    for j, (header, kind, cells) in enumerate(columns):
        # dates take their format from the column, so their cells need none of their own
        sheet.set_column(j, j, _width(header, cells, kind), fmts["date"] if kind == "date" else None)
    # constant-memory mode streams rows in order: header first, then each row left to right
    for j, (header, _, _) in enumerate(columns):
        sheet.write_string(top, j, xlsx_text(pd.Series([header], dtype="str")).iloc[0], fmts["header"])
    if fast and not _has_markup(shown) and hasattr(sheet, "_write_single_row"):
        _write_rows_at_once(sheet, shown, top, fmts)
    else:
        _write_cells_one_by_one(book, sheet, columns, top, len(shown))
    if columns:
        sheet.freeze_panes(top + 1, 0)
        sheet.autofilter(top, 0, top + max(len(shown), 1), len(columns) - 1)


ZIP_LEVEL = 1  # zlib's fastest: at 1,000,000 people the zip step 3.9 -> 1.75 s of CPU, the file 21.9 -> 27.1 MB
_ZIP_SWAP = threading.Lock()


class _LevelZipFile(zipfile.ZipFile):
    """A ZipFile deflating at `ZIP_LEVEL` unless told otherwise."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("compresslevel", ZIP_LEVEL)
        super().__init__(*args, **kwargs)  # type: ignore[call-overload]


class _Workbook(xlsxwriter.Workbook):
    """XlsxWriter's workbook with its parts deflated at `ZIP_LEVEL` instead of zlib's default 6.

    XlsxWriter has no option for the level (jmcnamara/XlsxWriter#853) and names `ZipFile` in its
    packaging step, so that name is pointed at `_LevelZipFile` for the step (a lock keeps two of our
    workbooks from swapping it at once). The parts, sheets' XML included, are the same bytes: only
    their deflate stream differs, which every reader inflates alike.
    """

    def _store_workbook(self) -> None:
        with _ZIP_SWAP:
            module = xlsxwriter.workbook
            saved = module.ZipFile
            module.ZipFile = _LevelZipFile  # type: ignore[misc]
            try:
                super()._store_workbook()
            finally:
                module.ZipFile = saved  # type: ignore[misc]


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path, row_cap: int = ROW_CAP, fast: bool = True) -> None:
    """One XLSX with a sheet per frame (first `row_cap` rows each), written to a temporary file and renamed.

    Nothing is left behind on failure: the temporary file is removed whatever happens. `fast=False`
    writes every data cell through XlsxWriter's own cell writers: the reference the rows built in
    Arrow (`_write_rows_at_once`) are tested against, byte for byte.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))  # XlsxWriter's row files
    try:
        with atomic_path(path, suffix=".xlsx") as tmp:
            book = _Workbook(
                str(tmp),
                {
                    "constant_memory": True,
                    "strings_to_formulas": False,
                    "strings_to_urls": False,
                    "strings_to_numbers": False,
                    "nan_inf_to_errors": True,
                    "tmpdir": str(scratch),
                },
            )
            fmts = {
                "header": book.add_format({"bold": True, "bottom": 1}),
                "note": book.add_format({"italic": True, "font_color": "#7a4b00"}),
                "date": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            }
            taken: set[str] = set()
            try:
                for name, frame in sheets.items():
                    _write_sheet(book, sheet_name(name, taken), frame, row_cap, fmts, fast)
            except BaseException:
                for sheet in book.worksheets():  # close the row files so they can go
                    if getattr(sheet, "row_data_fh", None) is not None:
                        sheet.row_data_fh.close()
                raise
            book.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# XlsxWriter's `\s` (Python's: str.isspace) for the xml:space="preserve" test, once control characters are escaped
_SPACE = "[\t\n\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x0b\x0c\x1c-\x1f]"
BATCH_ROWS = 50_000  # rows of sheet XML built at a time


def _s(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


# bytes of a value `_inline_strings` may rewrite (`_xHHHH_`, `\r`, U+FFFE/U+FFFF behind 0xEF, `&<>`), and
# bytes that may begin or end an `_SPACE` character (ASCII spaces and separators, any non-ASCII byte)
_ESCAPED_BYTES = byte_table("_\r&<>") | byte_table(b"\xef")
_SPACE_EDGE = byte_table(bytes([*range(0x09, 0x0E), *range(0x1C, 0x21), *range(0x80, 0x100)]))


def _marks_escaped(text: pa.Array) -> pa.Array:
    text = pc.replace_substring_regex(text, "(_x[0-9a-fA-F]{4}_)", "_x005F\\1")
    for char in "\r\ufffe\uffff":  # the only characters `xlsx_text` leaves that XlsxWriter escapes as _xHHHH_
        text = pc.replace_substring(text, char, f"_x{ord(char):04X}_")
    return text


def _entities(text: pa.Array) -> pa.Array:
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = pc.replace_substring(text, char, entity)
    return text


def _inline_strings(text: pa.Array) -> pa.Array:
    """`<t>` contents and attribute as XlsxWriter writes an inline string: `_xHHHH_` escapes, then `&<>`.

    The escapes run only on values holding a byte they rewrite, the leading/trailing-space test only on
    values whose edge bytes could be a space (found from the array's bytes); every other value is as it is.
    """
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    special = rows_holding(text, _ESCAPED_BYTES)
    marked = special.any()
    escaped = _replace_rows(text, special, _marks_escaped(text.filter(pa.array(special)))) if marked else text
    first, last, nonempty = edge_bytes(text)  # an escaped value may have new edges: asked again below
    maybe = (nonempty & (_SPACE_EDGE[first] | _SPACE_EDGE[last])) | special
    preserve = np.zeros(len(text), dtype=bool)
    if maybe.any():
        asked = escaped.filter(pa.array(maybe))
        found = pc.or_(pc.match_substring_regex(asked, f"^{_SPACE}"), pc.match_substring_regex(asked, f"{_SPACE}$"))
        preserve[maybe] = pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    if marked:
        escaped = _replace_rows(escaped, special, _entities(escaped.filter(pa.array(special))))
    open_tag = pc.if_else(pa.array(preserve), _s('<t xml:space="preserve">'), _s("<t>"))
    return pc.binary_join_element_wise(_s('" t="inlineStr"><is>'), open_tag, escaped, _s("</t></is></c>"), _s(""))


def _replace_rows(text: pa.Array, rows: np.ndarray, new: pa.Array) -> pa.Array:
    return pc.replace_with_mask(text, pa.array(rows), new.cast(text.type))


def _numbers(values: np.ndarray) -> pa.Array:
    """`<v>` contents as XlsxWriter writes a number (`.16G`), null where missing; each distinct value rendered once."""
    finite = np.isfinite(values)
    codes, bits = pd.factorize(np.where(finite, values, 0.0).astype(np.float64).view(np.int64))
    text = [f"{v:.16G}" for v in bits.view(np.float64).tolist()]
    return pa.array(text, type=pa.large_string()).take(pa.array(codes, mask=~finite))


def _cell_xml(values: pd.Series, style: str) -> pa.Array:
    """The tail of each `<c r="A2` element of a column (from the closing quote of `r`), null for no cell."""
    missing = values.isna().to_numpy()
    if _is_date(values):
        days = np.where(missing, np.nan, _excel_days(values))
        return pc.binary_join_element_wise(_s(f'"{style}><v>'), _numbers(days), _s("</v></c>"), _s(""))
    if pd.api.types.is_bool_dtype(values):
        flags = pa.array(np.where(values.to_numpy(dtype=object, na_value=False), "1", "0"), pa.large_string(), missing)
        return pc.binary_join_element_wise(_s(f'"{style} t="b"><v>'), flags, _s("</v></c>"), _s(""))
    if pd.api.types.is_numeric_dtype(values):
        numbers = _numbers(values.astype("float64").to_numpy())
        return pc.binary_join_element_wise(_s(f'"{style}><v>'), numbers, _s("</v></c>"), _s(""))
    text = xlsx_text(values)
    array = pa.array(text, type=pa.large_string(), from_pandas=True)
    tail = _inline_strings(array)
    return pc.binary_join_element_wise(_s(style), tail, _s("")) if style else tail


def _is_date(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values)


def _has_markup(shown: pd.DataFrame) -> bool:
    """Does a text cell look like XlsxWriter's rich-string markup (`<r>...</r>`)? Those go cell by cell."""
    for col in shown.columns:
        values = shown[col]
        if values.dtype == "str" or values.dtype == object:
            text = values.astype("str")
            if (text.str.startswith("<r>", na=False) & text.str.endswith("</r>", na=False)).any():
                return True
    return False


def _write_rows_at_once(sheet: Worksheet, shown: pd.DataFrame, top: int, fmts: dict) -> None:
    """The data rows' XML built a column at a time in Arrow and written into XlsxWriter's row file.

    The bytes are those XlsxWriter writes cell by cell in constant-memory mode (the test compares
    them): `<row r="N">`, then per present cell `<c r="A2"[ s="xf"]` and the typed value; a row
    with no value gets no element. Header rows go through XlsxWriter itself first, and the sheet's
    dimensions are updated the way its cell writers update them.
    """
    sheet._write_single_row(top + 1)  # flush the header row; the next row XlsxWriter expects is ours
    dated = any(_is_date(shown[c]) for c in shown.columns)
    # as in XlsxWriter, the date format gets its number when the first date cell is written
    date_style = f' s="{fmts["date"]._get_xf_index()}"' if dated and len(shown) else ""
    names = [xl_col_to_name(j) for j in range(len(shown.columns))]
    last_row = None
    for start in range(0, len(shown), BATCH_ROWS):
        batch = shown.iloc[start : start + BATCH_ROWS]
        rows = np.arange(top + 1 + start, top + 1 + start + len(batch))
        row_text = pa.array((rows + 1).astype(str)).cast(pa.large_string())
        cells, present = [], np.zeros(len(batch), dtype=bool)
        for j, name in enumerate(names):
            values = batch.iloc[:, j]
            tail = _cell_xml(values, date_style if _is_date(values) else "")
            present |= tail.is_valid().to_numpy(zero_copy_only=False)
            cell = pc.binary_join_element_wise(_s(f'<c r="{name}'), row_text, tail, _s(""))
            cells.append(pc.fill_null(cell, ""))
        line = pc.binary_join_element_wise(_s('<row r="'), row_text, _s('">'), *cells, _s("</row>"), _s(""))
        line = pc.if_else(pa.array(present), line, _s(""))
        sheet.fh.write("".join(line.to_pylist()) if len(line) < 64 else _joined(line))
        if present.any():
            last_row = int(rows[np.flatnonzero(present)[-1]])
    if last_row is not None:
        sheet._check_dimensions(last_row, 0)
        sheet.previous_row = last_row


def _joined(lines: pa.Array) -> str:
    """The concatenated text of a string array without nulls."""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    lines = lines.cast(pa.large_string())
    _, offsets, data = lines.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    return bytes(memoryview(data)[int(bounds[0]) : int(bounds[-1])]).decode()
