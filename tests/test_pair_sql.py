"""The model's DuckDB engine (`match/pair_sql.py`) equals the pandas reference: pairs, levels, weights, links."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import wcsf_recon.match.model as model_module
from wcsf_recon import Config, reconcile
from wcsf_recon.match import pair_sql
from wcsf_recon.match.fellegi_sunter import block_index, block_rules, compare, score_pairs
from wcsf_recon.match.model import fit_model, sf_units, wc_units
from wcsf_recon.match.model_settings import ModelSettings
from wcsf_recon.synth import generate_world

# every kind of level meets its edge: nicknames (both ways, by prefix), initials, swaps, typos one
# and two edits away, transpositions, cut caller IDs, accents, empty and missing values
_FIRSTS = [
    "william",
    "bill",
    "billy",
    "w",
    "will",
    "elizabeth",
    "liz",
    "beth",
    "jennife",
    "jennifer",
    "jon",
    "john",
    "jhon",
    "catherin",
    "katherine",
    "josé",
    "jose",
    "",
    None,
    "smith",
    "ann",
    "anne",
    "an",
    "mary-jo",
    "christopher",
    "christofer",
    "theodore",
    "teodoro",
    "stephanie",
    "stefany",
    "eliz",  # a cut Elizabeth, whom Beth is short for
    "christin",
    "tina",
    "kate",  # short for Katherine, and so for Catherine
    "catherine",
]
_LASTS = [
    "smith",
    "smyth",
    "smiht",
    "smithe",
    "schmidt",
    "quennell",
    "quenell",
    "william",
    "o'neil",
    "oneil",
    "müller",
    "muller",
    "",
    None,
    "gabriel",
    "thomas",
    "ng",
    "nguyen",
]
_CITIES = ["springfield", "springfeld", "springfield east", "são paulo", "sao paulo", None, "", "st louis"]
_POSTALS = ["90210", "90201", "9021", "90210-1234", None, "", "SW1A1AA"]


def _edge_units(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pick = lambda values: pd.Series([values[i] for i in rng.integers(0, len(values), n)], dtype="str")  # noqa: E731
    return pd.DataFrame(
        {
            "cluster": np.arange(n),
            "first": pick(_FIRSTS),
            "last": pick(_LASTS),
            "postal": pick(_POSTALS),
            "city": pick(_CITIES),
            "state": pick(["ca", "ny", None]),
            "street": pick(["1 main st", "1 main street", "12 elm rd", None]),
        }
    )


def _levels_equal(wc: pd.DataFrame, sf: pd.DataFrame, pairs: pd.DataFrame, settings: ModelSettings) -> int:
    want = compare(wc, sf, pairs, settings).levels
    got = pair_sql.compare_levels(wc, sf, pairs, settings).levels
    assert set(got) == set(want)
    for name in want:
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
    return len(pairs)


def test_levels_equal_on_hand_built_edge_values() -> None:
    wc, sf = _edge_units(1, 400), _edge_units(2, 300)
    wc.loc[:9, ["first", "last"]] = ["thomas", "gabriel"]  # swapped against sf 0-4, not against 5-9
    sf.loc[:4, ["first", "last"]] = ["gabriel", "thomas"]
    sf.loc[5:9, ["first", "last"]] = ["thomas", "thomas"]
    rng = np.random.default_rng(0)
    pairs = pd.DataFrame({"wc": rng.integers(0, 400, 5000), "sf": rng.integers(0, 300, 5000)})
    pairs.loc[:99, ["wc", "sf"]] = np.column_stack([np.repeat(np.arange(10), 10), np.tile(np.arange(10), 10)])
    assert _levels_equal(wc, sf, pairs, ModelSettings()) == 5000
    levels = pair_sql.compare_levels(wc, sf, pairs, ModelSettings()).levels
    # the pairs reach every level of the first-name comparison (null .. else) and both name orders
    assert set(np.unique(levels["first"])) == set(range(len(ModelSettings().comparisons[0].levels) + 2))
    assert set(np.unique(levels["order"])) == {1, 2}


@pytest.fixture(scope="module")
def world_units():
    from wcsf_recon.match import MATCH_COLUMNS
    from wcsf_recon.match.candidates import cluster_names
    from wcsf_recon.match.cluster import cluster_leads
    from wcsf_recon.match.people import sf_people
    from wcsf_recon.normalize import normalize_snapshot

    config = Config()
    norm = normalize_snapshot(generate_world(1500, seed=23).snapshot, config)
    people = sf_people(norm, config.wc_id_field)
    narrow = norm.wc_leads[[c for c in MATCH_COLUMNS if c in norm.wc_leads.columns]]
    clusters = cluster_leads(narrow, people)
    leads = narrow.assign(cluster=clusters.cluster)
    names = cluster_names(leads, clusters.conflicted_phones)
    return leads, names, people, wc_units(leads, names), sf_units(people)


def test_blocked_pairs_equal_in_order_with_their_rules(world_units) -> None:
    *_, wc, sf = world_units
    settings = ModelSettings(max_block_size=3)  # small blocks: the size cap decides too
    want = block_rules(wc, sf, settings, index=block_index(sf, settings))
    got = pair_sql.blocked(wc, sf, settings)
    assert len(want) > 1000
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)


def test_levels_and_weights_equal_on_a_world(world_units) -> None:
    leads, names, people, wc, sf = world_units
    model = fit_model(leads, names, people, ModelSettings(), engine="pandas")
    rng = np.random.default_rng(5)
    random_pairs = pd.DataFrame({"wc": rng.integers(0, len(wc), 3000), "sf": rng.integers(0, len(sf), 3000)})
    _levels_equal(wc, sf, random_pairs, model.settings)
    want = score_pairs(wc, sf, model.settings, model.weights, model.tf, index=model.index)
    got = pair_sql.score(wc, sf, model.settings, model.weights, model.tf)
    assert len(want) > 1000 and (want["weight"] > model.settings.link_weight).sum() > 100
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_dtype=False)


def test_both_engines_learn_the_same_weights(world_units) -> None:
    leads, names, people, *_ = world_units
    by_pandas = fit_model(leads, names, people, ModelSettings(), engine="pandas").weights
    by_duckdb = fit_model(leads, names, people, ModelSettings(), engine="duckdb").weights
    assert by_pandas.__dict__ == by_duckdb.__dict__


def test_reconcile_links_equal_on_both_engines(monkeypatch) -> None:
    snap = generate_world(1200, seed=31).snapshot
    runs = {}
    for engine in ("pandas", "duckdb"):
        monkeypatch.setattr(model_module, "ENGINE", engine)
        recon = reconcile(snap)
        assert recon.match.model is not None and recon.match.model.engine == engine
        runs[engine] = recon
    assert (runs["duckdb"].match.pairs["rule"] == "model").sum() > 0
    pd.testing.assert_frame_equal(runs["duckdb"].links, runs["pandas"].links)
    pd.testing.assert_frame_equal(runs["duckdb"].match.pairs, runs["pandas"].match.pairs)


def test_em_sample_drawn_in_duckdb_is_the_pandas_sample(world_units) -> None:
    """A sample smaller than the blocked pairs: DuckDB draws the same pairs `DataFrame.sample` does."""
    *_, wc, sf = world_units
    settings = ModelSettings(em_pairs=2_000)
    want = pair_sql.blocked(wc, sf, settings)
    got, total = pair_sql.blocked_sample(wc, sf, settings, 2_000, seed=0)
    assert total == len(want) > 4_000
    pd.testing.assert_frame_equal(got, want.sample(2_000, random_state=0).reset_index(drop=True), check_dtype=False)
    every, total = pair_sql.blocked_sample(wc, sf, settings, len(want), seed=0)  # all of them: in block order
    pd.testing.assert_frame_equal(every, want.reset_index(drop=True), check_dtype=False)


def test_scoring_with_the_run_s_salesforce_codes_and_a_weight_floor(world_units) -> None:
    """Codes built once for the run give the frame fresh codes give; a floor keeps exactly the pairs above it."""
    leads, names, people, wc, _ = world_units
    model = fit_model(leads, names, people, ModelSettings())
    assert model.sf_codes is not None
    wc = wc.head(800)
    fresh = pair_sql.score(wc, model.sf, model.settings, model.weights, model.tf)
    shared = pair_sql.score(wc, model.sf, model.settings, model.weights, model.tf, model.sf_codes)
    pd.testing.assert_frame_equal(shared, fresh, check_exact=True)
    floor = model.settings.review_weight
    kept = pair_sql.score(wc, model.sf, model.settings, model.weights, model.tf, model.sf_codes, floor)
    want = fresh[fresh["weight"] >= floor].reset_index(drop=True)
    assert 0 < len(kept) < len(fresh)
    pd.testing.assert_frame_equal(kept, want, check_exact=True)
    # a WhatConverts side with values Salesforce lacks (appended to its dictionaries) scores as with fresh codes
    odd = wc.head(50).assign(first="zzyzx", city="nowhere")
    pd.testing.assert_frame_equal(
        pair_sql.score(odd, model.sf, model.settings, model.weights, model.tf, model.sf_codes),
        pair_sql.score(odd, model.sf, model.settings, model.weights, model.tf),
        check_exact=True,
    )
