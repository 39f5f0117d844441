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


def _table(frame: pd.DataFrame, settings: ModelSettings) -> pa.Table:
    """The unit frame as Arrow: position, the compared fields, first letters and metaphone codes."""
    phon, _ = _needs(settings)
    cols: dict[str, object] = {"pos": pa.array(np.arange(len(frame), dtype=np.int64))}
    for name in _TEXT:
        cols[name] = pa.array(frame[name].astype("str"), type=pa.string()) if name in frame else pa.nulls(len(frame))
    cols["first1"] = pa.array(frame["first"].astype("str").str[0], type=pa.string())
    cols["last1"] = pa.array(frame["last"].astype("str").str[0], type=pa.string())
    for name in phon:
        cols[f"{name}_mp"] = pa.array(_metaphone_all(frame[name].to_numpy(dtype=object)), type=pa.string())
    return pa.table(cols)


def _nickname_table(wc: pd.DataFrame, sf: pd.DataFrame, settings: ModelSettings) -> pa.Table:
    """Every distinct name the nickname levels may meet, with its variants and canonical forms."""
    _, nick = _needs(settings)
    values = pd.concat([frame[name] for frame in (wc, sf) for name in sorted(nick) if name in frame]).dropna()
    names = [v for v in values.astype("str").unique() if isinstance(v, str)]
    forms = [nickname_forms(v) for v in names]
    return pa.table(
        {
            "name": pa.array(names, type=pa.string()),
            "var": pa.array([sorted(f[0]) for f in forms], type=pa.list_(pa.string())),
            "can": pa.array([sorted(f[1]) for f in forms], type=pa.list_(pa.string())),
        }
    )


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
        con.register("wc", _table(wc, settings))
        con.register("sf", _table(sf, settings))
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
    if level.kind == "nickname":  # looked up per distinct name pair (`_nickname_hits`)
        return f"(length({a}) > 1 AND length({b}) > 1 AND coalesce({a}_nick, false))"
    if level.kind == "damerau":  # lengths further apart than k cannot be within k edits: skip the distance
        k = int(level.threshold)
        return (
            f"(least(length({a}), length({b})) > 2 AND abs(length({a}) - length({b})) <= {k} "
            f"AND damerau_levenshtein({a}, {b}) <= {k})"
        )
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


def _align(con: duckdb.DuckDBPyConnection, settings: ModelSettings, pairs: str) -> None:
    """Table `al`: each pair's values, wc first and last names swapped where that fits clearly better,
    and per nickname field `<side>_<field>_nick`, whether the two names are nicknames of each other."""
    phon, _ = _needs(settings)
    sw = (
        f"coalesce({_present('w.first')} AND {_present('w.last')} AND w.first = s.last AND w.last = s.first "
        "AND w.first <> s.first, false)"
    )
    raw = [f"p.i AS i, {sw} AS swapped"]
    cols = ["i", "swapped"]
    for name in _TEXT:
        for col in [name] + ([f"{name}_mp"] if name in phon else []):
            raw += [f"w.{col} AS w_{col}", f"s.{col} AS b_{col}"]
            if name in ("first", "last"):
                other = col.replace(name, "last" if name == "first" else "first", 1)
                cols.append(f"CASE WHEN swapped THEN w_{other} ELSE w_{col} END AS a_{col}")
            else:
                cols.append(f"w_{col} AS a_{col}")
            cols.append(f"b_{col}")
    con.sql(
        f"CREATE OR REPLACE TEMP TABLE al AS SELECT {', '.join(cols)} FROM ("
        f"SELECT {', '.join(raw)} FROM {pairs} p JOIN wc w ON w.pos = p.wc JOIN sf s ON s.pos = p.sf)"
    )
    for name in _nickname_fields(settings):
        _nickname_hits(con, name)


def _nickname_fields(settings: ModelSettings) -> list[str]:
    return [c.field for c in settings.comparisons if any(lv.kind == "nickname" for lv in c.levels)]


