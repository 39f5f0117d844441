"""Read and write one snapshot table file (CSV, Parquet, JSONL) with errors a user can act on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .export import unneutralize
from .wc_records import leads_frame

_UTF16_32_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
UTF8_BOM = b"\xef\xbb\xbf"


def _check_head(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head.strip(UTF8_BOM + b" \r\n\t"):
        raise InputError(str(path), "file is empty (expected a header row)")
    for bom, name in _UTF16_32_BOMS.items():
        if head.startswith(bom):
            raise InputError(str(path), f"file is {name} encoded (byte-order mark found); save it as UTF-8")


def _decode_error(path: Path, encoding: str) -> InputError:
    data = path.read_bytes()
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return InputError(
            str(path),
            f"not valid {encoding} at byte {exc.start} (line {line}); re-save the file as UTF-8",
            row=max(line - 1, 1),
        )
    return InputError(str(path), f"not valid {encoding}")


def read_csv(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    """Read a CSV as text columns: empty cells become null, nothing else is guessed."""
    _check_head(path)
    try:
        frame = pd.read_csv(
            path,
            dtype="str",
            keep_default_na=False,
            na_values=[""],
            encoding="utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding,
        )
    except UnicodeDecodeError:
        raise _decode_error(path, encoding) from None
    except pd.errors.ParserError as exc:
        found = re.search(r"line (\d+)", str(exc))
        row = int(found.group(1)) - 1 if found else None
        raise InputError(str(path), f"malformed CSV: {str(exc).splitlines()[-1]}", row=row) from None
    except pd.errors.EmptyDataError:
        raise InputError(str(path), "file is empty (expected a header row)") from None
    if len(frame.columns) == 1:  # a file saved with ';' or tabs (a European Excel export): read it as such
        delimiter = _sniff(path, encoding)
        if delimiter not in (None, ","):
            frame = pd.read_csv(
                path,
                dtype="str",
                keep_default_na=False,
                na_values=[""],
                sep=delimiter,
                encoding="utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding,
            )
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed:")]
    if unnamed:
        raise InputError(str(path), "a header cell is empty", column=str(unnamed[0]))
    return unneutralize(frame)  # cells our writers quoted against formula injection


def _sniff(path: Path, encoding: str) -> str | None:
    with path.open("r", encoding="utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding) as fh:
        head = fh.readline()
    counts = {d: head.count(d) for d in (";", "\t", "|", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else None


MAX_JSON_DEPTH = 32  # a lead object is 2-3 levels deep; deeper is not a lead (and would exhaust the stack)


def json_depth_over(line: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Does the JSON text nest arrays/objects deeper than `limit`? (Brackets inside strings count: an upper bound.)"""
    if line.count("[") + line.count("{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for ch in line:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def read_jsonl(path: Path) -> pd.DataFrame:
    """Read raw WhatConverts lead objects, one JSON object per line; an empty file is zero leads."""
    if path.stat().st_size == 0:
        return leads_frame([])
    _check_head(path)
    records = []
    with path.open("r", encoding="utf-8-sig") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            if json_depth_over(line):
                raise InputError(str(path), f"JSON nested deeper than {MAX_JSON_DEPTH} levels", row=number)
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(str(path), f"invalid JSON: {exc.msg}", row=number) from None
            if not isinstance(obj, dict):
                raise InputError(str(path), "each line must be one JSON object", row=number)
            records.append(obj)
    return leads_frame(records)


def read_table_file(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    """Dispatch on the extension; Parquet keeps its own types."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise InputError(str(path), f"unreadable Parquet file: {exc}") from None
    if suffix == ".jsonl":
        return read_jsonl(path)
    return read_csv(path, encoding=encoding)


def to_csv_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Render typed columns the way the APIs give them: true/false, ISO 8601 UTC, empty = null."""
    out = {}
    for col in frame.columns:
        values = frame[col]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            text = values.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").str.replace(".000000Z", "Z", regex=False)
            out[col] = text.where(values.notna(), None)
        elif pd.api.types.is_bool_dtype(values):
            out[col] = values.map({True: "true", False: "false"}).astype("str")
        elif pd.api.types.is_float_dtype(values):
            out[col] = values.map(lambda v: None if pd.isna(v) else repr(float(v)).removesuffix(".0"))
        else:
            out[col] = values
    return pd.DataFrame(out)
