"""The Arrow-built CSV and XLSX rows are the bytes pandas' `to_csv` and XlsxWriter's cell writers write."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wcsf_recon.tables import csv_text as csv_module
from wcsf_recon.tables import workbook as workbook_module
from wcsf_recon.tables.csv_text import csv_text
from wcsf_recon.tables.export import _TRIGGER_RE as TRIGGER
from wcsf_recon.tables.export import CSV_OPTIONS, neutralize, read_safe_csv, write_safe_csv
from wcsf_recon.tables.workbook import write_workbook

PIECES = ["\r", "\n", "\r\n", "=", "'", '"', ",", "\x00", " ", "\u00a0", "_x0041_", "<r>", "</r>", "&", "\ufffe"]
# any text (lone surrogates cannot be UTF-8), in pieces weighted towards what breaks CSV and XLSX
TEXT = st.lists(
    st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=6), st.sampled_from(PIECES)), max_size=6
).map("".join)


def every_dtype(rows: int = 7) -> pd.DataFrame:
    """One column of each dtype the toolkit writes, with missing values in each."""
    rng = np.random.default_rng(3)
    when = pd.Series(pd.to_datetime(rng.integers(1.7e9, 1.8e9, rows), unit="s", utc=True))
    return pd.DataFrame(
        {
            "text": pd.Series(["a,b", 'say "hi"', "=1+1", None, "", "x\r\ny", "'-2"][:rows], dtype="str"),
            "objects": pd.Series([1, None, "two", 3.5, True, "-x", float("nan")][:rows], dtype=object),
            "ints": np.arange(rows) - 3,
            "floats": [0.1, np.nan, 1e16, 1.0, -2.5e-7, 123456789.123, np.nan][:rows],
            "flags": [True, False] * (rows // 2) + [True] * (rows % 2),
            "nullable_flags": pd.array([True, None, False, True, None, False, True][:rows], dtype="boolean"),
            "nullable_ints": pd.array([1, None, 3, 4, None, 6, 7][:rows], dtype="Int64"),
            "when": when.where(pd.Series(np.arange(rows) % 3 != 1)),
            "when_naive": pd.Series(pd.to_datetime(["2025-01-01", None, "2025-02-03"] * 3)[:rows]),
            "category": pd.Categorical(["x", "y,z", None, "x", "y,z", "x", None][:rows]),
        }
    )


def test_bytes_equal_to_csv_for_every_dtype() -> None:
    frame = every_dtype()
    assert csv_text(frame) == frame.to_csv(**CSV_OPTIONS)
    assert csv_text(frame, TRIGGER) == neutralize(frame).to_csv(**CSV_OPTIONS)
    assert csv_text(frame.iloc[:0]) == frame.iloc[:0].to_csv(**CSV_OPTIONS)


@pytest.mark.parametrize("column", ["text", "objects", "when", "nullable_ints", "floats"])
def test_one_column_rows_with_an_empty_cell_are_quoted_as_pandas_does(column: str) -> None:
    frame = every_dtype()[[column]]
    assert csv_text(frame, TRIGGER) == neutralize(frame).to_csv(**CSV_OPTIONS)
    assert '""\r\n' in csv_text(frame)


def test_a_datetime_column_keeps_one_format_across_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # pandas picks a datetime column's format from all its values (seconds here, microseconds in the last row)
    monkeypatch.setattr(csv_module, "BATCH_ROWS", 2)
    when = pd.to_datetime(["2025-01-01T00:00:00Z"] * 4 + ["2025-01-01T00:00:00.5Z"], utc=True, format="ISO8601")
    frame = pd.DataFrame({"when": when, "n": range(5)})
    assert csv_text(frame) == frame.to_csv(**CSV_OPTIONS)
    assert "2025-01-01 00:00:00.000+00:00,0" in csv_text(frame)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.one_of(st.none(), TEXT), min_size=1, max_size=6))
def test_any_text_is_written_as_pandas_writes_it_and_reads_back(values: list[str | None], tmp_path: Path) -> None:
    frame = pd.DataFrame({"text": pd.Series(values, dtype="str"), "objects": pd.Series(values, dtype=object)})
    assert csv_text(frame, TRIGGER) == neutralize(frame).to_csv(**CSV_OPTIONS)
    write_safe_csv(frame, tmp_path / "t.csv")
    back = read_safe_csv(tmp_path / "t.csv")
    expected = [None if v in (None, "") else v for v in values]
    assert [None if pd.isna(v) else v for v in back["text"]] == expected


def test_frames_the_fast_path_does_not_take_are_still_written_by_pandas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"span": pd.arrays.IntervalArray.from_breaks([0, 1, 2]), "a": ["=x", "y"]})
    write_safe_csv(frame, tmp_path / "t.csv")  # an interval renders as "(0, 1]": a comma the fast path refuses
    assert (tmp_path / "t.csv").read_bytes().decode() == neutralize(frame).to_csv(**CSV_OPTIONS)


def _sheets_xml(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as book:
        return {name: book.read(name) for name in book.namelist() if name != "docProps/core.xml"}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.one_of(st.none(), TEXT), min_size=1, max_size=6))
def test_workbook_rows_are_the_bytes_xlsxwriter_writes_cell_by_cell(values: list[str | None], tmp_path: Path) -> None:
    text, objects = pd.Series(values, dtype="str"), pd.Series(values, dtype=object)
    frame = every_dtype(len(values)).assign(text=text, objects=objects)
    sheets = {"plain": pd.DataFrame({"n": [1, 2]}), "every dtype": frame, "capped": frame, "empty": frame.iloc[:0]}
    write_workbook(sheets, tmp_path / "fast.xlsx", row_cap=max(len(values) - 1, 1))
    write_workbook(sheets, tmp_path / "cells.xlsx", row_cap=max(len(values) - 1, 1), fast=False)
    assert _sheets_xml(tmp_path / "fast.xlsx") == _sheets_xml(tmp_path / "cells.xlsx")


def test_workbook_rows_in_several_batches_match_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(workbook_module, "BATCH_ROWS", 3)
    frame = every_dtype().assign(text=[None] * 7, objects=[None] * 7)  # a row of nothing gets no <row>
    frame.loc[6, ["ints", "floats", "flags"]] = [9, 9.5, True]
    sheets = {"many": pd.concat([every_dtype()] * 3 + [frame], ignore_index=True)}
    write_workbook(sheets, tmp_path / "fast.xlsx")
    write_workbook(sheets, tmp_path / "cells.xlsx", fast=False)
    assert _sheets_xml(tmp_path / "fast.xlsx") == _sheets_xml(tmp_path / "cells.xlsx")


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_utc_datetimes_get_the_fraction_digits_pandas_picks_from_the_whole_column(unit: str) -> None:
    moments = [
        "2025-05-28T19:19:51Z",
        "1969-12-31T23:59:59.999Z",
        "2025-05-28T19:19:51.5Z",
        "2025-05-28T19:19:51.000001Z",
        "2025-05-28T19:19:51.000000001Z",
        "1000-01-01T00:00:00Z",
        "0999-12-31T23:59:59Z",  # outside the years Arrow is asked to format: pandas renders the column
        None,
    ]
    if unit == "ns":  # nanoseconds hold the years 1678-2261 only
        moments = [m for m in moments if m is None or m > "1678"]
    for start in range(len(moments)):
        for stop in range(start + 1, len(moments) + 1):
            values = [None if v is None else pd.Timestamp(v) for v in moments[start:stop]]
            frame = pd.DataFrame({"when": pd.Series(values, dtype=f"datetime64[{unit}, UTC]"), "n": 1})
            assert csv_text(frame) == frame.to_csv(**CSV_OPTIONS)


def test_repeated_floats_negative_zero_and_integer_objects_are_written_as_pandas_does() -> None:
    frame = pd.DataFrame(
        {
            "score": [0.95, -0.0, 0.0, np.nan, 0.95, 1e-05, 1.0, np.inf],
            "small": np.array([0.1, np.nan, 2.5, 1e-7, 0.1, 3.0, 1e20, -1.5], dtype=np.float32),
            "cluster": pd.Series([1, None, 3, 2**70, 5, np.int32(7), None, -2], dtype=object),
            "count": pd.Series([1, None, 3, 4, 5, 6, 7, -8], dtype=object),
            "unsigned": np.array([0, 1, 2**64 - 1, 3, 4, 5, 6, 7], dtype=np.uint64),
        }
    )
    assert csv_text(frame) == frame.to_csv(**CSV_OPTIONS)
