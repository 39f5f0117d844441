"""The Fellegi-Sunter model's pair work in DuckDB SQL: blocking joins, comparison levels, the weight sum.

The same settings as the pandas reference in `fellegi_sunter` (blocking rules, ordered levels,
learned weights) compile to SQL here: each blocking rule is an equi-join (keys shared by more than
`max_block_size` Salesforce records dropped), each comparison a CASE over DuckDB's built-in
`jaro_winkler_similarity` / `damerau_levenshtein`, and the match weight a sum of looked-up Bayes
factors. Per-record work stays vectorized in pandas and is joined, never computed per pair:
metaphone codes, first letters, nickname variants. The unit frames reach DuckDB as Arrow tables
(no copy of their string columns); DuckDB runs on all cores with its own threads, in this process.
Results equal the pandas path exactly (`tests/test_pair_sql.py`), pair order included.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ..normalize.names import nickname_forms
from .fellegi_sunter import JW_EPSILON, SWAP, Compared, Weights, _metaphone_all, weight_tables
from .model_settings import Comparison, Level, ModelSettings

_TEXT = ("first", "last", "postal", "city", "state", "street")


@contextmanager
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB on every core, closed after use (nothing is written to disk but spills)."""
    con = duckdb.connect(config={"threads": max(os.cpu_count() or 1, 1)})
    try:
        yield con
    finally:
        con.close()


def _needs(settings: ModelSettings) -> tuple[set[str], set[str]]:
    """Fields needing metaphone codes and nickname lists (swapped names draw on both name fields)."""
    phon = {c.field for c in settings.comparisons if any(lv.kind == "phonetic" for lv in c.levels)}
    nick = {c.field for c in settings.comparisons if any(lv.kind == "nickname" for lv in c.levels)}
    if any("last_phonetic" in rule for rule in settings.blocking):
        phon.add("last")
    widen = {"first", "last"}
    phon |= widen if phon & widen else set()
    nick |= widen if nick & widen else set()
    return phon, nick


def _table(frame: pd.DataFrame, settings: ModelSettings, with_lists: bool = True) -> pa.Table:
    """The unit frame as Arrow: position, the compared fields, first letters and metaphone codes."""
    phon, nick = _needs(settings)
    cols: dict[str, object] = {"pos": pa.array(np.arange(len(frame), dtype=np.int64))}
    for name in _TEXT:
        cols[name] = pa.array(frame[name].astype("str"), type=pa.string()) if name in frame else pa.nulls(len(frame))
    cols["first1"] = pa.array(frame["first"].astype("str").str[0], type=pa.string())
    cols["last1"] = pa.array(frame["last"].astype("str").str[0], type=pa.string())
    for name in phon:
        cols[f"{name}_mp"] = pa.array(_metaphone_all(frame[name].to_numpy(dtype=object)), type=pa.string())
    if with_lists:
        for name in nick:
            cols[f"{name}_var"], cols[f"{name}_can"] = _nickname_lists(frame[name])
    return pa.table(cols)


