"""Postal codes as matching compares them: upper case, no spaces, a US ZIP+4 read as its ZIP.

`02139-4307` and `02139` name one place (the four digits add a delivery route), so they are equal
here; `M5V 1AB` and `m5v1ab` too. Every step that compares postal codes uses this one reading.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ..tables.arrow_bytes import own_arrow
from .textvec import _STR  # pandas' default `str`, built on Arrow arrays

_ZIP_PLUS_4 = r"^(\d{5})-\d{4}$"


def postal_key(values: pd.Series) -> pd.Series:
    """Folded postal codes (missing stays missing): `02139-4307` -> `02139`, `m5v 1ab` -> `M5V1AB`."""
    text = values.astype("str").str.upper().str.replace(" ", "", regex=False)
    return text.str.replace(_ZIP_PLUS_4, r"\1", regex=True)


_SHAPE_BYTES = np.arange(256, dtype=np.uint8)
_SHAPE_BYTES[ord("A") : ord("Z") + 1] = ord("A")
_SHAPE_BYTES[ord("0") : ord("9") + 1] = ord("9")


def _shape(codes: pd.Series) -> pd.Series:
    """`77029` -> `99999`, `V6B1AB` -> `A9A9AA`: the format a postal code is written in.

    ASCII letters and digits are single bytes (every byte of another character is >= 0x80), so the
    format is the column's bytes mapped through one table, offsets and nulls kept as they are.
    """
    own = own_arrow(codes)
    if own is None:
        return codes.str.replace(r"[A-Z]", "A", regex=True).str.replace(r"[0-9]", "9", regex=True)
    shaped = [_shaped_chunk(c) for c in own.chunks]
    return pd.Series(_STR.__from_arrow__(pa.chunked_array(shaped, own.type)), index=codes.index, name=codes.name)


def _shaped_chunk(chunk: pa.Array) -> pa.Array:
    validity, offsets, data = chunk.buffers()
    if data is None or len(chunk) == 0:
        return chunk
    mapped = _SHAPE_BYTES[np.frombuffer(data, dtype=np.uint8)]
    return pa.Array.from_buffers(chunk.type, len(chunk), [validity, offsets, pa.py_buffer(mapped)], offset=chunk.offset)


def restore_dropped_characters(code: pd.Series, city: pd.Series, surname: pd.Series) -> pd.Series:
    """Postal codes (`postal_key` form) with one character dropped, read as the one full code they come from.

    A code one character short of its city's usual format (`7702` in Houston, a spreadsheet's `2185`
    for `02185`, `V6BAB` for `V6B1AB`) is nobody's real postal code, so it cannot be a stranger's:
    where exactly one code in the usual format is seen under the same surname in the same city and
    becomes it by dropping one character, it is read as that code. Codes in the usual format (a
    changed or swapped digit, which may be a neighbour's real code) are left as they are.
    Inputs are aligned Series (every record of both systems); returns `code` with the repairs.
    """
    present = code.notna() & city.notna() & surname.notna()
    present &= (code != "").fillna(False) & (city != "").fillna(False)
    frame = pd.DataFrame({"code": code, "city": city, "last": surname})[present.to_numpy(bool)]
    if frame.empty:
        return code
    frame = frame.assign(shape=_shape(frame["code"]))
    city_codes, _ = pd.factorize(frame["city"])
    shape_codes, shapes = pd.factorize(frame["shape"])
    usual = _usual_shapes(frame, city_codes, shape_codes, shapes)[city_codes]  # each record's city's usual shape
    usual_len = np.asarray(shapes.str.len(), dtype=np.int64)[usual]
    is_usual = shape_codes == usual
    short = frame[(frame["code"].str.len().to_numpy() == usual_len - 1) & ~is_usual]
    if short.empty:
        return code
    full = frame[is_usual]
    full = full.merge(short[["city", "last"]].drop_duplicates(), on=["city", "last"])
    full = full[["city", "last", "code"]].drop_duplicates()
    rows = [(c, la, y[:i] + y[i + 1 :], y) for c, la, y in full.itertuples(index=False) for i in range(len(y))]
    dropped = pd.DataFrame(rows, columns=["city", "last", "code", "full"]).drop_duplicates()
    found = short.reset_index().merge(dropped, on=["city", "last", "code"])
    found = found.drop_duplicates(["index", "full"])
    unique = found[~found["index"].duplicated(keep=False)].set_index("index")["full"]  # exactly one full code
    out = code.copy()
    out.loc[unique.index] = unique.to_numpy()
    return out


def _usual_shapes(frame: pd.DataFrame, city_codes: np.ndarray, shape_codes: np.ndarray, shapes: pd.Index) -> np.ndarray:
    """Per city code, the code of its most frequent shape, counted over integer codes; only a city whose top
    count is tied asks `value_counts` of its shapes (the tie broken as `value_counts` breaks it)."""
    pairs, counts = np.unique(city_codes.astype(np.int64) * len(shapes) + shape_codes, return_counts=True)
    pair_city, pair_shape = pairs // len(shapes), pairs % len(shapes)
    order = np.lexsort((-counts, pair_city))  # by city, the most frequent shape first
    pair_city, pair_shape, counts = pair_city[order], pair_shape[order], counts[order]
    starts = np.flatnonzero(np.r_[True, pair_city[1:] != pair_city[:-1]])
    usual = pair_shape[starts]  # cities are numbered 0.. in order: one start per city
    runner_up = np.r_[starts[1:], len(pair_city)] - starts > 1
    tied = runner_up & (counts[np.minimum(starts + 1, len(counts) - 1)] == counts[starts])
    for city in np.flatnonzero(tied):
        usual[city] = shapes.get_loc(frame["shape"][city_codes == city].value_counts().index[0])
    return usual