def _nickname_hits(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Table `nk_<name>`: `first_names_strictly_agree` per distinct name pair of `al` the level may meet."""
    a, b = f"a_{name}", f"b_{name}"
    short = "CASE WHEN length(d.a) <= length(d.b) THEN d.a ELSE d.b END"
    long_lists = (
        "CASE WHEN length(d.a) <= length(d.b) THEN list_concat(y.var, y.can) ELSE list_concat(x.var, x.can) END"
    )
    hit = (
        "d.a = d.b OR list_contains(x.var, d.b) OR list_contains(y.var, d.a) OR list_has_any(x.can, y.can) "
        f"OR len(list_filter({long_lists}, lambda v: starts_with(v, {short}))) > 0"
    )
    con.sql(
        f"CREATE OR REPLACE TEMP TABLE nk_{name} AS SELECT d.a, d.b, {hit} AS hit FROM ("
        f"SELECT DISTINCT {a} AS a, {b} AS b FROM al WHERE length({a}) > 1 AND length({b}) > 1 AND {a} <> {b}) d "
        "JOIN names x ON x.name = d.a JOIN names y ON y.name = d.b"
    )


def _levels_sql(settings: ModelSettings, extra: str = "") -> str:
    """SELECT ... FROM al (with the nickname hits joined): the pair index and its level per comparison."""
    levels = [f"{_comparison_sql(c)} AS lv_{c.field}" for c in settings.comparisons]
    cols = ", ".join(["i", *levels, f"CAST(CASE WHEN swapped THEN 1 ELSE 2 END AS TINYINT) AS lv_{SWAP}"])
    hits, joins = "", []
    for name in _nickname_fields(settings):
        hits += f", nk_{name}.hit AS a_{name}_nick"
        joins.append(f"LEFT JOIN nk_{name} ON nk_{name}.a = al.a_{name} AND nk_{name}.b = al.b_{name}")
    return f"SELECT {cols}{extra} FROM (SELECT al.*{hits} FROM al {' '.join(joins)})"


def _register(con: duckdb.DuckDBPyConnection, wc: pd.DataFrame, sf: pd.DataFrame, settings: ModelSettings) -> None:
    con.register("wc", _table(wc, settings))
    con.register("sf", _table(sf, settings))
    con.register("names", _nickname_table(wc, sf, settings))


def compare_levels(wc: pd.DataFrame, sf: pd.DataFrame, pairs: pd.DataFrame, settings: ModelSettings) -> Compared:
    """Levels of every comparison for `pairs`, as `fellegi_sunter.compare` gives them (without `values`)."""
    frame = pd.DataFrame({"i": np.arange(len(pairs)), "wc": pairs["wc"].to_numpy(), "sf": pairs["sf"].to_numpy()})
    with connection() as con:
        _register(con, wc, sf, settings)
        con.register("pairs", frame)
        _align(con, settings, "pairs")
        got = con.sql(f"{_levels_sql(settings)} ORDER BY i").fetchnumpy()
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
        _register(con, wc, sf, settings)
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
                values = pa.array(deltas.index.astype("str"), type=pa.string())
                con.register(f"tf_{name}", pa.table({"value": values, "delta": deltas.to_numpy()}))
                joins.append(f"LEFT JOIN tf_{name} ON lv_{name} = 1 AND tf_{name}.value = l.b_{name}")
                contrib = f"{contrib} + coalesce(tf_{name}.delta, 0.0)"
            terms.append(f"{contrib} AS c_{name}")
        weight = " + ".join(["c_prior", *(f"c_{name}" for name in tables)])
        b_cols = ", ".join(f"b_{name}" for name in tables if tables[name][1] is not None)
        _align(con, settings, "pairs")
        sql = (
            f"WITH l AS ({_levels_sql(settings, ', ' + b_cols if b_cols else '')}), "
            f"c AS (SELECT l.i, {', '.join(f'lv_{n}' for n in tables)}, {', '.join(terms)} FROM l {' '.join(joins)}) "
            f"SELECT p.wc, p.sf, c.* EXCLUDE (i), {weight} AS weight FROM c JOIN pairs p USING (i) ORDER BY c.i"
        )
        return con.execute(sql, params).df()
