"""Every piece of evidence behind a lead's link: all its candidates with every comparison level, and waterfalls.

`candidates(result, lead_id)` lists each Salesforce record the lead's person was compared with
(exact-key rules and the model alike); `waterfall(result, lead_id, sf_id)` is splink's waterfall
as data: the prior, then the weight each field added, summing to the match weight.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from . import MatchResult


def _cluster_of(result: MatchResult, lead_id: str) -> int:
    leads = result.leads
    found = leads.loc[leads["lead_id"] == str(lead_id), "cluster"]
    if found.empty:
        raise KeyError(f"no WhatConverts lead {lead_id!r} in this reconciliation")
    return int(found.iloc[0])


def candidates(result: MatchResult, lead_id: str) -> pd.DataFrame:
    """Every candidate of the lead's person: record, rule, score, the name verdict and how a conflict was
    explained (`name_explained`), match weight and each comparison level."""
    cluster = _cluster_of(result, lead_id)
    pairs = result.pairs[result.pairs["cluster"] == cluster]
    if result.model is not None:  # the model's weaker candidates too, which matching set aside
        from ..config import Config
        from .candidates import cluster_names
        from .model import model_pairs

        leads = result.leads[result.leads["cluster"] == cluster]
        names = cluster_names(leads, frozenset())
        every = model_pairs(leads, names, result.model, pd.Index([]), Config(), keep_all=True)
        known = set(pairs.loc[pairs["rule"] == "model", "row"])
        pairs = pd.concat([pairs, every[~every["row"].isin(known)]], ignore_index=True)
    people = result.people
    rows = pairs["row"].to_numpy().astype("int64")  # object after a concat with an empty frame
    out = pd.DataFrame(
        {
            "wc_lead_id": str(lead_id),
            "sf_object": people["sf_object"].to_numpy()[rows],
            "sf_id": people["sf_id"].to_numpy()[rows],
            "person_id": people["person_id"].to_numpy()[rows],
            "rule": pairs["rule"].to_numpy(),
            "score": pairs["score"].to_numpy(),
            "evidence": pairs["key"].to_numpy(),
            "names": pairs["names"].to_numpy(),
            "name_note": pairs["name_note"].to_numpy(),
            # swap / placeholder / place / household: why a name conflict on an exact key is no conflict
            "name_explained": pairs.get("name_explained", pd.Series("", index=pairs.index)).fillna("").to_numpy(),
        }
    )
    extra = [c for c in pairs.columns if c == "weight" or c.startswith(("level_", "w_"))]
    for col in extra:
        out[col] = pairs[col].to_numpy()
    linked = result.person_links.loc[result.person_links["wc_lead_id"] == str(lead_id), "matched_id"]
    out["linked"] = out["sf_id"].isin(set(linked))
    return out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def waterfall(result: MatchResult, lead_id: str, sf_id: str) -> pd.DataFrame:
    """Rows (step, level, bits, cumulative) of the model's weight for one candidate; empty if it did not score it."""
    cands = candidates(result, lead_id)
    row = cands[(cands["sf_id"] == sf_id) & (cands["rule"] == "model")]
    if row.empty:
        return pd.DataFrame(columns=["step", "level", "bits", "cumulative"])
    first = row.iloc[0]
    steps: list[dict[str, Any]] = [{"step": "prior", "level": "", "bits": float(first["w_prior"])}]
    for col in [c for c in cands.columns if c.startswith("w_") and c != "w_prior"]:
        name = col[2:]
        steps.append({"step": name, "level": str(first.get(f"level_{name}", "")), "bits": float(first[col])})
    frame = pd.DataFrame(steps)
    frame["cumulative"] = frame["bits"].cumsum()
    return frame


def plot_waterfall(frame: pd.DataFrame, ax: Any = None) -> Any:
    """A bar chart of a `waterfall` frame (green adds, red subtracts); returns the matplotlib Axes."""
    from matplotlib.figure import Figure

    if ax is None:
        ax = Figure(figsize=(7, 3.5)).subplots()
    bottoms = frame["cumulative"] - frame["bits"]
    colors = ["#2e7d32" if b >= 0 else "#c62828" for b in frame["bits"]]
    labels = [f"{s}\n{lv}" if lv else s for s, lv in zip(frame["step"], frame["level"], strict=True)]
    ax.bar(labels, frame["bits"], bottom=bottoms, color=colors)
    ax.axhline(0, color="#555", linewidth=0.8)
    ax.set_ylabel("match weight (bits)")
    ax.set_title(f"match weight {frame['cumulative'].iloc[-1]:.1f} bits" if len(frame) else "not scored by the model")
    ax.tick_params(axis="x", labelsize=7)
    return ax
