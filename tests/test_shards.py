"""Forked matching: the worker links the odd clusters, this process the even ones; the result is one process's."""

from __future__ import annotations

import multiprocessing as mp
import os

import pandas as pd
import pytest

from wcsf_recon import Config, normalize_snapshot
from wcsf_recon.match import match_snapshot, shards


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    text = frame.astype("string").fillna("<NA>")
    return frame.loc[text.sort_values(list(text.columns)).index].reset_index(drop=True)


@pytest.mark.skipif((os.cpu_count() or 1) < 2 or "fork" not in mp.get_all_start_methods(), reason="needs fork, 2 cores")
def test_forked_shards_link_exactly_what_one_process_links(small_world, monkeypatch) -> None:
    norm = normalize_snapshot(small_world.snapshot, Config())
    alone = match_snapshot(norm, Config())
    pools = []

    class CountedPool(shards.ProcessPoolExecutor):  # the real pool, counted
        def __init__(self, *args, **kwargs) -> None:
            pools.append(kwargs.get("mp_context"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(shards, "PARALLEL_MIN_LEADS", 1)
    monkeypatch.setattr(shards, "ProcessPoolExecutor", CountedPool)
    forked = match_snapshot(norm, Config())
    assert len(pools) == 1 and pools[0].get_start_method() == "fork"
    assert not shards._WORK  # the shared work is released after the fork
    assert len(alone.person_links) > 100
    for name in ("person_links", "opp_links", "pairs"):
        pd.testing.assert_frame_equal(_sorted(getattr(forked, name)), _sorted(getattr(alone, name)), check_dtype=False)
    for name in ("linked", "review", "sf_duplicates"):
        a, b = getattr(forked.decisions, name), getattr(alone.decisions, name)
        pd.testing.assert_frame_equal(_sorted(a), _sorted(b), check_dtype=False)
