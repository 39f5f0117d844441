"""Text columns as Arrow arrays, joined and chosen row by row in Arrow kernels.

Explanation lines are built for a million leads: as Python strings that is a loop per row and a
conversion each way; as Arrow arrays it is one C++ kernel per step. Missing stays missing (null):
a join with a missing part is missing, as `"a" + NaN` is in pandas.
"""

from __future__ import annotations

from collections.abc import Callable
from string import Formatter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..tables.frames import arrow_positions, digit_ids

TEXT = pa.large_string()  # what pandas' `str` dtype holds
_NOTHING = pa.scalar("", TEXT)


def arrow_text(values: pd.Series) -> pa.Array:
    """A column as one Arrow text array (missing -> null); `astype("str")` first when it is not text already."""
    if values.dtype != "str":
        values = values.astype("str")
    data = values.array.__arrow_array__()
    if isinstance(data, pa.ChunkedArray):
        data = data.chunk(0) if data.num_chunks == 1 else data.combine_chunks()
    return data if data.type == TEXT else data.cast(TEXT)


def join(*parts: str | pa.Array) -> pa.Array:
    """Element-wise concatenation of arrays and literal strings (null where any array part is null)."""
    args = [pa.scalar(p, TEXT) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*args, _NOTHING)


def choose(mask: np.ndarray, then: pa.Array, otherwise: pa.Array) -> pa.Array:
    """`then` where `mask` (a numpy boolean array) holds, else `otherwise`."""
    return pc.if_else(pa.array(mask, type=pa.bool_()), then, otherwise)


def put(base: pa.Array, mask: np.ndarray, values: pa.Array) -> pa.Array:
    """`base` with the rows where `mask` holds replaced by `values`, in order (as `base[mask] = values`)."""
    if not mask.any():
        return base
    return pc.replace_with_mask(base, pa.array(mask, type=pa.bool_()), values)


def placed(n: int, parts: list[tuple[np.ndarray, pa.Array]], base: pa.Array | None = None) -> pa.Array:
    """`n` texts, each part's values at its positions (a numpy integer array each, none repeated across parts),
    `base`'s (or missing) elsewhere: one gather from the parts, where a chain of `choose` over all rows would
    build each branch's text for every row, and a chain of `put` would copy every row once per part."""
    parts = [(at, values) for at, values in parts if len(at)]
    if not parts:
        return nulls(n) if base is None else base
    source = np.full(n, -1, dtype=np.int64) if base is None else np.arange(n, dtype=np.int64)
    start = 0
    if base is not None:
        parts = [(np.zeros(0, dtype=np.int64), base), *parts]  # the base's own rows, gathered where no part is
    for at, values in parts:
        source[at] = start + np.arange(len(at))
        start += len(values)
    gathered = pa.concat_arrays([values.cast(TEXT) for _, values in parts])
    return pc.take(gathered, pa.array(source, mask=source < 0, type=pa.int64()))


def subset(values: pa.Array, mask: np.ndarray) -> pa.Array:
    """The rows of `values` where `mask` (a numpy boolean array) holds, in order."""
    return values.filter(pa.array(mask, type=pa.bool_()))


def nulls(n: int) -> pa.Array:
    """`n` missing texts."""
    return pa.nulls(n, type=TEXT)


def valid(values: pa.Array) -> np.ndarray:
    """Where `values` is not missing, as a numpy boolean array."""
    return np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=bool)


def equal(a: pa.Array, b: pa.Array) -> np.ndarray:
    """Where both are present and equal, as a numpy boolean array (missing equals nothing)."""
    same = pc.fill_null(pc.equal(a, b), False)
    return np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool)


def first_part(text: pa.Array, sep: str = "; ") -> pa.Array:
    """`text.split(sep, 1)[0]` per row (missing stays missing)."""
    return pc.list_element(pc.split_pattern(text, sep, max_splits=1), 0)


def text_series(values: pa.Array, index: pd.Index | None = None) -> pd.Series:
    """An Arrow text array as a pandas `str` Series, without copying the text."""
    return pd.Series(pd.array(values, dtype="str"), index=index)


def shown_text(values: pd.Series) -> pa.Array:
    """`values` as Arrow text, as `str.format` shows them: a text column without gaps as it is (its own
    Arrow data, no copy), anything else value by value as `str(v)` (a missing one as `nan` or `None`)."""
    if values.dtype == "str":  # its missing values are NaN, shown `nan`
        return arrow_text(values.fillna("nan") if values.hasnans else values)
    objects = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(objects, skipna=False) != "string":  # not every value a str
        objects = np.array([str(v) for v in objects], dtype=object)
    return pa.array(objects, type=TEXT)


def templated(kinds: pd.Series, templates: dict[str, str], fields: dict[str, pa.Array]) -> pa.Array:
    """`templates[kind].format(**fields-of-the-row)` per row, one template at a time over all its rows
    (`fields`: name -> Arrow text, one value per row); missing where a row's kind has no template."""
    codes, uniques = pd.factorize(kinds)
    lines: list[tuple[np.ndarray, pa.Array]] = []
    for code, kind in enumerate(uniques):
        if kind not in templates:
            continue
        mine = codes == code
        parts: list[str | pa.Array] = []
        for literal, name, _, _ in Formatter().parse(templates[kind]):
            parts.append(literal)
            if name is not None:
                parts.append(subset(fields[name], mine))
        at = np.flatnonzero(mine)
        line = join(*parts)  # a scalar when the template names no field
        lines.append((at, pa.repeat(line, len(at)) if isinstance(line, pa.Scalar) else line))
    return placed(len(kinds), lines)  # one gather, not a copy of every row per template


def mapped_text(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """`keys.map(mapping)` for text keys and a text mapping by text: looked up in Arrow (`index_in`), not
    through a pandas index of Python strings (half of `attribute` at a million leads). A mapping of any
    other dtype, or whose index repeats a value, gets pandas' own answer (which refuses the repeats)."""
    index = mapping.index
    if keys.dtype != "str" or mapping.dtype != "str" or index.dtype != "str":
        return keys.map(mapping)
    labels = arrow_text(pd.Series(index))
    if not _all_different(labels):
        return keys.map(mapping)
    # the position of each key among the labels, null where it is none; a missing key finds a missing
    # label, as in pandas
    found = arrow_positions(arrow_text(keys), labels)
    at = pa.array(found, mask=found < 0, type=pa.int64())
    return pd.Series(pd.array(pc.take(arrow_text(mapping), at), dtype="str"), index=keys.index, name=keys.name)


def _all_different(labels: pa.Array) -> bool:
    """No label repeats (a missing one counted as a value, as `count_distinct(mode="all")` does). Digit ids (the
    WhatConverts lead ids) are read as integers first: different numbers are different texts, and hashing a
    million int64 costs 0.01 s where `count_distinct` of their text took 0.9 s (`unique` 0.3 s)."""
    if labels.null_count == 0:
        numbers = digit_ids(labels)
        if numbers is not None and pd.Index(numbers).is_unique:
            return True  # else two texts may still differ (`012`, `12`): the text decides
    return len(pc.unique(labels)) == len(labels)


def per_distinct(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`func(values)` for an elementwise text `func` (missing stays missing), computed once per distinct value and
    spread back by code: a million ZIP codes or towns carry a few thousand (`str` text; anything else as it is)."""
    if values.dtype != "str":
        return func(values)
    codes, uniques = pd.factorize(values)
    done = func(pd.Series(uniques, dtype="str"))
    if done.dtype != "str":
        return func(values)
    return pd.Series(done.array.take(codes, allow_fill=True), index=values.index, name=values.name)
