"""Link clusters: candidates and decisions are per cluster, so clusters split cleanly.

Everything runs in this process: the model's pair work (blocking joins, comparison levels,
weights) on DuckDB's own threads, which use every core; the rules in pandas. The model may still be
training on a thread (a `Future`): the exact pairs need none of it and are found first, so its DuckDB
queries run beside them (1.7 s less wall at a million people); the model's pairs are then scored on a
thread beside the fuzzy rules. Nothing is forked
(a fork inside a library call is unsafe in a multi-threaded Jupyter kernel). `shards` > 1 links
the clusters in that many slices one after another (cluster number modulo `shards`), which bounds
the size of the pair tables held at once; the result equals one slice's.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd

from ..config import Config
from .candidates import PAIR_COLUMNS, exact_pairs, fuzzy_pairs
from .classify import Decisions, decide
from .model import TrainedModel, model_columns, model_pairs


def link_clusters(
    leads: pd.DataFrame,
    people: pd.DataFrame,
    conflicted: frozenset[str],
    names: pd.DataFrame,
    config: Config,
    model: TrainedModel | Future[TrainedModel] | None = None,
    shards: int = 1,
    units: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, Decisions]:
    """Scored candidate pairs and decisions for every cluster (in `shards` sequential slices).

    `model`: the trained model, or the `Future` of one still training (waited for after the rule pairs).
    `units`: the model's `wc_units(leads, names)` if already made (read in one pass only: a slice makes its own)."""
    if shards <= 1:
        return _link(leads, people, conflicted, names, config, model, units)
    if isinstance(model, Future):
        model = model.result()
    parts = []
    for shard in range(shards):
        mine = leads[(leads["cluster"] >= 0) & (leads["cluster"] % shards == shard)]
        parts.append(_link(mine, people, conflicted, names[names["cluster"] % shards == shard], config, model))
    pairs = _canonical(pd.concat([p for p, _ in parts], ignore_index=True))
    decisions = Decisions(
        linked=pd.concat([d.linked for _, d in parts], ignore_index=True),
        review=pd.concat([d.review for _, d in parts], ignore_index=True),
        sf_duplicates=pd.concat([d.sf_duplicates for _, d in parts], ignore_index=True),
    )
    return pairs, decisions


def _link(
    leads: pd.DataFrame,
    people: pd.DataFrame,
    conflicted: frozenset[str],
    names: pd.DataFrame,
    config: Config,
    model: TrainedModel | Future[TrainedModel] | None = None,
    units: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, Decisions]:
    exact = exact_pairs(leads, people, conflicted, names)
    # fuzzy evidence only where exact keys did not settle it: none, or only weak ones (a switchboard
    # shared with colleagues whose names conflict still leaves the caller's own name to look for)
    settled = exact.loc[exact["score"] >= config.auto_link_threshold, "cluster"].unique()
    if isinstance(model, Future):
        model = model.result()  # its error, if any, is raised here
    # the model's pairs (DuckDB's blocking and scoring, outside the GIL) on a thread beside the fuzzy rules
    with ThreadPoolExecutor(max_workers=1) as pool:
        learning = (
            pool.submit(model_pairs, leads, names, model, pd.Index(settled), config, units=units)
            if model is not None
            else None
        )
        fuzzy = fuzzy_pairs(leads, people, pd.Index(settled), names)
        learned = learning.result() if learning is not None else fuzzy.iloc[:0]
    found = [frame for frame in (exact, fuzzy, learned) if len(frame)]
    pairs = pd.concat(found, ignore_index=True) if len(found) > 1 else (found[0] if found else exact)
    if model is not None:  # every shard the same columns, whether or not the model found pairs in it
        pairs = pairs.reindex(columns=[*PAIR_COLUMNS, *model_columns(model.settings)])
    pairs = _canonical(pairs)
    return pairs, decide(pairs, people, config)


def _canonical(pairs: pd.DataFrame) -> pd.DataFrame:
    """The rule columns in their order, then the model's (`weight`, `level_*`, `w_*`) sorted: one shape per run."""
    first = [c for c in PAIR_COLUMNS if c in pairs.columns]
    return pairs[first + sorted(c for c in pairs.columns if c not in first)]
