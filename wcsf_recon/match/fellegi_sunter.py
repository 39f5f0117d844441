"""A Fellegi-Sunter name/place model whose weights are learned from the snapshot itself, without labels.

As splink does: u (how often a level holds by chance) from random record pairs, m (how often it
holds for the same person) by expectation-maximisation over the blocked pairs, the prior from EM
too; exact agreements on names and cities adjusted by the value's frequency (a shared `smith`
says less than a shared `quennell`). Every step is vectorized over pairs (rapidfuzz `cpdist`,
numpy); a level is a declarative test and a weight a table lookup, so the scoring compiles to SQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from jellyfish import metaphone
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler
from rapidfuzz.process import cpdist

from ..normalize.names import first_names_strictly_agree
from .codes import within_runs
from .model_settings import Comparison, ModelSettings

UNIT_FIELDS = ("first", "last", "postal", "city", "state", "street")
NULL, SWAP = 0, "order"
_FLOOR = 1e-6
# Jaro-Winkler implementations round differently in the last bit (rapidfuzz vs DuckDB): a similarity
# within this of a level's threshold reaches it, so both engines place every pair on the same level
JW_EPSILON = 1e-9


@dataclass
class Weights:
    """Learned parameters: per comparison, m and u per level (index 0 = null, last = else), and the prior."""

    m: dict[str, list[float]]
    u: dict[str, list[float]]
    prior: float  # probability that two random records are the same person
    settings_digest: str
    trained_on: dict[str, int] = field(default_factory=dict)

    def bayes_factors(self, name: str) -> np.ndarray:
        """log2(m/u) per level (0 for the null level), never below the `else` level's.

        A near miss (a phonetic or Jaro-Winkler surname) is at worst no agreement: where the
        account's true pairs never show a level (m ~ 0, e.g. no misspelt surnames yet) its raw
        factor would count a near miss as stronger evidence against than a different surname.
        """
        m, u = np.maximum(self.m[name], _FLOOR), np.maximum(self.u[name], _FLOOR)
        out = np.log2(m / u)
        if len(out) > 2 and name != SWAP:
            out[1:-1] = np.maximum(out[1:-1], out[-1])
        out[NULL] = 0.0
        return out

    def save(self, path: str | Path) -> Path:
        """Write the weights as JSON (reused on the next run by `load`)."""
        path = Path(path)
        path.write_text(json.dumps(self.__dict__, indent=2), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Weights:
        """Read weights written by `save`."""
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))


def _metaphone_all(values: np.ndarray) -> np.ndarray:
    codes, uniques = pd.factorize(values)
    mapped = np.array([metaphone(str(v)) if isinstance(v, str) and v else None for v in uniques], dtype=object)
    out = np.full(len(values), None, dtype=object)
    ok = codes >= 0
    out[ok] = mapped[codes[ok]]
    return out


def _present(values: np.ndarray) -> np.ndarray:
    ok = pd.notna(values)
    ok[ok] = values[ok] != ""
    return ok


def comparison_levels(a: np.ndarray, b: np.ndarray, comparison: Comparison) -> np.ndarray:
    """Level index per pair: 0 null, 1..L the first declared level that holds, L+1 else.

    Computed once per distinct (a, b) value pair: names, places and states repeat a lot.
    """
    codes, vocab = pd.factorize(np.concatenate([a, b]))
    ca, cb = codes[: len(a)].astype(np.int64), codes[len(a) :].astype(np.int64)
    width = len(vocab) + 1
    pair_codes, first_rows = np.unique((ca + 1) * width + (cb + 1), return_index=True)
    if len(pair_codes) == len(a):
        return _levels_of(a, b, comparison)
    distinct = _levels_of(a[first_rows], b[first_rows], comparison)
    return distinct[np.searchsorted(pair_codes, (ca + 1) * width + (cb + 1))]


def _levels_of(a: np.ndarray, b: np.ndarray, comparison: Comparison) -> np.ndarray:
    n = len(a)
    out = np.full(n, len(comparison.levels) + 1, dtype=np.int8)
    both = _present(a) & _present(b)
    out[~both] = NULL
    todo = both.copy()
    jw: np.ndarray | None = None
    for index, level in enumerate(comparison.levels, start=1):
        if not todo.any():
            break
        idx = np.flatnonzero(todo)
        x, y = a[idx], b[idx]
        if level.kind == "exact":
            hit = x == y
        elif level.kind == "nickname":
            hit = np.array(
                [len(p) > 1 and len(q) > 1 and first_names_strictly_agree(p, q) for p, q in zip(x, y, strict=True)],
                dtype=bool,
            )
        elif level.kind == "damerau":
            hit = cpdist(list(x), list(y), scorer=DamerauLevenshtein.distance, workers=1) <= level.threshold
            hit &= np.array([min(len(p), len(q)) > 2 for p, q in zip(x, y, strict=True)], dtype=bool)
        elif level.kind == "jaro_winkler":
            if jw is None:
                jw = np.zeros(n)
                jw[both] = cpdist(list(a[both]), list(b[both]), scorer=JaroWinkler.normalized_similarity, workers=1)
            hit = jw[idx] >= level.threshold - JW_EPSILON
        elif level.kind == "phonetic":
            hit = (_metaphone_all(x) == _metaphone_all(y)) & np.array(
                [min(len(p), len(q)) > 2 for p, q in zip(x, y, strict=True)], dtype=bool
            )
        elif level.kind == "initial":
            hit = np.array([(len(p) == 1 or len(q) == 1) and p[0] == q[0] for p, q in zip(x, y, strict=True)])
        elif level.kind == "prefix":
            hit = np.array([p.startswith(q) or q.startswith(p) for p, q in zip(x, y, strict=True)], dtype=bool)
        else:  # "swapped" is the implicit order comparison, never a field level
            hit = np.zeros(len(idx), dtype=bool)
        out[idx[hit]] = index
        todo[idx[hit]] = False
    return out


@dataclass
class Compared:
    """Pairs (wc unit, sf unit) with their level per comparison and whether the names were swapped."""

    pairs: pd.DataFrame  # wc, sf: positions in the unit frames
    levels: dict[str, np.ndarray]
    values: dict[str, tuple[np.ndarray, np.ndarray]]


def compare(wc: pd.DataFrame, sf: pd.DataFrame, pairs: pd.DataFrame, settings: ModelSettings) -> Compared:
    """Levels of every comparison for `pairs`; first/last swapped where that fits clearly better."""
    wi, si = pairs["wc"].to_numpy(), pairs["sf"].to_numpy()
    values = {f: (wc[f].to_numpy(dtype=object)[wi], sf[f].to_numpy(dtype=object)[si]) for f in UNIT_FIELDS}
    (wf, sfirst), (wl, slast) = values["first"], values["last"]
    swapped = _present(wf) & _present(wl) & (wf == slast) & (wl == sfirst) & (wf != sfirst)
    if swapped.any():
        values["first"] = (np.where(swapped, wl, wf), sfirst)
        values["last"] = (np.where(swapped, wf, wl), slast)
    levels = {c.field: comparison_levels(*values[c.field], c) for c in settings.comparisons}
    levels[SWAP] = np.where(swapped, 1, 2).astype(np.int8)  # 1 swapped, 2 in order
    return Compared(pairs.reset_index(drop=True), levels, values)


def _all_comparisons(settings: ModelSettings) -> list[tuple[str, int]]:
    return [(c.field, len(c.levels) + 2) for c in settings.comparisons] + [(SWAP, 3)]


def _block_key(frame: pd.DataFrame, keys: tuple[str, ...], side: str) -> pd.Series:
    parts = []
    for key in keys:
        if key in ("first1", "last1"):
            parts.append(frame[key[:-1]].str[0])
        elif key == "last_phonetic":
            parts.append(pd.Series(_metaphone_all(frame["last"].to_numpy(dtype=object)), index=frame.index))
        elif key == "swapped":
            parts.append(frame["first"] + "|" + frame["last"] if side == "wc" else frame["last"] + "|" + frame["first"])
        else:
            parts.append(frame[key])
    out = parts[0].astype("object")
    for part in parts[1:]:
        out = out + "|" + part.astype("object")
    return out


@dataclass
class BlockIndex:
    """Salesforce records grouped by each blocking rule's key, built once per run and shared by every shard."""

    keys: list[pd.Index]  # per rule: the distinct keys (small blocks only)
    order: list[np.ndarray]  # per rule: sf positions sorted by key code
    start: list[np.ndarray]  # per rule: where each key's records begin in `order`
    size: list[np.ndarray]  # per rule: how many records carry each key


