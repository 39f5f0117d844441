"""Integer codes for rows of several columns: group and look up by integers, not by text."""

from __future__ import annotations

import numpy as np
import pandas as pd


def column_codes(values: pd.Series | np.ndarray) -> np.ndarray:
    """A code per row (distinct values in order of first appearance); missing values share one code of their own."""
    codes = pd.factorize(values)[0].astype(np.int64, copy=False)
    missing = codes < 0
    if missing.any():
        codes[missing] = codes.max() + 1
    return codes


def tuple_codes(*codes: np.ndarray) -> np.ndarray:
    """A code per row for the tuple of its non-negative integer codes, numbered in order of first appearance.

    Combined two at a time and re-numbered in between, so the product never overflows.
    """
    out = pd.factorize(np.asarray(codes[0], dtype=np.int64))[0].astype(np.int64, copy=False)
    for column in codes[1:]:
        column = np.asarray(column, dtype=np.int64)
        size = int(column.max(initial=0)) + 1
        out = pd.factorize(out * size + column)[0].astype(np.int64, copy=False)
    return out


def first_of_each(codes: np.ndarray) -> np.ndarray:
    """Position of the first row of each code, for codes numbered 0.. in order of first appearance."""
    return np.unique(codes, return_index=True)[1]