def _nickname_lists(values: pd.Series) -> tuple[pa.Array, pa.Array]:
    """Per record: the name's variants and canonical forms (computed once per distinct name)."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    forms = [nickname_forms(v) if isinstance(v, str) else (None, None) for v in uniques]
    var = [None if f[0] is None else sorted(f[0]) for f in forms]
    can = [None if f[1] is None else sorted(f[1]) for f in forms]
    index = pa.array(codes, mask=codes < 0)
    out = []
    for lists in (var, can):
        out.append(pa.array(lists, type=pa.list_(pa.string())).take(index))
    return out[0], out[1]


def _rule_keys(rule: tuple[str, ...]) -> list[tuple[str, str]]:
    """(WhatConverts column, Salesforce column) pairs a rule joins on."""
    pairs = []
    for key in rule:
        if key == "swapped":
            pairs += [("first", "last"), ("last", "first")]
        elif key == "last_phonetic":
            pairs.append(("last_mp", "last_mp"))
        else:
            pairs.append((key, key))
    return pairs


def blocked(wc: pd.DataFrame, sf: pd.DataFrame, settings: ModelSettings) -> pd.DataFrame:
    """Candidate pairs (wc, sf positions) and `rules`, the bitmask of blocking rules that found each.

    Ordered as the pandas `block` orders them: by the first rule that found the pair, then wc, then sf.
    """
    if not settings.blocking or wc.empty or sf.empty:
        return pd.DataFrame({"wc": [], "sf": [], "rules": []}, dtype=np.int64)
    with connection() as con:
        con.register("wc", _table(wc, settings, with_lists=False))
        con.register("sf", _table(sf, settings, with_lists=False))
        found = _blocked(con, settings).order("first_rule, wc, sf").df()
    return found[["wc", "sf", "rules"]]


def _blocked(con: duckdb.DuckDBPyConnection, settings: ModelSettings) -> duckdb.DuckDBPyRelation:
    parts = []
    for number, rule in enumerate(settings.blocking):
        keys = _rule_keys(rule)
        sf_cols = ", ".join(dict.fromkeys(s for _, s in keys))
        present = " AND ".join(f"{s} IS NOT NULL" for _, s in keys)
        on = " AND ".join(f"w.{w} = s.{s}" for w, s in keys)
        parts.append(
            f"SELECT w.pos AS wc, s.pos AS sf, {number} AS rule FROM wc w JOIN ("
            f"SELECT pos, {sf_cols} FROM sf WHERE {present} "
            f"QUALIFY count(*) OVER (PARTITION BY {sf_cols}) <= {int(settings.max_block_size)}) s ON {on}"
        )
    union = " UNION ALL ".join(parts)
    return con.sql(
        f"SELECT wc, sf, bit_or(1::BIGINT << rule) AS rules, min(rule) AS first_rule FROM ({union}) GROUP BY wc, sf"
    )


def _present(col: str) -> str:
    return f"({col} IS NOT NULL AND {col} <> '')"


def _level_sql(level: Level, a: str, b: str) -> str:
    """The SQL test of one level on the (swapped-in-place) values a, b."""
    if level.kind == "exact":
        return f"{a} = {b}"
    if level.kind == "nickname":
        short = f"CASE WHEN length({a}) <= length({b}) THEN {a} ELSE {b} END"
        long_lists = f"CASE WHEN length({a}) <= length({b}) THEN list_concat({b}_var, {b}_can) ELSE list_concat({a}_var, {a}_can) END"
        return (
            f"(length({a}) > 1 AND length({b}) > 1 AND ({a} = {b} OR list_contains({a}_var, {b}) "
            f"OR list_contains({b}_var, {a}) OR list_has_any({a}_can, {b}_can) "
            f"OR len(list_filter({long_lists}, lambda v: starts_with(v, {short}))) > 0))"
        )
    if level.kind == "damerau":
        return f"(damerau_levenshtein({a}, {b}) <= {int(level.threshold)} AND least(length({a}), length({b})) > 2)"
    if level.kind == "jaro_winkler":
        return f"jaro_winkler_similarity({a}, {b}) >= '{float(level.threshold) - JW_EPSILON!r}'::DOUBLE"
    if level.kind == "phonetic":
        return f"({a}_mp = {b}_mp AND least(length({a}), length({b})) > 2)"
    if level.kind == "initial":
        return f"((length({a}) = 1 OR length({b}) = 1) AND left({a}, 1) = left({b}, 1))"
    if level.kind == "prefix":
        return f"(starts_with({a}, {b}) OR starts_with({b}, {a}))"
    return "false"  # "swapped" is the implicit order comparison, never a field level


def _comparison_sql(comparison: Comparison) -> str:
    a, b = f"a_{comparison.field}", f"b_{comparison.field}"
    whens = " ".join(
        f"WHEN {_level_sql(level, a, b)} THEN {index}" for index, level in enumerate(comparison.levels, start=1)
    )
    return (
        f"CAST(CASE WHEN NOT ({_present(a)} AND {_present(b)}) THEN 0 {whens} "
        f"ELSE {len(comparison.levels) + 1} END AS TINYINT)"
    )


def _aligned(settings: ModelSettings, pairs: str, with_lists: bool = True) -> str:
    """SELECT of each pair's values, wc first and last names swapped where that fits clearly better."""
    phon, nick = _needs(settings)
    sw = (
        f"coalesce({_present('w.first')} AND {_present('w.last')} AND w.first = s.last AND w.last = s.first "
        "AND w.first <> s.first, false)"
    )
    cols = [f"p.i AS i, {sw} AS swapped"]
    suffixes = [""] + [f"_{x}" for x in ("mp",)] + ([f"_{x}" for x in ("var", "can")] if with_lists else [])
    for name in _TEXT:
        for suffix in suffixes:
            if suffix == "_mp" and name not in phon or suffix in ("_var", "_can") and name not in nick:
                continue
            col = f"{name}{suffix}"
            if name in ("first", "last"):
                other = f"{'last' if name == 'first' else 'first'}{suffix}"
                cols.append(f"CASE WHEN {sw} THEN w.{other} ELSE w.{col} END AS a_{col}")
            else:
                cols.append(f"w.{col} AS a_{col}")
            cols.append(f"s.{col} AS b_{col}")
    return f"SELECT {', '.join(cols)} FROM {pairs} p JOIN wc w ON w.pos = p.wc JOIN sf s ON s.pos = p.sf"


