"""Small DataFrame helpers used on hot paths."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def isin(values: pd.Series, candidates: Iterable[object] | pd.Series | pd.Index) -> np.ndarray:
    """`values.isin(candidates)` as a boolean array, fast for text columns and large candidate sets.

    pandas' Arrow-backed `str` isin converts every candidate to a scalar one by one; here the
    candidates go to pyarrow as one array.
    """
    if values.dtype != "str":
        return values.isin(list(candidates) if isinstance(candidates, (set, frozenset)) else candidates).to_numpy()
    if isinstance(candidates, (pd.Series, pd.Index)) and candidates.dtype == "str" and len(candidates):
        pool = pc.drop_null(candidates.array.__arrow_array__())  # Arrow text already: no Python strings
    elif isinstance(candidates, (pd.Series, pd.Index)):
        pool = candidates.dropna().astype("str").to_numpy(dtype=object)
    else:
        pool = np.array([c for c in candidates if isinstance(c, str)], dtype=object)
    if not len(pool):
        return np.zeros(len(values), dtype=bool)
    text = (
        values.array.__arrow_array__()
        if hasattr(values.array, "__arrow_array__")
        else pa.array(values.to_numpy(dtype=object, na_value=None), type=pa.string())
    )
    if not isinstance(pool, (pa.Array, pa.ChunkedArray)):
        pool = pa.array(pool, type=pa.string())
    elif isinstance(pool, pa.ChunkedArray):
        pool = pool.combine_chunks()
    found = pc.fill_null(pc.is_in(text, value_set=pool), False)
    return found.to_numpy(zero_copy_only=False).astype(bool)


def join_by(keys: pd.Series, values: pd.Series, sep: str = ";") -> pd.Series:
    """`values` joined with `sep` per key, in the order given: a fast `groupby(keys)[values].agg(sep.join)`."""
    if not len(keys):
        return pd.Series(dtype="str")
    codes, uniques = pd.factorize(keys)  # group by integer codes: no sorting of text
    order = np.argsort(codes, kind="stable")
    k = codes[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    text = pa.array(values.astype("str").to_numpy(dtype=object)[order], type=pa.string())
    lists = pa.ListArray.from_arrays(pa.array(np.r_[starts, len(k)].astype(np.int32)), text)
    joined = pc.binary_join(lists, sep).to_numpy(zero_copy_only=False)
    return pd.Series(joined, index=pd.Index(np.asarray(uniques)[k[starts]], name=keys.name), dtype="str")


def id_order(ids: pd.Series) -> pd.Series:
    """A sort key for ids: numeric ids (WhatConverts lead ids) as numbers, so no text sorting."""
    numbers = pd.to_numeric(ids, errors="coerce")
    if numbers.notna().all():
        return numbers
    return pd.Series(pd.factorize(ids, sort=True)[0], index=ids.index)
