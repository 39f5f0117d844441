"""Run a column function once per distinct value (or tuple of values) and spread its answer to every row.

A million leads carry far fewer distinct names (repeat callers, forms retyping one contact name): the
name kernels then cost as many values as there are names, not rows. Only for functions whose answer
for a row depends on that row's values alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd

Result = TypeVar("Result", pd.Series, pd.DataFrame)


def distinct_rows(*columns: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(position of the first row of each distinct tuple of values, in order; per row, its tuple's number).

    Missing values are a value of their own. Codes are combined two at a time, so they never overflow.
    """
    codes = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        column_codes = pd.factorize(column)[0].astype(np.int64) + 1  # missing: 0
        codes = pd.factorize(codes * (int(column_codes.max(initial=0)) + 1) + column_codes)[0].astype(np.int64)
    first = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())
    number = np.empty(int(codes.max(initial=-1)) + 1, dtype=np.int64)
    number[codes[first]] = np.arange(len(first))
    return first, number[codes]


def per_distinct(func: Callable[..., Result], *columns: pd.Series) -> Result:
    """`func(*columns)`, computed over the distinct rows of `columns` only (aligned Series)."""
    first, number = distinct_rows(*columns)
    if len(first) == len(number):  # nothing repeats: nothing to save
        return func(*columns)
    result = func(*(column.iloc[first].reset_index(drop=True) for column in columns))
    spread = result.take(number)
    spread.index = columns[0].index
    return spread