def _levels_sql(settings: ModelSettings) -> str:
    levels = [f"{_comparison_sql(c)} AS lv_{c.field}" for c in settings.comparisons]
    return ", ".join(["i", *levels, f"CAST(CASE WHEN swapped THEN 1 ELSE 2 END AS TINYINT) AS lv_{SWAP}"])


def compare_levels(wc: pd.DataFrame, sf: pd.DataFrame, pairs: pd.DataFrame, settings: ModelSettings) -> Compared:
    """Levels of every comparison for `pairs`, as `fellegi_sunter.compare` gives them (without `values`)."""
    frame = pd.DataFrame({"i": np.arange(len(pairs)), "wc": pairs["wc"].to_numpy(), "sf": pairs["sf"].to_numpy()})
    with connection() as con:
        con.register("wc", _table(wc, settings))
        con.register("sf", _table(sf, settings))
        con.register("pairs", frame)
        got = con.sql(f"SELECT {_levels_sql(settings)} FROM ({_aligned(settings, 'pairs')}) ORDER BY i").fetchnumpy()
    levels = {c.field: np.asarray(got[f"lv_{c.field}"], dtype=np.int8) for c in settings.comparisons}
    levels[SWAP] = np.asarray(got[f"lv_{SWAP}"], dtype=np.int8)
    return Compared(pairs[["wc", "sf"]].reset_index(drop=True), levels, {})


def score(
    wc: pd.DataFrame, sf: pd.DataFrame, settings: ModelSettings, weights: Weights, tf: dict[str, pd.Series]
) -> pd.DataFrame:
    """Every blocked pair with its levels (`lv_<field>`), weights (`c_prior`, `c_<field>`) and `weight`.

    The same frame `fellegi_sunter.score_pairs` builds with pandas, in the same row order.
    """
    tables = weight_tables(weights, settings, tf)
    prior = float(np.log2(weights.prior / (1 - weights.prior)))
    with connection() as con:
        con.register("wc", _table(wc, settings))
        con.register("sf", _table(sf, settings))
        if not settings.blocking or wc.empty or sf.empty:
            con.sql("CREATE TEMP TABLE pairs AS SELECT 0::BIGINT AS i, 0::BIGINT AS wc, 0::BIGINT AS sf LIMIT 0")
        else:
            con.sql(
                "CREATE TEMP TABLE pairs AS SELECT row_number() OVER (ORDER BY first_rule, wc, sf) - 1 AS i, wc, sf "
                f"FROM ({_blocked(con, settings).sql_query()})"
            )
        params: list[object] = [prior]
        terms, joins = ["$1::DOUBLE AS c_prior"], []
        for name, (factors, deltas) in tables.items():
            params.append([float(x) for x in factors])
            index = f"${len(params)}::DOUBLE[]"
            contrib = f"list_extract({index}, lv_{name} + 1)"
            if deltas is not None:
                con.register(f"tf_{name}", pa.table({"value": pa.array(deltas.index.astype("str")), "delta": deltas.to_numpy()}))
                joins.append(f"LEFT JOIN tf_{name} ON lv_{name} = 1 AND tf_{name}.value = l.b_{name}")
                contrib = f"{contrib} + coalesce(tf_{name}.delta, 0.0)"
            terms.append(f"{contrib} AS c_{name}")
        weight = " + ".join(["c_prior", *(f"c_{name}" for name in tables)])
        b_cols = ", ".join(f"b_{name}" for name in tables if tables[name][1] is not None)
        sql = (
            f"WITH l AS (SELECT {_levels_sql(settings)}{', ' + b_cols if b_cols else ''} "
            f"FROM ({_aligned(settings, 'pairs')})), "
            f"c AS (SELECT l.i, {', '.join(f'lv_{n}' for n in tables)}, {', '.join(terms)} FROM l {' '.join(joins)}) "
            f"SELECT p.wc, p.sf, c.* EXCLUDE (i), {weight} AS weight FROM c JOIN pairs p USING (i) ORDER BY c.i"
        )
        return con.execute(sql, params).df()
