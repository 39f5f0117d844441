"""Does a caller ID spell the caller's own city? `names._place_like`'s rules as Arrow kernels, for ASCII text.

Why: at 1,000,000 leads the question is asked of hundreds of thousands of distinct (caller ID, city)
pairs; one Python call each took seconds. For ASCII text `textvec.fold` is `names.fold_one` (no
transliteration), so the rules read the same folded words; other text is asked `_place_like` itself.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import textvec as tv

CALLER_ID_LENGTH = 15  # carriers cut caller-ID names (CNAM) at 15 characters
PYTHON_ASCII_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "  # what `str.strip()` removes from ASCII text
CUT_MIN = 8


def _bools(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False)


def places_ascii(caller: pa.Array, city: pa.Array) -> np.ndarray:
    """Per row of ASCII `caller` and `city` (nulls allowed): `_place_like(caller, city)`.

    True where the folded caller ID, spaces removed, is the folded city (spaces removed); or is it
    followed by one word of one or two letters (a state code, perhaps cut); or, when the caller ID is
    `CALLER_ID_LENGTH` characters long (cut) and keeps `CUT_MIN` letters, begins the city's name.
    """
    folded = tv.fold(caller)
    whole = pc.replace_substring(folded, " ", "")
    place = pc.replace_substring(tv.fold(city), " ", "")
    found = _bools(pc.equal(whole, place))
    head = tv.group(folded, r"^(?P<h>.+) [a-z]{1,2}$", "h")  # the words before a last word of <= 2 letters
    found |= _bools(pc.equal(pc.replace_substring(head, " ", ""), place))
    letters = pc.fill_null(pc.utf8_length(whole), 0).to_numpy(zero_copy_only=False)
    stripped = pc.fill_null(pc.utf8_length(pc.utf8_trim(caller, PYTHON_ASCII_SPACE)), 0).to_numpy(zero_copy_only=False)
    cut = ~found & (stripped == CALLER_ID_LENGTH) & (letters >= CUT_MIN)
    for size in np.unique(letters[cut]):  # `place.startswith(whole)`, one kernel per prefix length
        rows = np.flatnonzero(cut & (letters == size))
        prefix = pc.utf8_slice_codeunits(place.take(pa.array(rows)), 0, int(size))
        found[rows] = _bools(pc.equal(prefix, whole.take(pa.array(rows))))
    city_given = _bools(pc.greater(pc.utf8_length(city), 0))  # `if not city`: null or empty is no place
    return found & city_given
