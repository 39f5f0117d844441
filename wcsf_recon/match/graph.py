"""Connected components of records that share a key, vectorized (no Python loop per record)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _segments(sorted_values: np.ndarray) -> np.ndarray:
    """Start offsets of the runs of equal values in a sorted array."""
    return np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])


def components(n_nodes: int, node: np.ndarray, key: pd.Series | np.ndarray) -> np.ndarray:
    """Label each node with the smallest node index reachable through shared keys.

    `node[i]` has key `key[i]`; two nodes with an equal key are connected. Nodes with no key
    stay alone. Min-label propagation (key -> nodes -> keys) with pointer jumping, using
    sorted segment reductions: a few passes over the edges.
    """
    labels = np.arange(n_nodes, dtype=np.int64)
    if len(node) == 0:
        return labels
    key = np.asarray(key)
    key_codes = key if np.issubdtype(key.dtype, np.integer) else pd.factorize(pd.Series(key))[0]
    node = np.asarray(node, dtype=np.int64)
    by_key = np.argsort(key_codes, kind="stable")
    key_starts = _segments(key_codes[by_key])
    key_sizes = np.diff(np.r_[key_starts, len(by_key)])
    by_node = np.argsort(node, kind="stable")
    node_sorted = node[by_node]
    node_starts = _segments(node_sorted)
    node_ids = node_sorted[node_starts]
    edge_rank = np.empty(len(by_key), dtype=np.int64)  # position of each edge in key order
    edge_rank[by_key] = np.arange(len(by_key))
    while True:
        key_min = np.minimum.reduceat(labels[node[by_key]], key_starts)
        per_edge = np.repeat(key_min, key_sizes)[edge_rank]
        node_min = np.minimum.reduceat(per_edge[by_node], node_starts)
        new = labels.copy()
        new[node_ids] = np.minimum(new[node_ids], node_min)
        while True:  # pointer jumping: follow labels to their root
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, labels):
            return labels
        labels = new