def block_index(sf: pd.DataFrame, settings: ModelSettings) -> BlockIndex:
    """Index the Salesforce side by every blocking rule; keys on more than `max_block_size` records are dropped."""
    index = BlockIndex([], [], [], [])
    for rule in settings.blocking:
        right = _block_key(sf, rule, "sf").to_numpy(dtype=object)
        rk = np.flatnonzero(pd.notna(right))
        codes, uniques = pd.factorize(right[rk])
        sizes = np.bincount(codes, minlength=len(uniques))
        small = sizes <= settings.max_block_size
        remap = np.cumsum(small) - 1
        keep = small[codes]
        new_codes = remap[codes[keep]]
        order = rk[keep][np.argsort(new_codes, kind="stable")]
        size = sizes[small]
        index.keys.append(pd.Index(uniques[small]))
        index.order.append(order)
        index.start.append(np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64))
        index.size.append(size)
    return index


def block(
    wc: pd.DataFrame,
    sf: pd.DataFrame,
    settings: ModelSettings,
    with_rules: bool = False,
    index: BlockIndex | None = None,
) -> pd.DataFrame:
    """Candidate pairs (wc, sf positions): records equal on every key of at least one blocking rule.

    `with_rules`: keep one row per (pair, rule) with the rule's position, for training.
    """
    index = index or block_index(sf, settings)
    found = []
    for number, rule in enumerate(settings.blocking):
        left = _block_key(wc, rule, "wc").to_numpy(dtype=object)
        code = index.keys[number].get_indexer(pd.Index(left))
        hit = np.flatnonzero(code >= 0)
        code = code[hit]
        counts = index.size[number][code]
        wc_pos = np.repeat(hit, counts)
        starts = np.repeat(index.start[number][code], counts)
        within = within_runs(counts)
        sf_pos = index.order[number][starts + within]
        found.append(pd.DataFrame({"wc": wc_pos, "sf": sf_pos, "rule": number}))
    if not found:
        return pd.DataFrame({"wc": [], "sf": [], "rule": []}, dtype=np.int64)
    out = pd.concat(found, ignore_index=True)
    if with_rules:
        return out
    return out.drop_duplicates(["wc", "sf"])[["wc", "sf"]].reset_index(drop=True)


