"""The match stage's fast paths give what the plain formulations they replace give (issue 16: outputs unchanged)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wcsf_recon.match.cluster import _several, first_rows
from wcsf_recon.match.lead_notes import _first_part
from wcsf_recon.match.model import _squash_spaces
from wcsf_recon.normalize.names import first_name_score, first_name_scores, last_name_score, last_name_scores


def test_space_squashing_equals_the_python_regex_on_every_kind_of_space() -> None:
    values = ["a  b", "x\u00a0y", "plain text", " lead", "tab\there", None, "", "é  e", "a\x1cb", "a\u2003b", "n\nl"]
    text = pd.Series(values * 3, dtype="str")
    want = text.str.replace(r"\s+", " ", regex=True)
    pd.testing.assert_series_equal(_squash_spaces(text), want)
    assert _squash_spaces(text).tolist()[:4] == ["a b", "x y", "plain text", " lead"]
    plain = pd.Series(["main st", "springfield", None], dtype="str")
    pd.testing.assert_series_equal(_squash_spaces(plain), plain.str.replace(r"\s+", " ", regex=True))


def test_first_part_equals_split_once_per_value() -> None:
    text = pd.Series(["email a = Lead 1; names agree", "x", None, "email a = Lead 1; names agree", "; y", np.nan])
    want = text.astype(object).str.split("; ", n=1).str[0]
    got = _first_part(text.astype(object))
    assert got.tolist()[:2] == ["email a = Lead 1", "x"] and got.isna().tolist() == want.isna().tolist()
    pd.testing.assert_series_equal(got, want)


def test_several_groups_values_in_first_seen_order() -> None:
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 40, 500).astype(np.int64)
    values = np.array([f"n{v}" for v in rng.integers(0, 6, 500)], dtype=object)
    want: dict[int, dict[str, None]] = {}
    codes = pd.factorize(values)[0]
    counts = pd.Series(keys[first_rows(keys, codes)]).value_counts()
    for k, v in zip(keys, values, strict=True):
        if counts[k] > 1:
            want.setdefault(int(k), {})[v] = None
    assert _several(keys, values) == {k: list(v) for k, v in want.items()}
    assert _several(np.array([1, 1, 2], dtype=np.int64), np.array(["a", "a", "b"], dtype=object)) == {}


def test_name_scores_of_equal_names_need_no_call() -> None:
    a = pd.Series(["william", "bill", "smith", None, "ann", "jon"], dtype="str")
    b = pd.Series(["william", "william", "smith", "x", None, "john"], dtype="str")
    first = first_name_scores(a, b).tolist()
    last = last_name_scores(a, b).tolist()
    assert first[:3] == [1.0, first_name_score("bill", "william"), 1.0] and first[5] == first_name_score("jon", "john")
    assert last[2] == 1.0 and last[5] == last_name_score("jon", "john")
    assert np.isnan(first[3]) and np.isnan(first[4]) and np.isnan(last[3])
