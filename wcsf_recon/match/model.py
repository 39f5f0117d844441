"""The probabilistic model in the pipeline: records as units, training once per run, scored candidate pairs.

A WhatConverts unit is one name a cluster is known by with the cluster's place (postal code,
city, state, street); a Salesforce unit is one Lead or Contact. Weights are trained once over the
whole snapshot (or loaded from a previous run), then each shard scores its own clusters. A match
weight becomes a pair score on the scale the decision step uses: `link_weight` maps to the
auto-link threshold, `review_weight` to the review threshold, and `margin_bits` to the ambiguity
margin, so "nothing is guessed" keeps its meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from ..config import Config
from ..normalize.names import fold_names
from ..normalize.postal import postal_key
from . import pair_sql
from .fellegi_sunter import (
    SWAP,
    BlockIndex,
    Weights,
    block_index,
    score_pairs,
    term_frequencies,
    train,
)
from .model_settings import Comparison, ModelSettings
from .rules import AMBIGUITY_MARGIN

Engine = Literal["duckdb", "pandas"]
# DuckDB runs the model's pair work (blocking joins, levels, weights) at any size; the pandas
# reference gives the same results and is kept for the parity tests and the review trainer
ENGINE: Engine = "duckdb"

TRAIN_UNITS = 50_000
HOUSEHOLD_RATE = 0.01  # above this share of shared surname-and-place keys, households are common
TOP_SCORE = 0.949  # below an exact phone with agreeing names (0.95): a key a person gave beats a likeness
# first-name levels that say only "alike", not "the same name written another way" (exact, nickname, one typo)
LOOSE_FIRST_LEVELS = {"jaro_winkler>=0.92", "phonetic", "jaro_winkler>=0.85"}


@dataclass
class TrainedModel:
    """Settings, learned weights, the Salesforce units and the term frequencies of one run."""

    settings: ModelSettings
    weights: Weights
    sf: pd.DataFrame
    tf: dict[str, pd.Series]
    index: BlockIndex | None  # the Salesforce side grouped by blocking key (pandas engine only)
    households: set[str]  # `surname|place` keys under which two or more full first names appear
    household_rate: float  # share of Salesforce surname-and-place keys with two or more first names
    engine: Engine = "duckdb"  # where pairs are blocked, compared and weighed
    sf_codes: pair_sql.SalesforceCodes | None = None  # the Salesforce units coded once for DuckDB (training, scoring)
    sf_contacts: pd.DataFrame | None = None  # per Salesforce record (`people` index, `sf["row"]`): email, phones


def _surname_place(units: pd.DataFrame) -> pd.Series:
    """`surname|postal|city` per unit (a missing place part left empty); missing without a surname or place."""
    place = units["postal"].fillna("") + "|" + units["city"].fillna("")
    return (units["last"].astype("str") + "|" + place.mask(place == "|").astype("str")).astype("str")


def _place_key_codes(units: pd.DataFrame) -> np.ndarray | None:
    """Per unit a code of its `_surname_place` key (-1 where it has none), equal codes for equal keys;
    None where a value holds the separator `|` (two different parts could then spell one key)."""
    parts = []
    for name in ("last", "postal", "city"):
        codes, uniques = pd.factorize(units[name])
        text = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
        if text.str.contains("|", regex=False).any():
            return None
        if name != "last":  # an empty place part is left empty in the key, as a missing one
            empty = np.append(text.eq("").to_numpy(dtype=bool), True)  # code -1 reads the appended True
            codes = np.where(empty[codes], -1, codes)
        parts.append(codes.astype(np.int64))
    last, postal, city = parts
    place = pd.factorize((postal + 1) * (int(city.max(initial=-1)) + 2) + (city + 1))[0]
    key = pd.factorize(last * (int(place.max(initial=0)) + 1) + place)[0]
    return np.where((last >= 0) & ((postal >= 0) | (city >= 0)), key, -1)


def _households(units: pd.DataFrame) -> tuple[set[str], float]:
    """(surname-and-place keys carrying two or more distinct full first names, their share of the keys that
    carry any). Counted over integer codes; the text of a key is built only for the keys returned."""
    keys = _place_key_codes(units)
    if keys is None:
        return _households_by_text(units)
    full = units["first"].str.len().gt(1).fillna(False).to_numpy(dtype=bool) & (keys >= 0)
    first = pd.factorize(units["first"])[0].astype(np.int64)
    named = pd.unique(keys[full] * (int(first.max(initial=0)) + 1) + first[full])
    counts = np.bincount(named // (int(first.max(initial=0)) + 1), minlength=int(keys.max(initial=-1)) + 1)
    counted = counts[counts > 0]
    rate = float((counted > 1).mean()) if len(counted) else 0.0
    many = np.flatnonzero(counts > 1)
    if not len(many):
        return set(), rate
    codes, first_unit = np.unique(keys, return_index=True)  # one unit per key shows its text
    shown = first_unit[np.searchsorted(codes, many)]
    return set(_surname_place(units.iloc[shown])), rate


def _households_by_text(units: pd.DataFrame) -> tuple[set[str], float]:
    keys = _surname_place(units)
    full = units["first"].str.len().gt(1).fillna(False)
    named = pd.DataFrame({"key": keys[full], "first": units.loc[full, "first"]}).dropna().drop_duplicates()
    counts = named.groupby("key").size()
    return set(counts.index[counts > 1]), float((counts > 1).mean()) if len(counts) else 0.0


def _household_keys(units: pd.DataFrame) -> set[str]:
    """Surname-and-place keys carrying two or more distinct full first names."""
    return _households(units)[0]


def household_rate(units: pd.DataFrame) -> float:
    """Share of surname-and-place keys that carry two or more full first names (households, or coincidence)."""
    return _households(units)[1]


def _squash_spaces(text: pd.Series) -> pd.Series:
    r"""`text.str.replace(r"\s+", " ", regex=True)` (Python's Unicode `\s`), run in Python only on the values
    it can change: those with a character outside printable ASCII, or two spaces in a row."""
    odd = text.str.contains(r"[^\x21-\x7e ]|  ", regex=True).fillna(False).to_numpy(dtype=bool)
    if not odd.any():
        return text
    out = text.copy()
    out[odd] = text[odd].str.replace(r"\s+", " ", regex=True)
    return out


def _clean(series: pd.Series, kind: str) -> pd.Series:
    """A place field as the model compares it; cleaned once per distinct value (places repeat a lot)."""
    codes, uniques = pd.factorize(series)
    distinct = _clean_values(pd.Series(np.asarray(uniques, dtype=object)), kind)
    distinct = pd.concat([distinct, pd.Series([None], dtype="str")], ignore_index=True)  # what code -1 reads
    taken = distinct.take(np.where(codes < 0, len(distinct) - 1, codes)).array
    return pd.Series(taken, index=series.index, name=series.name)


def _clean_values(series: pd.Series, kind: str) -> pd.Series:
    text = series.astype("str").str.strip()
    text = postal_key(text) if kind == "postal" else _squash_spaces(text.str.lower())
    return text.mask(text == "")


def _leads_col(leads: pd.DataFrame, *names: str) -> pd.Series:
    """The first of `names` the lead has a value in, as text (the first column as it is, the rest fill it)."""
    out = None
    for name in names:
        if name in leads.columns:
            text = leads[name].astype("str")
            out = text.rename(None) if out is None else out.fillna(text)
    return out if out is not None else pd.Series(None, index=leads.index, dtype="str")


_PLACE_FIELDS = ("zip", "caller_zip", "city", "caller_city", "state", "address")  # what `wc_units` reads of a lead


def wc_units(leads: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """One row per (cluster, name) with the cluster's first-known place fields."""
    live = leads[[c for c in leads.columns if c == "cluster" or c in _PLACE_FIELDS]][leads["cluster"] >= 0]
    places = pd.DataFrame(
        {
            "cluster": live["cluster"],
            "postal": _clean(_leads_col(live, "zip", "caller_zip"), "postal"),
            "city": _clean(_leads_col(live, "city", "caller_city"), "text"),
            "state": _clean(_leads_col(live, "state"), "text"),
            "street": _clean(_leads_col(live, "address"), "text"),
        }
    )
    per_cluster = places.groupby("cluster", sort=False).first()
    named = names.rename(columns={"n_first": "first", "n_last": "last"})
    # a lone word (`white`, `elton`) may be either name: compare it both ways, the better fit counts
    lone = named[named["last"].isna() & named["first"].notna()]
    named = pd.concat([named, lone.assign(last=lone["first"], first=None)], ignore_index=True)
    units = named.merge(per_cluster, left_on="cluster", right_index=True, how="left")
    return units.reset_index(drop=True)


def sf_units(people: pd.DataFrame, last_name_placeholder: str = "[not provided]") -> pd.DataFrame:
    """One row per Salesforce person record, `row` its position in `people`.

    A placeholder surname (Salesforce requires one; reps type `[not provided]`) is no name.
    """
    last = people["n_last"].astype("str")
    placeholder = fold_names(pd.Series([last_name_placeholder, "not provided", "unknown"], dtype="str"))
    return pd.DataFrame(
        {
            "row": people.index.to_numpy(),
            "first": people["n_first"].astype("str"),
            "last": last.mask(last.isin(set(placeholder.dropna()))),
            "postal": _clean(people["postal"], "postal"),
            "city": _clean(people["city"], "text"),
            "state": _clean(people["state"], "text") if "state" in people else None,
            "street": _clean(people["street"], "text") if "street" in people else None,
        }
    ).reset_index(drop=True)


def fit_model(
    leads: pd.DataFrame,
    names: pd.DataFrame,
    people: pd.DataFrame,
    settings: ModelSettings,
    weights: Weights | None = None,
    last_name_placeholder: str = "[not provided]",
    engine: Engine | None = None,
    units: pd.DataFrame | None = None,
) -> TrainedModel:
    """Train the weights on this snapshot (a sample of at most TRAIN_UNITS names), unless given.

    `engine`: DuckDB (default) or the pandas reference; both learn the same weights. `units`:
    `wc_units(leads, names)` if the caller already made it (the pair scoring reads it too).
    """
    engine = engine or ENGINE
    wc = wc_units(leads, names) if units is None else units
    sf = sf_units(people, last_name_placeholder)
    index = block_index(sf, settings) if engine == "pandas" else None
    codes = pair_sql.SalesforceCodes(sf, settings) if engine == "duckdb" else None
    if weights is None or weights.settings_digest != settings.digest():
        sample = wc.sample(TRAIN_UNITS, random_state=0) if len(wc) > TRAIN_UNITS else wc
        sample = sample.reset_index(drop=True)
        if engine == "duckdb":
            weights = train(
                sample,
                sf,
                settings,
                blocker=lambda w, s, st: pair_sql.blocked(w, s, st, codes),
                comparer=lambda w, s, p, st: pair_sql.compare_levels(w, s, p, st, codes),
                sampler=lambda w, s, st, n, seed: pair_sql.blocked_sample(w, s, st, n, seed, codes),
            )
        else:
            weights = train(sample, sf, settings, index=index)
    tf = {c.field: term_frequencies(wc, sf, c.field) for c in settings.comparisons if c.tf_adjust}
    sf_households, sf_rate = _households(sf)
    households = sf_households | _household_keys(wc)
    contacts = people[[c for c in ("n_email", "n_phone", "n_mobile") if c in people.columns]]
    return TrainedModel(settings, weights, sf, tf, index, households, sf_rate, engine, codes, contacts)


def _contacts_differ(
    leads: pd.DataFrame, contacts: pd.DataFrame | None, clusters: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """Per (cluster, Salesforce unit) pair: both carry an email, or both a phone, and none of them is the
    other's: another person's contact details (a same-name stranger), not a record with none."""
    out = np.zeros(len(clusters), dtype=bool)
    if contacts is None or not len(clusters):
        return out
    pairs = pd.DataFrame({"pair": np.arange(len(clusters)), "cluster": clusters})
    for kind, sf_columns in (("n_email", ("n_email",)), ("n_phone", ("n_phone", "n_mobile"))):
        if kind not in leads.columns:
            continue
        theirs = pd.concat(
            [
                pd.DataFrame({"pair": pairs["pair"], "key": contacts[c].reindex(rows).to_numpy()})
                for c in sf_columns
                if c in contacts
            ]
        ).dropna()
        mine = leads.loc[leads["cluster"].isin(set(clusters)), ["cluster", kind]].dropna().drop_duplicates()
        mine = pairs.merge(mine.rename(columns={kind: "key"}), on="cluster")[["pair", "key"]]
        both = np.intersect1d(theirs["pair"].unique(), mine["pair"].unique())
        shared = mine.merge(theirs, on=["pair", "key"])["pair"].unique()
        out[np.setdiff1d(both, shared)] = True
    return out


def _drop_alike_strangers(
    score: np.ndarray,
    raw: pd.DataFrame,
    units: pd.DataFrame,
    wi: np.ndarray,
    si: np.ndarray,
    leads: pd.DataFrame,
    model: TrainedModel,
) -> None:
    """Zero (in place) the pairs whose first names are only alike (Elijah ~ Elizabeth: Jaro-Winkler or sound,
    not the same name, a nickname or one typo) and whose emails or phones are all another person's: two
    names that merely look alike beside two sets of contact details are two people, not one with a typo."""
    loose = _level_is(raw, model.settings, "first", LOOSE_FIRST_LEVELS) & (score > 0)
    if not loose.any():
        return
    at = np.flatnonzero(loose)
    clusters = units["cluster"].to_numpy()[wi[at]]
    differ = _contacts_differ(leads, model.sf_contacts, clusters, model.sf["row"].to_numpy()[si[at]])
    score[at[differ]] = 0.0


def _keyed(units: pd.DataFrame, at: np.ndarray, wanted: np.ndarray, keys: set[str]) -> np.ndarray:
    """Per pair: whether unit `at` has a surname-and-place key in `keys`; tested only where `wanted`."""
    out = np.zeros(len(at), dtype=bool)
    which, where = np.unique(at[wanted], return_inverse=True)
    out[wanted] = _surname_place(units.iloc[which]).isin(keys).to_numpy(dtype=bool)[where]
    return out


def _full_name(names: pd.Series) -> np.ndarray:
    """Per unit: a name longer than an initial."""
    return (
        pd.Series(names.to_numpy()).str.len().gt(1).to_numpy(dtype=bool)
        if names.dtype == object
        else (names.str.len().gt(1).fillna(False).to_numpy(dtype=bool))
    )


def _text_at(names: pd.Series, at: np.ndarray) -> np.ndarray:
    """`names.fillna("").to_numpy()[at]`, gathering first (the pairs kept are fewer than the units)."""
    return names.iloc[at].fillna("").to_numpy()


def _labels(comparison: Comparison) -> np.ndarray:
    """Readable level names by level index: `null`, the declared levels, `else`."""
    return np.array(["null", *(lv.label for lv in comparison.levels), "else"], dtype=object)


def _level_is(raw: pd.DataFrame, settings: ModelSettings, field: str, labels: set[str]) -> np.ndarray:
    """Per scored pair: whether `field`'s level is one of `labels`."""
    comparison = next((c for c in settings.comparisons if c.field == field), None)
    if comparison is None:
        raise KeyError(f"level_{field}")
    hits = np.flatnonzero(np.isin(_labels(comparison), list(labels)))
    return np.isin(raw[f"lv_{field}"].to_numpy(), hits)


def weight_to_score(weight: np.ndarray, settings: ModelSettings, config: Config) -> np.ndarray:
    """Match weight (bits) -> pair score: link_weight -> auto-link threshold, margin_bits -> the margin."""
    slope = AMBIGUITY_MARGIN / settings.margin_bits
    above = config.auto_link_threshold + slope * (weight - settings.link_weight)
    span = max(settings.link_weight - settings.review_weight, 1e-9)
    between = config.review_threshold + (config.auto_link_threshold - config.review_threshold) * (
        (weight - settings.review_weight) / span
    )
    score = np.where(weight >= settings.link_weight, np.minimum(above, TOP_SCORE), between)
    return np.where(weight >= settings.review_weight, score, 0.0)


def model_columns(settings: ModelSettings) -> list[str]:
    """The columns the model adds to scored pairs: `weight`, then `level_<field>` and `w_<field>`."""
    fields = [c.field for c in settings.comparisons] + ["order"]
    return ["weight", *(f"level_{f}" for f in fields), "w_prior", *(f"w_{f}" for f in fields)]


def model_pairs(
    leads: pd.DataFrame,
    names: pd.DataFrame,
    model: TrainedModel,
    exclude_clusters: pd.Index,
    config: Config,
    keep_all: bool = False,
    units: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Blocked, model-scored candidates for clusters not settled by an exact key.

    Columns: cluster, row, rule (`model`), key, names, score, name_note, weight, and the levels
    and per-comparison weights (`level_<field>`, `w_<field>`) that explain the score.
    `keep_all`: also the blocked pairs that score 0 (for `explain`). `units`: `wc_units(leads, names)`
    if already made (its rows of the clusters kept are the units of those clusters, in the same order).
    """
    if units is None:
        live = leads[[c for c in leads.columns if c == "cluster" or c in _PLACE_FIELDS]][
            ~leads["cluster"].isin(exclude_clusters)
        ]
        units = wc_units(live, names[~names["cluster"].isin(exclude_clusters)])
    else:
        units = units[~units["cluster"].isin(exclude_clusters).to_numpy()].reset_index(drop=True)
    empty = pd.DataFrame(columns=["cluster", "row", "rule", "key", "names", "score", "name_note", "weight"])
    if units.empty or model.sf.empty:
        return empty
    settings = model.settings
    if model.household_rate > HOUSEHOLD_RATE:
        extra = settings.household_extra_bits
        settings = replace(
            settings, link_weight=settings.link_weight + extra, review_weight=settings.review_weight + extra
        )
    if model.engine == "duckdb":
        # a pair below review_weight scores 0 (`weight_to_score`) and is dropped below: DuckDB drops it first
        floor = None if keep_all else settings.review_weight
        raw = pair_sql.score(units, model.sf, model.settings, model.weights, model.tf, model.sf_codes, floor)
    else:
        raw = score_pairs(units, model.sf, model.settings, model.weights, model.tf, index=model.index)
    if raw.empty:
        return empty
    score = weight_to_score(raw["weight"].to_numpy(), settings, config)
    wi, si = raw["wc"].to_numpy(), raw["sf"].to_numpy()
    # two different full first names under one surname and place are two people where households
    # are a thing in this org: Salesforce has two first names under one surname, postal code and
    # city for more than HOUSEHOLD_RATE of its keys, or under this pair's key in either system.
    # Then the model never pairs them, as the rules never did. In an org without households the
    # learned weight of a first-name disagreement decides (FEBRL replaces whole given names).
    # Levels are tested as integers against their labels' positions; labels only for the pairs kept.
    first_clash = (
        _level_is(raw, model.settings, "first", {"else"})
        & _full_name(units["first"])[wi]
        & _full_name(model.sf["first"])[si]
    )
    if first_clash.any():
        households = _household_keys(units) | model.households
        known = _keyed(units, wi, first_clash, households) | _keyed(model.sf, si, first_clash, households)
        known |= model.household_rate > HOUSEHOLD_RATE
        score[first_clash & known] = 0.0
    if model.household_rate > HOUSEHOLD_RATE:
        # where households are common a surname and an address do not say which member called:
        # the model links only when both first names and both surnames are there and agree
        # (not just an initial; a different surname is another person of the household, or a stranger)
        # and the postal code is the same (a same-name stranger lives one street over)
        unsure = (
            _level_is(raw, model.settings, "first", {"null", "initial", "else"})
            | _level_is(raw, model.settings, "last", {"null", "else"})
            | ~_level_is(raw, model.settings, "postal", {"exact"})
        )
        # the same full name in the same city with a postal code one typo away (`33650` / `43650`) is not
        # linked, but no second record is created either: a person decides (a same-name stranger is rare there)
        typo_away = (
            _level_is(raw, model.settings, "first", {"exact"})
            & _level_is(raw, model.settings, "last", {"exact"})
            & _level_is(raw, model.settings, "city", {"exact"})
            & _level_is(raw, model.settings, "postal", {"damerau<=1"})
            & pd.Series(units["first"].to_numpy()).str.len().gt(1).to_numpy()[wi]
        )
        # ... unless both carry emails or phones and none agrees: then it is another person's record
        review = unsure & typo_away
        if review.any():
            at = np.flatnonzero(review)
            clusters = units["cluster"].to_numpy()[wi[at]]
            review[at[_contacts_differ(leads, model.sf_contacts, clusters, model.sf["row"].to_numpy()[si[at]])]] = False
        score[unsure & ~review] = 0.0
        score[review] = np.minimum(score[review], config.review_threshold)
    _drop_alike_strangers(score, raw, units, wi, si, leads, model)
    kept = np.arange(len(raw)) if keep_all else np.flatnonzero(score > 0)
    raw, wi, si = raw.iloc[kept], wi[kept], si[kept]
    scored = pd.DataFrame(
        {
            "cluster": units["cluster"].to_numpy()[wi],
            "row": model.sf["row"].to_numpy()[si],
            "weight": raw["weight"].to_numpy(),
        }
    )
    for comparison in model.settings.comparisons:
        scored[f"level_{comparison.field}"] = _labels(comparison)[raw[f"lv_{comparison.field}"].to_numpy()]
    scored[f"level_{SWAP}"] = np.array(["null", "swapped", "in order"], dtype=object)[raw[f"lv_{SWAP}"].to_numpy()]
    for col in [c for c in raw.columns if c.startswith("c_")]:
        scored[f"w_{col[2:]}"] = raw[col].to_numpy()
    scored["score"] = score[kept]
    wc_name = (_text_at(units["first"], wi) + " " + _text_at(units["last"], wi)).astype(str)
    sf_name = (_text_at(model.sf["first"], si) + " " + _text_at(model.sf["last"], si)).astype(str)
    scored = scored.assign(wc_name=pd.Series(wc_name).str.strip().to_numpy())
    scored = scored.assign(sf_name=pd.Series(sf_name).str.strip().to_numpy())
    # best unit per (cluster, record): the cluster's name that fits best
    scored = scored.sort_values(["cluster", "row", "weight"], ascending=[True, True, False])
    scored = scored.drop_duplicates(["cluster", "row"]).reset_index(drop=True)
    agreeing = [c for c in ("postal", "city", "state", "street") if f"level_{c}" in scored]
    evidence = scored["wc_name"].astype(object) + " ~ " + scored["sf_name"].astype(object)
    for col in agreeing:
        evidence = evidence + np.where(scored[f"level_{col}"].eq("exact"), f", same {col}", "")
    swapped = scored["level_order"].eq("swapped") if "level_order" in scored else False
    evidence = evidence + np.where(swapped, ", first and last names swapped", "")
    scored["key"] = evidence + " (match weight " + scored["weight"].round(1).astype(str) + " bits)"
    scored["rule"] = "model"
    scored["names"] = np.where(
        scored["level_first"].isin(["else"]) | scored["level_last"].isin(["else"]), "conflict", "agree"
    )
    scored["name_note"] = (
        "names "
        + np.where(scored["names"] == "agree", "agree", "differ")
        + " ("
        + scored["wc_name"].astype(object)
        + ")"
    )
    return scored.drop(columns=["wc_name", "sf_name"])