def block_rules(
    wc: pd.DataFrame, sf: pd.DataFrame, settings: ModelSettings, index: BlockIndex | None = None
) -> pd.DataFrame:
    """Distinct candidate pairs (wc, sf) in `block`'s order, with `rules`: the bitmask of the rules that found each."""
    by_rule = block(wc, sf, settings, with_rules=True, index=index)
    if by_rule.empty:
        return pd.DataFrame({"wc": [], "sf": [], "rules": []}, dtype=np.int64)
    key = by_rule["wc"].to_numpy(np.int64) * max(len(sf), 1) + by_rule["sf"].to_numpy(np.int64)
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    rules = np.zeros(len(uniq), dtype=np.int64)
    np.bitwise_or.at(rules, inverse, np.left_shift(1, by_rule["rule"].to_numpy(np.int64)))
    order = np.sort(first)  # first occurrence order = drop_duplicates' order
    pick = np.searchsorted(uniq, key[order])
    return pd.DataFrame(
        {"wc": by_rule["wc"].to_numpy()[order], "sf": by_rule["sf"].to_numpy()[order], "rules": rules[pick]}
    )


Blocker = Callable[[pd.DataFrame, pd.DataFrame, ModelSettings], pd.DataFrame]
Comparer = Callable[[pd.DataFrame, pd.DataFrame, pd.DataFrame, ModelSettings], Compared]
# (wc, sf, settings, n, seed) -> (blocked pairs sampled as `DataFrame.sample(n, random_state=seed)`, how many blocked)
Sampler = Callable[[pd.DataFrame, pd.DataFrame, ModelSettings, int, int], tuple[pd.DataFrame, int]]


