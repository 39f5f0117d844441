"""Matching in one process: nothing forked, and clusters linked in slices give one pass's result."""

from __future__ import annotations

import os

import pandas as pd

from wcsf_recon import Config, normalize_snapshot
from wcsf_recon.duck import connection, own_database
from wcsf_recon.match import match_snapshot, shards


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    text = frame.astype("string").fillna("<NA>")
    return frame.loc[text.sort_values(list(text.columns)).index].reset_index(drop=True)


def test_matching_forks_nothing_and_slices_link_what_one_pass_links(small_world, monkeypatch) -> None:
    norm = normalize_snapshot(small_world.snapshot, Config())

    def no_fork() -> int:
        raise AssertionError("matching forked a process")

    monkeypatch.setattr(os, "fork", no_fork)
    alone = match_snapshot(norm, Config())
    slices = []
    real_link = shards._link

    def counted(leads, *args, **kwargs):
        slices.append(set(leads["cluster"]))
        return real_link(leads, *args, **kwargs)

    monkeypatch.setattr(shards, "_link", counted)
    pairs, decisions = shards.link_clusters(
        alone.leads,
        alone.people,
        frozenset(),
        _names(alone),
        Config(),
        alone.model,
        shards=3,
    )
    assert len(slices) == 3 and not set.intersection(*slices)  # three disjoint slices of clusters
    whole_pairs, whole = shards._link(alone.leads, alone.people, frozenset(), _names(alone), Config(), alone.model)
    assert len(whole.linked) > 100
    pd.testing.assert_frame_equal(_sorted(pairs), _sorted(whole_pairs), check_dtype=False)
    for name in ("linked", "review", "sf_duplicates"):
        pd.testing.assert_frame_equal(
            _sorted(getattr(decisions, name)), _sorted(getattr(whole, name)), check_dtype=False
        )


def _names(result) -> pd.DataFrame:
    from wcsf_recon.match.candidates import cluster_names

    return cluster_names(result.leads, frozenset())


def test_duckdb_uses_every_core() -> None:
    for opened in (connection, own_database):
        with opened() as con:
            threads = con.sql("SELECT current_setting('threads')").fetchall()[0][0]
        assert int(threads) == (os.cpu_count() or 1)
