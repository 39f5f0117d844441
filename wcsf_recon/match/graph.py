"""Connected components of records that share a key, vectorized (no Python loop per record)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def dense_codes(key: pd.Series | np.ndarray) -> np.ndarray:
    """Keys as integers 0..k-1 (equal keys, equal codes): integer keys already that dense are kept as they are."""
    key = np.asarray(key)
    if np.issubdtype(key.dtype, np.integer) and len(key) and key.min() >= 0 and key.max() < 2 * len(key):
        return key.astype(np.int64, copy=False)
    return pd.factorize(key)[0].astype(np.int64, copy=False)


def components(n_nodes: int, node: np.ndarray, key: pd.Series | np.ndarray) -> np.ndarray:
    """Label each node with the smallest node index reachable through shared keys.

    `node[i]` has key `key[i]`; two nodes with an equal key are connected. Nodes with no key
    stay alone. Each key's nodes are joined to one of them (star edges); then min-label hooking
    over the edges with pointer jumping, dropping the edges whose two ends already agree: a few
    passes over ever fewer edges, no sorting.
    """
    labels = np.arange(n_nodes, dtype=np.int64)
    if len(node) == 0:
        return labels
    codes = dense_codes(key)
    node = np.asarray(node, dtype=np.int64)
    hub = np.empty(int(codes.max()) + 1, dtype=np.int64)
    hub[codes] = node  # one node per key (whichever was written last): all the key's nodes join it
    a, b = node, hub[codes]
    keep = a != b
    a, b = a[keep], b[keep]
    while len(a):
        la, lb = labels[a], labels[b]
        np.minimum.at(labels, np.maximum(la, lb), np.minimum(la, lb))  # hook the larger root onto the smaller
        while True:  # pointer jumping: every node straight to its root
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        keep = labels[a] != labels[b]
        a, b = a[keep], b[keep]
    return labels