def _rule_fields(rule: tuple[str, ...]) -> set[str]:
    """The fields a blocking rule forces to agree (their m cannot be learned from its pairs)."""
    out: set[str] = set()
    for key in rule:
        out |= {"first1": {"first"}, "last1": {"last"}, "last_phonetic": {"last"}, "swapped": {"first", "last"}}.get(
            key, {key}
        )
    return out


def _em(em: Compared, u: dict[str, np.ndarray], comps: list[tuple[str, int]], iterations: int) -> tuple[dict, float]:
    # start from a confident basin: pairs agreeing closely on both names and on one place
    first, last = em.levels.get("first"), em.levels.get("last")
    n = len(em.pairs)
    cap = em.pairs["wc"].nunique() / max(n, 1)
    if first is not None and last is not None:
        place = np.zeros(n, dtype=bool)
        for name in ("postal", "city"):
            if name in em.levels:
                place |= em.levels[name] == 1
        anchor = (first >= 1) & (first <= 3) & (last >= 1) & (last <= 2) & place
        p0 = np.where(anchor, 0.95, 0.02)
        m = {name: np.maximum(_frequencies(em, name, k, p0), _FLOOR) for name, k in comps}
        share = float(np.clip(p0.mean(), 1e-6, 1 - 1e-6))
    else:
        m = {name: _initial_m(k) for name, k in comps}
        share = 0.1
    for _ in range(iterations):
        own = {}
        log_odds = np.full(n, np.log2(share / (1 - share)))
        for name, _n in comps:
            bf = np.log2(np.maximum(m[name], _FLOOR) / np.maximum(u[name], _FLOOR))
            bf[NULL] = 0.0
            own[name] = bf[em.levels[name]]
            log_odds += own[name]
        p = 1.0 / (1.0 + np.exp2(-np.clip(log_odds, -60, 60)))
        # at most one Salesforce record per WhatConverts name is the person: the share cannot exceed
        # (names paired) / (pairs); left free, EM drifts to "same place" as its match class
        share = float(np.clip(min(p.mean(), cap), 1e-6, 1 - 1e-6))
        # each field's m from the other fields' verdict: a field cannot vouch for itself
        m = {}
        for name, k in comps:
            p_other = 1.0 / (1.0 + np.exp2(-np.clip(log_odds - own[name], -60, 60)))
            m[name] = np.maximum(_frequencies(em, name, k, p_other), _FLOOR)
    return m, share


def _subset(compared: Compared, mask: np.ndarray) -> Compared:
    return Compared(
        compared.pairs[mask].reset_index(drop=True),
        {k: v[mask] for k, v in compared.levels.items()},
        {k: (a[mask], b[mask]) for k, (a, b) in compared.values.items()},
    )


def _frequencies(compared: Compared, cmp: str, levels: int, weights: np.ndarray | None = None) -> np.ndarray:
    lv = compared.levels[cmp]
    counts = np.bincount(lv, weights=weights, minlength=levels).astype(float)
    counts[NULL] = 0.0
    total = counts.sum()
    return counts / total if total else np.full(levels, 1.0 / levels)


