"""Labels into trainable weights: reviewers' `same` answers as evidence for a Fellegi-Sunter model's m-probabilities.

m[c][l] is the probability that a true match shows level l of comparison c. Weights learned without
labels (EM, anchor pairs) are the prior; each labelled true pair adds one observation of its level
per comparison where both values are present: m_new = (strength * m_learned + counts) / (strength
+ n) over the present levels, a Dirichlet posterior with `strength` pseudo-pairs behind the learned
values (level 0, a missing value, weighs nothing and keeps its m). u (random pairs) needs no labels. The
table returned says how many labels moved which weight, in bits of log2(m/u).

`labelled_weights(recon, decisions)` compares the labelled true pairs as the matching model does
(`wcsf_recon.match.model`) and returns its weights with m moved; `m_from_labels` is the rule.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import WcsfError

if TYPE_CHECKING:
    from ..match.fellegi_sunter import Weights
    from ..reconcile import Reconciliation

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


def labelled_weights(
    recon: Reconciliation, decisions: pd.DataFrame, strength: float = 50.0
) -> tuple[Weights, pd.DataFrame]:
    """The model's weights with reviewers' `same` answers as evidence for m, and the table of what moved.

    Each labelled true pair (cluster, Salesforce record) is compared as the model compares: every
    name the cluster is known by against the record, the best-fitting name counted. Pass the
    weights to the next run (`match_snapshot(..., weights=...)`, or save them with `Weights.save`).
    """
    from ..match.fellegi_sunter import compare, contributions
    from ..match.model import wc_units
    from .labels import labelled_pairs

    model = recon.match.model
    if model is None:
        raise WcsfError("this reconciliation has no probabilistic model (too many leads): no weights to move")
    pairs = labelled_pairs(recon, decisions)
    true = pairs[pairs["label"] == 1][["cluster", "row"]].astype(int).drop_duplicates()
    leads = recon.match.leads
    live = leads[leads["cluster"].isin(true["cluster"])]
    names = live.loc[live["n_first"].notna() | live["n_last"].notna(), ["cluster", "n_first", "n_last"]]
    units = wc_units(live, names.drop_duplicates().reset_index(drop=True))
    sf_position = pd.Series(np.arange(len(model.sf)), index=model.sf["row"].to_numpy())
    unit_pairs = (
        pd.DataFrame({"wc": np.arange(len(units)), "cluster": units["cluster"].to_numpy()})
        .merge(true, on="cluster")
        .assign(sf=lambda f: f["row"].map(sf_position))
        .dropna(subset=["sf"])
    )
    if unit_pairs.empty:
        return model.weights, m_from_labels(model.weights.m, {}, strength)[1]
    unit_pairs["sf"] = unit_pairs["sf"].astype(int)
    compared = compare(units, model.sf, unit_pairs[["wc", "sf"]].reset_index(drop=True), model.settings)
    weight = contributions(compared, model.weights, model.settings, model.tf)["weight"].to_numpy()
    ranked = unit_pairs.reset_index(drop=True).assign(weight=weight).sort_values("weight", ascending=False)
    best = ranked.drop_duplicates(["cluster", "row"]).index.to_numpy()  # the cluster's best-fitting name
    levels = {name: values[best] for name, values in compared.levels.items()}
    m, table = m_from_labels(model.weights.m, levels, strength)
    level_names = {
        c.field: ["null", *[lv.kind + (f">={lv.threshold}" if lv.threshold else "") for lv in c.levels], "else"]
        for c in model.settings.comparisons
    }
    table.insert(2, "level_name", [level_names.get(c, [])[lv] if lv < len(level_names.get(c, [])) else str(lv)
                                   for c, lv in zip(table["comparison"], table["level"], strict=True)])  # fmt: skip
    return replace(model.weights, m=m), table
