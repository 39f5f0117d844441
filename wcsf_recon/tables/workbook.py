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
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..atomic import atomic_path

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


def _column_cells(values: pd.Series) -> tuple[str, list[object]]:
    """(kind, values as Python objects with None for missing) for one column."""
    missing = values.isna().to_numpy()
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values):
        naive = (
            values.dt.tz_convert("UTC").dt.tz_localize(None) if isinstance(values.dtype, pd.DatetimeTZDtype) else values
        )
        serial = (naive.astype("datetime64[ns]") - _EXCEL_EPOCH).to_numpy().astype("timedelta64[ns]").astype(np.int64)
        days = serial / _DAY_NS
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


def _write_sheet(book: xlsxwriter.Workbook, name: str, frame: pd.DataFrame, row_cap: int, fmts: dict) -> None:
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
    columns = [(str(c), *_column_cells(shown[c])) for c in shown.columns]
    for j, (header, kind, cells) in enumerate(columns):
        # dates take their format from the column, so their cells need none of their own
        sheet.set_column(j, j, _width(header, cells, kind), fmts["date"] if kind == "date" else None)
    # constant-memory mode streams rows in order: header first, then each row left to right
    for j, (header, _, _) in enumerate(columns):
        sheet.write_string(top, j, xlsx_text(pd.Series([header], dtype="str")).iloc[0], fmts["header"])
    writers = _cell_writers(book, sheet)
    plan = []
    for j, (_, kind, cells) in enumerate(columns):
        if kind == "text" and any(isinstance(v, str) and v.startswith("<r>") for v in cells):
            kind = "markup"
        plan.append((j, writers[kind], cells))
    for i in range(len(shown)):
        r = top + 1 + i
        for j, write, cells in plan:
            value = cells[i]
            if value is not None:
                write(r, j, value)
    if columns:
        sheet.freeze_panes(top + 1, 0)
        sheet.autofilter(top, 0, top + max(len(shown), 1), len(columns) - 1)


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path, row_cap: int = ROW_CAP) -> None:
    """One XLSX with a sheet per frame (first `row_cap` rows each), written to a temporary file and renamed.

    Nothing is left behind on failure: the temporary file is removed whatever happens.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))  # XlsxWriter's row files
    try:
        with atomic_path(path, suffix=".xlsx") as tmp:
            book = xlsxwriter.Workbook(
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
                    _write_sheet(book, sheet_name(name, taken), frame, row_cap, fmts)
            except BaseException:
                for sheet in book.worksheets():  # close the row files so they can go
                    if getattr(sheet, "row_data_fh", None) is not None:
                        sheet.row_data_fh.close()
                raise
            book.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
