"""Connected components against a plain union-find."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wcsf_recon.match.graph import components


def _union_find(n: int, node: list[int], key: list[int]) -> list[int]:
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict[int, int] = {}
    for a, k in zip(node, key, strict=True):
        if k in first:
            ra, rb = root(a), root(first[k])
            parent[max(ra, rb)] = min(ra, rb)
        else:
            first[k] = a
    return [root(i) for i in range(n)]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 15)), max_size=60))
    )
)
def test_components_match_union_find(case) -> None:
    n, edges = case
    node = [a for a, _ in edges]
    key = [k for _, k in edges]
    labels = components(n, np.array(node, dtype=np.int64), np.array(key, dtype=np.int64))
    reference = _union_find(n, node, key)
    for i in range(n):
        members = [j for j in range(n) if reference[j] == reference[i]]
        assert labels[i] == min(members)  # same groups, each labelled by its smallest member