def train(
    wc: pd.DataFrame,
    sf: pd.DataFrame,
    settings: ModelSettings,
    seed: int = 0,
    index: BlockIndex | None = None,
    blocker: Blocker | None = None,
    comparer: Comparer | None = None,
    sampler: Sampler | None = None,
) -> Weights:
    """u from random pairs, m and the prior by EM over blocked pairs; no labels.

    `blocker` / `comparer`: the engine's `block_rules` and `compare` (pandas here, DuckDB in `pair_sql`);
    `sampler`, if given, draws the EM sample inside the engine (the same pairs `blocker` + `sample` give).
    """
    blocker = blocker or (lambda w, s, st: block_rules(w, s, st, index=index))
    comparer = comparer or compare
    rng = np.random.default_rng(seed)
    n_random = min(settings.random_pairs, len(wc) * len(sf))
    random_pairs = pd.DataFrame({"wc": rng.integers(0, len(wc), n_random), "sf": rng.integers(0, len(sf), n_random)})
    comps = _all_comparisons(settings)
    rand = comparer(wc, sf, random_pairs, settings)
    u = {name: np.maximum(_frequencies(rand, name, n), 1.0 / (n_random + 1)) for name, n in comps}
    if sampler is not None:
        blocked, n_blocked = sampler(wc, sf, settings, settings.em_pairs, seed)
    else:
        all_pairs = blocker(wc, sf, settings).reset_index(drop=True)
        n_blocked = len(all_pairs)
        blocked = all_pairs.sample(settings.em_pairs, random_state=seed) if n_blocked > settings.em_pairs else all_pairs
    blocked = blocked.reset_index(drop=True)
    em = comparer(wc, sf, blocked[["wc", "sf"]], settings)
    # as splink: a field's m is learned only from pairs some rule found without forcing that field
    # to agree (blocking on surname makes surname agreement say nothing about who is who)
    found_by = blocked["rules"].to_numpy(np.int64)
    m: dict[str, np.ndarray] = {}
    if len(blocked) == 0:  # nothing to learn from (a tiny snapshot): defaults, prior from the sizes
        return Weights(
            m={name: _initial_m(n).tolist() for name, n in comps},
            u={k: v.tolist() for k, v in u.items()},
            prior=float(np.clip(1.0 / max(len(sf), 1), 1e-12, 0.5)),
            settings_digest=settings.digest(),
            trained_on={"wc_units": len(wc), "sf_units": len(sf), "random_pairs": n_random, "em_pairs": 0},
        )
    _, share = _em(em, u, comps, settings.em_iterations)
    core = [c for c in ("first", "last", "postal", "city") if c in em.levels]
    for name, n_levels in comps:
        free = sum(1 << i for i, rule in enumerate(settings.blocking) if name not in _rule_fields(rule))
        mask = (found_by & free) != 0
        # the field's m from pairs the *other* fields vouch for: three of them agreeing exactly and
        # no name disagreeing outright (EM alone settles on "same place" as its match class)
        others = [c for c in core if c != name]
        exact = sum((em.levels[c] == 1).astype(int) for c in others)
        no_clash = np.ones(len(blocked), dtype=bool)
        for c in ("first", "last"):
            if c != name and c in em.levels:
                no_clash &= em.levels[c] != dict(comps)[c] - 1  # the `else` level
        anchor = mask & (exact >= min(3, len(others))) & no_clash
        if anchor.sum() >= 50:
            m[name] = np.maximum(_frequencies(em, name, n_levels, anchor.astype(float)), _FLOOR)
        else:
            m_session, _ = _em(
                _subset(em, mask if mask.sum() >= 50 else np.ones(len(blocked), bool)), u, comps, settings.em_iterations
            )
            m[name] = m_session[name]
    expected_matches = share * n_blocked
    prior = float(np.clip(expected_matches / (len(wc) * len(sf)), 1e-12, 0.5))
    return Weights(
        m={k: v.tolist() for k, v in m.items()},
        u={k: v.tolist() for k, v in u.items()},
        prior=prior,
        settings_digest=settings.digest(),
        trained_on={"wc_units": len(wc), "sf_units": len(sf), "random_pairs": n_random, "em_pairs": len(blocked)},
    )


def _initial_m(n_levels: int) -> np.ndarray:
    """Most mass on the first (strongest) level, a little on the others."""
    m = np.full(n_levels, 0.05)
    m[1] = 0.7
    m[NULL] = 0.0
    return m / m.sum()


