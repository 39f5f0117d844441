"""`per_distinct` gives the same answer as the function over every row: values, dtypes, index."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from wcsf_recon.normalize.distinct import distinct_rows, per_distinct
from wcsf_recon.normalize.names import caller_other_reading, parse_caller_names, split_person_names

NAMES = st.one_of(st.none(), st.sampled_from(["SMITH JOHN", "Garcia, Maria", "WIRELESS CALLER", "", "ann lee", "O"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(NAMES, min_size=1, max_size=30), st.integers(0, 1000))
def test_per_distinct_equals_every_row(values: list[str | None], start: int) -> None:
    column = pd.Series(values, index=pd.RangeIndex(start, start + len(values)) * 3, dtype="str")
    pd.testing.assert_frame_equal(per_distinct(split_person_names, column), split_person_names(column))
    caller = parse_caller_names(column)
    pd.testing.assert_frame_equal(per_distinct(parse_caller_names, column), caller)
    kind = caller["kind"]
    pd.testing.assert_frame_equal(per_distinct(caller_other_reading, column, kind), caller_other_reading(column, kind))


def test_distinct_rows_numbers_tuples_in_order_of_first_appearance() -> None:
    a = pd.Series(["x", None, "x", "y", None, "x"], dtype="str")
    b = pd.Series(["1", "1", "1", "1", None, "2"], dtype="str")
    first, number = distinct_rows(a, b)
    assert first.tolist() == [0, 1, 3, 4, 5]
    assert number.tolist() == [0, 1, 0, 2, 3, 4]
