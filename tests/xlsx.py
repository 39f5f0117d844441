"""Read an XLSX sheet back as Excel shows it: openpyxl, plus the `_xHHHH_` escapes (ECMA-376 ST_Xstring) decoded."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def excel_text(value: object) -> object:
    """A cell value with XlsxWriter's control-character escapes turned back into characters."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value) if isinstance(value, str) else value


def sheet_values(path: Path, sheet: str) -> tuple[list[list[object]], list[list[str]]]:
    """(rows of values, rows of openpyxl data types) of one sheet."""
    book = openpyxl.load_workbook(path)
    rows = [[excel_text(c.value) for c in row] for row in book[sheet].iter_rows()]
    types = [[c.data_type for c in row] for row in book[sheet].iter_rows()]
    return rows, types
