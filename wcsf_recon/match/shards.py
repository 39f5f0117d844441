"""Link clusters on both cores: candidates and decisions are per cluster, so clusters split cleanly.

The work is forked (copy-on-write: the child reads the same leads and people); the child
links the odd clusters while this process links the even ones. Small inputs, platforms
without `fork`, or a single core: everything runs here, in one process.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pandas as pd

from ..config import Config
from .candidates import PAIR_COLUMNS, exact_pairs, fuzzy_pairs
from .classify import Decisions, decide
from .model import TrainedModel, model_columns, model_pairs

PARALLEL_MIN_LEADS = 200_000
_WORK: dict[str, Any] = {}  # set before forking; read by the child


def link_clusters(
    leads: pd.DataFrame,
    people: pd.DataFrame,
    conflicted: frozenset[str],
    names: pd.DataFrame,
    config: Config,
    model: TrainedModel | None = None,
) -> tuple[pd.DataFrame, Decisions]:
    """Scored candidate pairs and decisions for every cluster."""
    if len(leads) < PARALLEL_MIN_LEADS or (os.cpu_count() or 1) < 2 or "fork" not in mp.get_all_start_methods():
        return _link(leads, people, conflicted, names, config, model)
    _WORK.update(leads=leads, people=people, conflicted=conflicted, names=names, config=config, model=model)
    try:
        with ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) as pool:
            odd = pool.submit(_shard, 1)
            even = _shard(0)
            odd_result = odd.result()
    finally:
        _WORK.clear()
    pairs = _canonical(pd.concat([even[0], odd_result[0]], ignore_index=True))
    decisions = Decisions(
        linked=pd.concat([even[1].linked, odd_result[1].linked], ignore_index=True),
        review=pd.concat([even[1].review, odd_result[1].review], ignore_index=True),
        sf_duplicates=pd.concat([even[1].sf_duplicates, odd_result[1].sf_duplicates], ignore_index=True),
    )
    return pairs, decisions


def _shard(parity: int) -> tuple[pd.DataFrame, Decisions]:
    leads: pd.DataFrame = _WORK["leads"]
    names: pd.DataFrame = _WORK["names"]
    mine = leads[(leads["cluster"] >= 0) & (leads["cluster"] % 2 == parity)]
    return _link(
        mine,
        _WORK["people"],
        _WORK["conflicted"],
        names[names["cluster"] % 2 == parity],
        _WORK["config"],
        _WORK["model"],
    )


def _link(
    leads: pd.DataFrame,
    people: pd.DataFrame,
    conflicted: frozenset[str],
    names: pd.DataFrame,
    config: Config,
    model: TrainedModel | None = None,
) -> tuple[pd.DataFrame, Decisions]:
    exact = exact_pairs(leads, people, conflicted, names)
    # fuzzy evidence only where exact keys did not settle it: none, or only weak ones (a switchboard
    # shared with colleagues whose names conflict still leaves the caller's own name to look for)
    settled = exact.loc[exact["score"] >= config.auto_link_threshold, "cluster"].unique()
    fuzzy = fuzzy_pairs(leads, people, pd.Index(settled), names)
    learned = model_pairs(leads, names, model, pd.Index(settled), config) if model is not None else fuzzy.iloc[:0]
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