def term_frequencies(wc: pd.DataFrame, sf: pd.DataFrame, field_name: str) -> pd.Series:
    """Share of records carrying each value of a field (both systems together)."""
    values = pd.concat([wc[field_name], sf[field_name]], ignore_index=True).dropna()
    return values.value_counts(normalize=True)


def weight_tables(
    weights: Weights, settings: ModelSettings, tf: dict[str, pd.Series]
) -> dict[str, tuple[np.ndarray, pd.Series | None]]:
    """Per comparison (in order, then `order`): its Bayes factor per level, and for term-frequency adjusted
    fields the bits an exact agreement on each value adds (a rare value more, a common one less).

    One table both engines look weights up in, so they add the very same numbers.
    """
    out: dict[str, tuple[np.ndarray, pd.Series | None]] = {}
    for name, _n in _all_comparisons(settings):
        bf = weights.bayes_factors(name)
        if name == SWAP:  # the swapped names already agree field by field: the order can only cost
            bf = np.minimum(bf, 0.0)
        comparison = next((c for c in settings.comparisons if c.field == name), None)
        deltas = None
        if comparison is not None and comparison.tf_adjust and name in tf:
            u_exact = max(weights.u[name][1], _FLOOR)
            freq = tf[name].to_numpy(dtype=float)
            deltas = pd.Series(np.clip(np.log2(u_exact / np.maximum(freq, _FLOOR)), -8.0, 8.0), index=tf[name].index)
        out[name] = (bf, deltas)
    return out


def contributions(
    compared: Compared, weights: Weights, settings: ModelSettings, tf: dict[str, pd.Series]
) -> pd.DataFrame:
    """Per pair and comparison the weight (bits) it adds, term-frequency adjusted; plus `prior` and `weight`."""
    prior = float(np.log2(weights.prior / (1 - weights.prior)))
    out = {"prior": np.full(len(compared.pairs), prior)}
    for name, (bf, deltas) in weight_tables(weights, settings, tf).items():
        lv = compared.levels[name]
        contrib = bf[lv]
        if deltas is not None:
            exact = lv == 1
            if exact.any():
                delta = pd.Series(compared.values[name][1][exact]).map(deltas).to_numpy(dtype=float)
                contrib = contrib.copy()
                contrib[exact] += np.nan_to_num(delta, nan=0.0)
        out[name] = contrib
    frame = pd.DataFrame(out)
    total = frame["prior"].to_numpy().copy()
    for name in frame.columns[1:]:  # left to right, as the SQL sum adds them
        total += frame[name].to_numpy()
    frame["weight"] = total
    return frame


def score_pairs(
    wc: pd.DataFrame,
    sf: pd.DataFrame,
    settings: ModelSettings,
    weights: Weights,
    tf: dict[str, pd.Series],
    index: BlockIndex | None = None,
) -> pd.DataFrame:
    """Every blocked pair (wc, sf) with its levels (`lv_<field>`), weights (`c_prior`, `c_<field>`) and `weight`.

    The pandas reference of `pair_sql.score` (the same frame, row for row).
    """
    pairs = block(wc, sf, settings, index=index)
    compared = compare(wc, sf, pairs, settings)
    parts = contributions(compared, weights, settings, tf)
    out = {"wc": compared.pairs["wc"].to_numpy(np.int64), "sf": compared.pairs["sf"].to_numpy(np.int64)}
    for name, _n in _all_comparisons(settings):
        out[f"lv_{name}"] = compared.levels[name]
    out |= {f"c_{name}": parts[name].to_numpy() for name in parts.columns.drop("weight")}
    out["weight"] = parts["weight"].to_numpy()
    return pd.DataFrame(out)


def level_labels(compared: Compared, settings: ModelSettings) -> pd.DataFrame:
    """The level each comparison reached per pair, as readable text (`jaro_winkler>=0.92`)."""
    out = {}
    for comparison in settings.comparisons:
        names = np.array(["null", *(lv.label for lv in comparison.levels), "else"], dtype=object)
        out[comparison.field] = names[compared.levels[comparison.field]]
    out[SWAP] = np.array(["null", "swapped", "in order"], dtype=object)[compared.levels[SWAP]]
    return pd.DataFrame(out)
