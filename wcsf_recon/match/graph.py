"""Connected components of records that share a key, vectorized (no Python loop per record)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def components(n_nodes: int, node: np.ndarray, key: pd.Series | np.ndarray) -> np.ndarray:
    """Label each node with the smallest node index reachable through shared keys.

    `node[i]` has key `key[i]`; two nodes with an equal key are connected. Nodes with no key
    stay alone. Min-label propagation with pointer jumping: a few passes over the edges.
    """
    labels = np.arange(n_nodes, dtype=np.int64)
    if len(node) == 0:
        return labels
    key_codes = np.asarray(key) if np.issubdtype(np.asarray(key).dtype, np.integer) else pd.factorize(pd.Series(key))[0]
    order = np.argsort(key_codes, kind="stable")
    node_sorted = np.asarray(node, dtype=np.int64)[order]
    codes_sorted = key_codes[order]
    starts = np.flatnonzero(np.r_[True, codes_sorted[1:] != codes_sorted[:-1]])
    counts = np.diff(np.r_[starts, len(codes_sorted)])
    while True:
        key_min = np.minimum.reduceat(labels[node_sorted], starts)
        new = labels.copy()
        np.minimum.at(new, node_sorted, np.repeat(key_min, counts))
        while True:  # pointer jumping: follow labels to their root
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, labels):
            return labels
        labels = new
