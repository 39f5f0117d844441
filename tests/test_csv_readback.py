"""`read_back_csv` (the plan's read-back) returns exactly what `read_safe_csv` returns, on any file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wcsf_recon.tables import csv_readback
from wcsf_recon.tables.csv_readback import read_back_csv
from wcsf_recon.tables.export import read_safe_csv, write_safe_csv

# any text, weighted towards what a CSV quotes or a spreadsheet runs; "\r\n" comes from pairs
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",))
    | st.sampled_from(["\r", "\n", "=", "'", '"', ",", "\x00", " ", "+"]),
    max_size=12,
)
PLAIN = st.text(alphabet="abc xyz-=+'@.;", max_size=8)  # no quote, comma or control byte: split in Arrow


def _same(path: Path) -> None:
    back, data = read_back_csv(path)
    assert data == path.read_bytes()
    pd.testing.assert_frame_equal(back, read_safe_csv(path))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(st.one_of(st.none(), TEXT), st.one_of(st.none(), PLAIN), st.integers(-5, 5)), min_size=1, max_size=12
    )
)
def test_the_read_back_is_read_safe_csv_on_any_text(rows: list[tuple], tmp_path: Path) -> None:
    frame = pd.DataFrame(rows, columns=["text", "plain", "n"]).astype({"text": object, "plain": object})
    write_safe_csv(frame, tmp_path / "t.csv")
    _same(tmp_path / "t.csv")


def test_plain_rows_are_split_without_pandas_and_quoted_ones_parsed(tmp_path: Path, monkeypatch) -> None:
    frame = pd.DataFrame(
        {
            "a": ["x", 'say "hi"', "=1+1", None, "a,b", "line\r\nbreak", "tab\tin", "", "'+1"],
            "b": ["1", "2", "3", "4", "5", "6", "7", "8", "9"],
            "when": pd.to_datetime(["2025-01-01T00:00:00Z"] * 9, utc=True),
        }
    )
    write_safe_csv(frame, tmp_path / "t.csv")
    seen: list[int] = []
    parse = csv_readback._parsed_rows
    monkeypatch.setattr(
        csv_readback, "_parsed_rows", lambda h, lines, rows: seen.append(len(rows)) or parse(h, lines, rows)
    )
    back, _ = read_back_csv(tmp_path / "t.csv")
    assert seen == [4]  # the quote, the comma, the CRLF and the tab; the other five rows split in Arrow
    pd.testing.assert_frame_equal(back, read_safe_csv(tmp_path / "t.csv"))
    texts = back["a"].tolist()
    assert texts[1:3] + texts[4:6] == ['say "hi"', "=1+1", "a,b", "line\r\nbreak"] and pd.isna(texts[3])


@pytest.mark.parametrize(
    "raw",
    [
        b"a,b\r\n1,2\r\n",
        b'a,b\r\nx"y,2\r\n',  # a quote inside an unquoted cell: pandas keeps it
        b'a,b\r\n"x"y,2\r\n',  # text after a closing quote
        b"a,b\r\n1,2\r3,4\r\n",  # a bare CR: pandas starts a row
        b"a,b\r\n1,2\n3,4\r\n",  # a bare LF
        b"a,b\r\n1\r\n1,2,\r\n",  # too few and too many fields
        b"a,b\r\n1,2",  # no line end at the end
        b"a,a\r\n1,2\r\n",  # a repeated column name: pandas renames it
        b'"a",b\r\n1,2\r\n',  # a quoted header
        b"a\r\n\r\n \r\nx\r\n",  # one column: blank and space-only rows, which pandas skips
        b"\xef\xbb\xbfa,b\r\n1,2\r\n",  # a byte-order mark
        b'a,b\r\n"1\r\n2",3\r\n,\r\n',  # a CRLF in a quoted cell, then a row of empty cells
        b"a,b\r\n\xff,2\r\n\xfe,3\r\n",  # not UTF-8: both refuse it
    ],
)
def test_files_we_did_not_write_read_as_pandas_reads_them(raw: bytes, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(raw)
    try:
        expected = read_safe_csv(path)
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        with pytest.raises(type(exc)):
            read_back_csv(path)
        return
    back, _ = read_back_csv(path)
    pd.testing.assert_frame_equal(back, expected)
