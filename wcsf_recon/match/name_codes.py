"""Names of both systems as integer codes in one dictionary; each distinct name pair scored once.

Candidate pairs repeat names a lot (a person's Lead and Contact, a family on one line), and the
scores (`first_name_score`, `last_name_score`) are pure functions of the two texts. So pairs carry
codes, not text: equal codes are equal names, and a score is computed once per distinct pair of
codes, then gathered back. First and last names share the dictionary, so swapped names compare.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cpdist

from ..normalize.names import first_name_score, first_names_strictly_agree, last_name_score
from .rules import FIRST_AGREE, LAST_AGREE

MISSING = -1  # the code of a missing name


def _jaro_winkler(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`JaroWinkler.similarity` per pair of texts, as float64 (bit for bit the scalar call's)."""
    return cpdist(a.tolist(), b.tolist(), scorer=JaroWinkler.similarity, workers=1, dtype=np.float64)


class NameCodes:
    """Codes of the given name columns (in order, `codes[i]` for column i) in one shared dictionary."""

    def __init__(self, *columns: pd.Series) -> None:
        codes, uniques = pd.factorize(pd.concat(columns, ignore_index=True))
        self.values = np.asarray(uniques, dtype=object)
        self.lengths = np.fromiter((len(v) for v in self.values), dtype=np.int64, count=len(self.values))
        bounds = np.cumsum([0, *(len(c) for c in columns)])
        self.codes = [codes[bounds[i] : bounds[i + 1]].astype(np.int64) for i in range(len(columns))]
        self._arrow: pa.Array | None = None  # the dictionary as Arrow text, made on first use
        self._words: np.ndarray | None = None

    def text(self, codes: np.ndarray) -> np.ndarray:
        """The names of `codes` as an object array (None where missing)."""
        out = np.full(len(codes), None, dtype=object)
        has = codes >= 0
        out[has] = self.values[codes[has]]
        return out

    def full_names(self, first: np.ndarray, last: np.ndarray) -> pa.Array:
        """`first + " " + last` per pair of codes, a missing name as empty, trimmed (as pandas `str.strip`:
        Arrow's whitespace trim), as Arrow text: gathered from the dictionary, no Python string per row."""
        if self._arrow is None:
            self._arrow = pa.array(self.values, type=pa.large_string())

        def gathered(codes: np.ndarray) -> pa.Array:
            at = pa.array(codes, type=pa.int64(), mask=codes < 0)  # a missing code reads null
            return pc.fill_null(pc.take(self._arrow, at), pa.scalar("", pa.large_string()))

        joined = pc.binary_join_element_wise(gathered(first), gathered(last), pa.scalar(" ", pa.large_string()))
        return pc.utf8_trim_whitespace(joined)

    def length(self, codes: np.ndarray) -> np.ndarray:
        """Length of each name (0 where missing)."""
        if not len(self.values):
            return np.zeros(len(codes), dtype=np.int64)
        return np.where(codes >= 0, self.lengths[np.maximum(codes, 0)], 0)

    def scores(
        self,
        a: np.ndarray,
        b: np.ndarray,
        score: Callable[[str, str], float],
        batch: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    ) -> np.ndarray:
        """`score(a, b)` per pair: NaN where either is missing, 1.0 where equal, else once per distinct pair
        (by `batch` over the distinct pairs' codes where given: `score` over all of them at once)."""
        out = np.full(len(a), np.nan)
        both = (a >= 0) & (b >= 0)
        same = both & (a == b)
        out[same] = 1.0
        rest = np.flatnonzero(both & ~same)
        if len(rest):
            key = a[rest] * len(self.values) + b[rest]
            which, distinct = pd.factorize(key)
            x, y = distinct // len(self.values), distinct % len(self.values)
            if batch is not None:
                scored = batch(x, y)
            else:  # map: no generator frame
                scored = np.fromiter(map(score, self.values[x], self.values[y]), dtype=float, count=len(distinct))
            out[rest] = scored[which]
        return out

    def first_scores(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """`first_name_scores` over codes."""
        return self.scores(a, b, first_name_score, self._first_batch)

    def last_scores(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """`last_name_scores` over codes."""
        return self.scores(a, b, last_name_score, self._last_batch)

    def _first_batch(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """`first_name_score` of distinct pairs of different names: 1 where they strictly agree, else 0 for an
        initial, else Jaro-Winkler, by one `cpdist` (the same doubles as the scalar call)."""
        a, b = self.values[x], self.values[y]
        out = np.fromiter(map(first_names_strictly_agree, a, b), dtype=float, count=len(x))  # 1.0 or 0.0
        rest = np.flatnonzero((out == 0.0) & (np.minimum(self.lengths[x], self.lengths[y]) != 1))
        if len(rest):
            out[rest] = _jaro_winkler(a[rest], b[rest])
        return out

    def _last_batch(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """`last_name_score` of distinct pairs of different surnames: Jaro-Winkler by one `cpdist`, 1 where
        either has several different words and they share one (those few compared in Python)."""
        a, b = self.values[x], self.values[y]
        out = _jaro_winkler(a, b)
        spaced = self._spaced()
        for i in np.flatnonzero(spaced[x] | spaced[y]):
            if set(a[i].split()) & set(b[i].split()):
                out[i] = 1.0
        return out

    def _spaced(self) -> np.ndarray:
        """Per name in the dictionary: it has more than one different word (made on first use)."""
        if self._words is None:
            words = (len(set(v.split())) > 1 for v in self.values)
            self._words = np.fromiter(words, dtype=bool, count=len(self.values))
        return self._words

    def strictly_agree(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """`first_names_strictly_agree` per pair of codes (False where either is missing), once per distinct pair."""
        return self.scores(a, b, first_names_strictly_agree) == 1.0

    def swapped(
        self, wc_first: np.ndarray, wc_last: np.ndarray, sf_first: np.ndarray, sf_last: np.ndarray
    ) -> np.ndarray:
        """Names that agree once one side's first and last are exchanged: both names present, both agreeing.

        `Thomas Gabriel` / `Gabriel Thomas`, `Hill Tony` / `Anthony Hill`, caller ID `FERNANDEZ H` /
        a Lead `Fernandez Hannah`; one name crossing over (`Thomas Gabriel` / `Gabriel Smith`) is not
        enough. The thresholds of in-order agreement; the surnames compared must be full words.
        """
        ok = (wc_first >= 0) & (wc_last >= 0) & (sf_first >= 0) & (sf_last >= 0)
        out = np.zeros(len(wc_first), dtype=bool)
        for a, b, c, d in ((wc_first, wc_last, sf_first, sf_last), (wc_last, wc_first, sf_last, sf_first)):
            # the names read as surnames must be full words
            todo = np.flatnonzero(ok & ~out & (self.length(a) >= 2) & (self.length(d) >= 2))
            if not len(todo):
                continue
            fits = self.last_scores(a[todo], d[todo]) >= LAST_AGREE
            todo = todo[fits]
            fits = self.first_scores(b[todo], c[todo]) >= FIRST_AGREE
            out[todo[fits]] = True
        return out
