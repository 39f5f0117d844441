"""The byte scans of `tables.arrow_bytes` say, row by row, what the values' own bytes say."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wcsf_recon.tables.arrow_bytes import byte_table, edge_bytes, lengths, made_of, rows_holding

TEXT = st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(["a", "Z", "7", " ", "\t", "é", '"']))))


def _arrays(values: list[str | None]) -> list[pa.Array]:
    """The values as string and large-string arrays, whole and as a slice (a non-zero offset into shared buffers)."""
    out = []
    for kind in (pa.string(), pa.large_string()):
        padded = pa.array(["pad", *values, "tail"], type=kind)
        out += [pa.array(values, type=kind), padded.slice(1, len(values))]
    return out


def _bytes(values: list[str | None]) -> list[bytes]:
    return [b"" if v is None else v.encode() for v in values]


@given(TEXT)
def test_edge_bytes_and_lengths_are_each_rows_own(values: list[str | None]) -> None:
    raw = _bytes(values)
    for array in _arrays(values):
        first, last, nonempty = edge_bytes(array)
        assert nonempty.tolist() == [len(b) > 0 for b in raw]
        assert first.tolist() == [b[0] if b else 0 for b in raw]
        assert last.tolist() == [b[-1] if b else 0 for b in raw]
        assert lengths(array).tolist() == [len(b) for b in raw]


@given(TEXT)
def test_rows_holding_and_made_of_read_each_rows_bytes(values: list[str | None]) -> None:
    raw = _bytes(values)
    spaces, letters = byte_table(" \t"), byte_table("aZ")
    for array in _arrays(values):
        assert rows_holding(array, spaces).tolist() == [any(c in b" \t" for c in b) for b in raw]
        expected = [
            v is not None and len(b) in (1, 2) and all(c in b"aZ" for c in b) for v, b in zip(values, raw, strict=True)
        ]
        assert made_of(array, letters, (1, 2)).tolist() == expected


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_null_slot_with_bytes_counts_as_empty(kind: pa.DataType) -> None:
    # Arrow lets a null slot span bytes (an array built from buffers); it is still no value
    width = np.int64 if kind == pa.large_string() else np.int32
    offsets = pa.py_buffer(np.array([0, 2, 4], dtype=width).tobytes())
    validity = pa.py_buffer(np.packbits([0, 1], bitorder="little").tobytes())
    array = pa.Array.from_buffers(kind, 2, [validity, offsets, pa.py_buffer(b"xyab")], null_count=1)
    first, last, nonempty = edge_bytes(array)
    assert nonempty.tolist() == [False, True]
    assert first.tolist() == [0, ord("a")] and last.tolist() == [0, ord("b")]
    assert lengths(array).tolist() == [0, 2]
    assert rows_holding(array, byte_table("x")).tolist() == [False, False]
