"""Labels into trainable weights: reviewers' `same` answers as evidence for a Fellegi-Sunter model's m-probabilities.

m[c][l] is the probability that a true match shows level l of comparison c. Weights learned without
labels (EM, anchor pairs) are the prior; each labelled true pair adds one observation of its level
per comparison where both values are present: m_new = (strength * m_learned + counts) / (strength
+ n) over the present levels, a Dirichlet posterior with `strength` pseudo-pairs behind the learned
values (level 0, a missing value, weighs nothing and keeps its m). u (random pairs) needs no labels. The
table returned says how many labels moved which weight, in bits of log2(m/u).

The seam: the matching model's `Weights.m` (wcsf_recon.match, when its probabilistic model is
present) and the levels of the labelled pairs from its `compare`; this module is the update rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NULL = 0  # level 0 of every comparison: a value missing on either side


def m_from_labels(
    m: dict[str, list[float]], true_levels: dict[str, np.ndarray], strength: float = 50.0
) -> tuple[dict[str, list[float]], pd.DataFrame]:
    """(updated m, table: comparison, level, labels, m_before, m_after, bits_moved) from labelled true pairs' levels."""
    updated: dict[str, list[float]] = {}
    rows = []
    for name, before in m.items():
        prior = np.asarray(before, dtype=float)
        levels = np.asarray(true_levels.get(name, np.array([], dtype=int)), dtype=int)
        counts = np.bincount(levels, minlength=len(prior))[: len(prior)].astype(float)
        counts[NULL] = 0.0  # a missing value says nothing about matching (its weight is 0): m[null] kept
        present = prior[1:].sum()
        after = prior.copy()
        if counts.sum() > 0 and present > 0:  # Dirichlet update of m given the value is present
            after[1:] = (strength * prior[1:] / present + counts[1:]) / (strength + counts.sum()) * present
        updated[name] = after.tolist()
        for level, (b, a, n) in enumerate(zip(prior, after, counts, strict=True)):
            moved = float(np.log2(max(a, 1e-12) / max(b, 1e-12)))
            rows.append((name, level, int(n), float(b), float(a), moved))
    table = pd.DataFrame(rows, columns=["comparison", "level", "labels", "m_before", "m_after", "bits_moved"])
    return updated, table
