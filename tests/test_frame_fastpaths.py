"""The Arrow fast paths of table helpers give what the pandas calls they stand in for give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from wcsf_recon.tables.coerce import _all_distinct, as_text
from wcsf_recon.tables.frames import arrow_positions, digit_ids, id_order, positions

ID_CASES = [
    ["12", "0012", "5", "900000000000000001"],
    ["12", None, "5"],
    ["1.0", "2", "10"],
    ["99999999999999999999", "1"],  # past int64: to_numeric's float
    [" 12", "3", "-4"],
    ["a1", "b2", "10"],
    [],
]


@pytest.mark.parametrize("ids", ID_CASES)
def test_id_order_sorts_as_to_numeric_does(ids: list) -> None:
    values = pd.Series(ids, dtype="str")
    expected = pd.to_numeric(values, errors="coerce")
    if not expected.notna().all():  # the factorized fallback: same as before
        expected = pd.Series(pd.factorize(values, sort=True)[0], index=values.index)
    got = id_order(values)
    assert got.tolist() == expected.tolist()
    assert np.array_equal(got.argsort(kind="stable"), expected.argsort(kind="stable"))


def test_positions_is_get_indexer() -> None:
    among = pd.Series(["a", "b", "c", None, "é"], dtype="str")
    keys = pd.Index(["b", "x", "a", "é", "c"], dtype="str")
    assert positions(keys, among).tolist() == [1, -1, 0, 4, 2]
    assert positions(pd.Index([2, 9]), pd.Series([1, 2, 3])).tolist() == [1, -1]  # not text: pandas


@pytest.mark.parametrize(
    ("keys", "pool"),
    [
        (["b", None, "z"], ["a", "b", None, "c", "b", "d", "e", "f"]),  # keys far fewer: the pool is looked up
        (["b", None, "z", "a", "b", "c"], ["a", "b", None, "b"]),  # keys as many or more: the keys are
        ([None], ["a", "b", "c"]),
        ([], ["a"]),
    ],
)
def test_arrow_positions_is_index_in_from_either_side(keys: list, pool: list) -> None:
    """Whichever side is hashed, each key finds the first position of its value (a missing key a missing
    value), -1 where absent: Arrow's own `index_in`."""
    keys_a, pool_a = pa.array(keys, type=pa.large_string()), pa.array(pool, type=pa.large_string())
    expected = pa.compute.fill_null(pa.compute.index_in(keys_a, value_set=pool_a), -1).to_numpy(zero_copy_only=False)
    assert arrow_positions(keys_a, pool_a).tolist() == expected.tolist()


@pytest.mark.parametrize(
    "key", [["7", "007"], ["7", "7"], ["a", "b"], ["a", "a"], ["1", "2", "3"], ["1", None], ["x"] * 3]
)
def test_all_distinct_never_says_distinct_wrongly(key: list) -> None:
    values = pd.Series(key, dtype="str")
    # False may be wrong (the caller then looks for the duplicate itself); True must be right
    assert not _all_distinct(values) or values.is_unique
    if values.notna().all():
        assert _all_distinct(values) == values.is_unique


TRIM_CASES = [
    ["  a ", "b", "", "   ", None, "\u00a0x\u2003", "\x00y", "z\x7f", "é ", " é", "\tq\n"],
    ["plain", "values", "only"],
    [None, None],
    [],
]


@pytest.mark.parametrize("values", TRIM_CASES)
def test_as_text_is_strip_with_empty_as_missing(values: list) -> None:
    column = pd.Series(values, dtype="str")
    expected = column.str.strip()
    expected = expected.where(expected != "", None)
    got = as_text(column)
    assert got.isna().tolist() == expected.isna().tolist()
    assert got.dropna().tolist() == expected.dropna().tolist()
    # chunked as a Parquet read gives it: the same answer per chunk
    chunked = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([values[:3], values[3:]], pa.large_string())))
    assert as_text(chunked.astype("str")).fillna("<null>").tolist() == expected.fillna("<null>").tolist()


@pytest.mark.parametrize("ids", [c for c in ID_CASES if None not in c] + [["a", "1", "2"], ["1", "2", "a"]])
def test_digit_ids_are_the_whole_cast_or_none(ids: list) -> None:
    text = pa.array(ids, type=pa.large_string())
    try:
        expected = pa.compute.cast(text, pa.int64()).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        expected = None
    got = digit_ids(text)
    if expected is None:
        assert got is None
    else:
        assert got is not None and np.array_equal(got, expected) and got.dtype == expected.dtype
