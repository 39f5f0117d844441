"""The Fellegi-Sunter model's pair work in DuckDB SQL: blocking joins, comparison levels, the weight sum.

The same settings as the pandas reference in `fellegi_sunter` (blocking rules, ordered levels,
learned weights) compile to SQL here: each blocking rule is an equi-join (keys shared by more than
`max_block_size` Salesforce records dropped), each comparison a CASE over DuckDB's built-in
`jaro_winkler_similarity` / `damerau_levenshtein`, and the match weight a sum of looked-up Bayes
factors. Per-record work is vectorized in pandas, never done per pair: every value is replaced by
its code in a dictionary shared by both systems (so joins and DISTINCT run on integers), metaphone
codes, first letters and nickname forms are computed once per distinct value, and a comparison's
level once per distinct value pair (names and places repeat a lot), then joined back to the pairs.
The tables reach DuckDB as Arrow; DuckDB runs on every core with its own threads, in this process.
Results equal the pandas path exactly (`tests/test_pair_sql.py`), pair order included.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ..duck import own_database
from ..normalize.names import CUT_NAME_MIN, nickname_forms
from .fellegi_sunter import JW_EPSILON, SWAP, Compared, Weights, _metaphone_all, weight_tables
from .model_settings import Comparison, Level, ModelSettings

_TEXT = ("first", "last", "postal", "city", "state", "street")
_VOCAB = {"first": "name", "last": "name"}  # first and last share one dictionary (swaps compare across)
MISSING = -1  # the code of a missing value


def _vocab(name: str) -> str:
    return _VOCAB.get(name, name)


def _level_kinds(settings: ModelSettings, vocab: str) -> set[str]:
    return {lv.kind for c in settings.comparisons if _vocab(c.field) == vocab for lv in c.levels}


def _derived_keys(settings: ModelSettings) -> dict[str, Callable[[pd.DataFrame], np.ndarray]]:
    """Blocking keys derived per record: first letters and the surname's metaphone."""
    derived: dict[str, Callable[[pd.DataFrame], np.ndarray]] = {
        "first1": lambda f: f["first"].astype("str").str[0].to_numpy(dtype=object),
        "last1": lambda f: f["last"].astype("str").str[0].to_numpy(dtype=object),
    }
    if any("last_phonetic" in rule for rule in settings.blocking):
        derived["last_mp"] = lambda f: _metaphone_all(f["last"].to_numpy(dtype=object))
    return derived


def _vocab_groups() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for name in _TEXT:
        groups.setdefault(_vocab(name), []).append(name)
    return groups


_COLUMN_TYPES = {"mp": pa.string(), "var": pa.list_(pa.string()), "can": pa.list_(pa.string())}


def _vocab_columns(uniques: np.ndarray, kinds: set[str]) -> dict[str, list[object]]:
    """Per distinct value what the levels read besides the value: metaphone, nickname variants and canonicals."""
    cols: dict[str, list[object]] = {}
    if "phonetic" in kinds:
        cols["mp"] = list(_metaphone_all(uniques))
    if "nickname" in kinds:
        forms = [nickname_forms(v) for v in uniques]
        cols["var"] = [sorted(f[0]) for f in forms]
        cols["can"] = [sorted(f[1]) for f in forms]
    return cols


def _extend(uniques: pd.Index, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of `values` in `uniques`, values not in it appended (missing values: MISSING)."""
    codes = uniques.get_indexer(values) if len(uniques) else np.full(len(values), -1, dtype=np.intp)
    unseen = (codes < 0) & np.asarray(pd.notna(values), dtype=bool)
    new_codes, new_uniques = pd.factorize(values[unseen])
    codes[unseen] = new_codes + len(uniques)
    return codes, np.asarray(new_uniques, dtype=object)


class SalesforceCodes:
    """The Salesforce units coded once per run: dictionary codes per field, the dictionaries' derived
    columns (metaphone, nickname forms) and the derived blocking keys. Training and scoring reuse it;
    each WhatConverts frame only codes (and derives) the values Salesforce lacks."""

    def __init__(self, sf: pd.DataFrame, settings: ModelSettings) -> None:
        self.n = len(sf)
        self.codes: dict[str, pa.Array] = {"pos": pa.array(np.arange(len(sf), dtype=np.int64))}
        self.uniques: dict[str, np.ndarray] = {}
        self.columns: dict[str, dict[str, pa.Array]] = {}  # as Arrow: compact, kept for the run (and `explain`)
        for vocab, names in _vocab_groups().items():
            codes, uniques = pd.factorize(np.concatenate([_values(sf, name) for name in names]))
            self.uniques[vocab] = np.asarray(uniques, dtype=object)
            self.columns[vocab] = {
                name: pa.array(values, type=_COLUMN_TYPES[name])
                for name, values in _vocab_columns(self.uniques[vocab], _level_kinds(settings, vocab)).items()
            }
            for i, name in enumerate(names):
                self.codes[f"{name}_c"] = pa.array(codes[i * len(sf) : (i + 1) * len(sf)].astype(np.int32))
        self.key_uniques: dict[str, np.ndarray] = {}
        for key, make in _derived_keys(settings).items():
            codes, uniques = pd.factorize(make(sf))
            self.key_uniques[key] = np.asarray(uniques, dtype=object)
            self.codes[f"{key}_c"] = pa.array(codes.astype(np.int32))
        self._blocks: tuple[tuple, dict[str, pa.Array]] | None = None
        self._lookups: dict[str, pd.Index] = {}
        self._texts: dict[str, pa.Array] = {}

    def lookup(self, name: str) -> pd.Index:
        """A dictionary (`uniques`, else `key_uniques`) as an Index, its hash table built once per run."""
        if name not in self._lookups:
            self._lookups[name] = pd.Index(self.uniques[name] if name in self.uniques else self.key_uniques[name])
        return self._lookups[name]

    def text(self, vocab: str) -> pa.Array:
        """A dictionary's values as Arrow text, converted once per run."""
        if vocab not in self._texts:
            self._texts[vocab] = pa.array(self.uniques[vocab], type=pa.string())
        return self._texts[vocab]

    def with_blocks(self, settings: ModelSettings) -> dict[str, pa.Array]:
        """The codes plus `small_<n>` per blocking rule: the record has every key of rule n and at most
        `max_block_size` records share them. Counted once per run, not in every blocking query."""
        made_for = (settings.blocking, settings.max_block_size)
        if self._blocks is None or self._blocks[0] != made_for:
            self._blocks = (made_for, _small_blocks(self.codes, settings))
        return self.codes | self._blocks[1]


def _small_blocks(codes: dict[str, pa.Array], settings: ModelSettings) -> dict[str, pa.Array]:
    """Per blocking rule: which Salesforce records have all its keys, in a block of at most `max_block_size`."""
    out = {}
    for number, rule in enumerate(settings.blocking):
        columns = [codes[c].to_numpy() for c in dict.fromkeys(s for _, s in _rule_keys(rule))]
        present = np.logical_and.reduce([c != MISSING for c in columns])
        group = columns[0].astype(np.int64)
        for column in columns[1:]:  # one group number per distinct combination of the keys
            group = pd.factorize(group * (int(column.max(initial=0)) + 2) + (column.astype(np.int64) + 1))[0]
        group = pd.factorize(group)[0] if len(columns) == 1 else group
        sizes = np.bincount(group[present], minlength=int(group.max(initial=-1)) + 1)
        out[f"small_{number}"] = pa.array(present & (sizes[group] <= int(settings.max_block_size)))
    return out


class _Coded:
    """Both unit frames as integer codes into per-field dictionaries, ready for DuckDB.

    The Salesforce side comes coded (`SalesforceCodes`, built once per run); the WhatConverts
    values are looked up in its dictionaries, new ones appended. Codes only ever meet in equality
    tests and lookups, so which number a value gets changes nothing.
    """

    def __init__(
        self, wc: pd.DataFrame, sf: pd.DataFrame, settings: ModelSettings, side: SalesforceCodes | None = None
    ) -> None:
        side = side if side is not None else SalesforceCodes(sf, settings)
        if side.n != len(sf):
            raise ValueError(f"Salesforce codes for {side.n} units, not the {len(sf)} given")
        self.wc: dict[str, pa.Array] = {"pos": pa.array(np.arange(len(wc), dtype=np.int64))}
        self.sf = side.with_blocks(settings)
        self.vocabs: dict[str, pa.Table] = {}
        self.empty: dict[str, int] = {}  # per dictionary: the code of "" (present in blocking, absent in levels)
        self.side = side
        self.new: dict[str, np.ndarray] = {}  # per dictionary: the values Salesforce lacks, coded after its own
        for vocab, names in _vocab_groups().items():
            codes, new = _extend(side.lookup(vocab), np.concatenate([_values(wc, name) for name in names]))
            self.new[vocab] = new
            self.empty[vocab] = self._code_of_empty(vocab)
            for i, name in enumerate(names):
                self.wc[f"{name}_c"] = pa.array(codes[i * len(wc) : (i + 1) * len(wc)].astype(np.int32))
            self.vocabs[vocab] = self._vocab_table(side, vocab, new, _level_kinds(settings, vocab))
        for key, make in _derived_keys(settings).items():
            codes, _ = _extend(side.lookup(key), make(wc))
            self.wc[f"{key}_c"] = pa.array(codes.astype(np.int32))

    def _code_of_empty(self, vocab: str) -> int:
        """The code of "" in a dictionary, -2 where it holds none."""
        for offset, values in ((0, self.side.uniques[vocab]), (len(self.side.uniques[vocab]), self.new[vocab])):
            empty = np.flatnonzero(values == "")
            if len(empty):
                return offset + int(empty[0])
        return -2

    @staticmethod
    def _vocab_table(side: SalesforceCodes, vocab: str, new: np.ndarray, kinds: set[str]) -> pa.Table:
        size = len(side.uniques[vocab]) + len(new)
        cols: dict[str, pa.Array] = {
            "code": pa.array(np.arange(size, dtype=np.int32)),
            "value": pa.concat_arrays([side.text(vocab), pa.array(new, type=pa.string())]),
        }
        added = _vocab_columns(new, kinds)
        for name, values in side.columns[vocab].items():
            cols[name] = pa.concat_arrays([values, pa.array(added[name], type=_COLUMN_TYPES[name])])
        return pa.table(cols)

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        con.register("wc", pa.table(self.wc))
        con.register("sf", pa.table(self.sf))
        for vocab, table in self.vocabs.items():
            con.register(f"v_{vocab}", table)

    def code_of(self, vocab: str, values: pd.Index) -> np.ndarray:
        """Codes of `values` in a dictionary (MISSING where the value is in neither system)."""
        codes = self.side.lookup(vocab).get_indexer(values)
        unseen = np.flatnonzero(codes < 0)
        if len(unseen) and len(self.new[vocab]):
            found = pd.Index(self.new[vocab]).get_indexer(values[unseen])
            codes[unseen] = np.where(found >= 0, found + len(self.side.uniques[vocab]), MISSING)
        return codes


def _values(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame or frame[name] is None:
        return np.full(len(frame), None, dtype=object)
    values = frame[name].to_numpy(dtype=object)
    out = values.copy()  # what np.where(notna, values, None) gives, in a form mypy can type
    out[~np.asarray(pd.notna(values), dtype=bool)] = None
    return out


def _rule_keys(rule: tuple[str, ...]) -> list[tuple[str, str]]:
    """(WhatConverts column, Salesforce column) pairs a rule joins on."""
    pairs = []
    for key in rule:
        if key == "swapped":
            pairs += [("first_c", "last_c"), ("last_c", "first_c")]
        elif key == "last_phonetic":
            pairs.append(("last_mp_c", "last_mp_c"))
        else:
            pairs.append((f"{key}_c", f"{key}_c"))
    return pairs


def blocked(
    wc: pd.DataFrame, sf: pd.DataFrame, settings: ModelSettings, side: SalesforceCodes | None = None
) -> pd.DataFrame:
    """Candidate pairs (wc, sf positions) and `rules`, the bitmask of blocking rules that found each.

    Ordered as the pandas `block` orders them: by the first rule that found the pair, then wc, then sf.
    """
    if not settings.blocking or wc.empty or sf.empty:
        return pd.DataFrame({"wc": [], "sf": [], "rules": []}, dtype=np.int64)
    with own_database() as con:
        _Coded(wc, sf, settings, side).register(con)
        found = _blocked(con, settings, len(sf)).order("first_rule, wc, sf").df()
    return found[["wc", "sf", "rules"]]


def blocked_sample(
    wc: pd.DataFrame, sf: pd.DataFrame, settings: ModelSettings, n: int, seed: int, side: SalesforceCodes | None = None
) -> tuple[pd.DataFrame, int]:
    """`blocked(...).sample(n, random_state=seed)` (all of them when there are at most n) and how many were
    blocked, without bringing every blocked pair into pandas: the same positions, drawn by the same RNG."""
    if not settings.blocking or wc.empty or sf.empty:
        return blocked(wc, sf, settings, side), 0
    with own_database() as con:
        _Coded(wc, sf, settings, side).register(con)
        con.sql(
            "CREATE TEMP TABLE b AS SELECT row_number() OVER (ORDER BY first_rule, wc, sf) - 1 AS i, wc, sf, rules "
            f"FROM ({_blocked(con, settings, len(sf)).sql_query()})"
        )
        total = int(con.sql("SELECT count(*) FROM b").fetchall()[0][0])
        if total <= n:
            return con.sql("SELECT wc, sf, rules FROM b ORDER BY i").df(), total
        picks = np.random.RandomState(seed).choice(total, size=n, replace=False).astype(np.int64)
        con.register("picks", pa.table({"k": pa.array(np.arange(n, dtype=np.int64)), "i": pa.array(picks)}))
        return con.sql("SELECT b.wc, b.sf, b.rules FROM picks JOIN b USING (i) ORDER BY picks.k").df(), total


def _blocked(con: duckdb.DuckDBPyConnection, settings: ModelSettings, n_sf: int) -> duckdb.DuckDBPyRelation:
    """(wc, sf, rules, first_rule) per distinct blocked pair; grouped on one integer `wc * n_sf + sf` (a
    one-column hash group, faster than two at millions of pairs), then split back into the two positions."""
    parts = []
    width = max(int(n_sf), 1)
    for number, rule in enumerate(settings.blocking):
        keys = _rule_keys(rule)
        sf_cols = ", ".join(dict.fromkeys(s for _, s in keys))
        on = " AND ".join(f"w.{w} = s.{s}" for w, s in keys)
        parts.append(
            f"SELECT w.pos * {width} + s.pos AS pair, {number} AS rule FROM wc w JOIN ("
            f"SELECT pos, {sf_cols} FROM sf WHERE small_{number}) s ON {on}"
        )
    union = " UNION ALL ".join(parts)
    return con.sql(
        f"SELECT pair // {width} AS wc, pair % {width} AS sf, rules, first_rule FROM ("
        f"SELECT pair, bit_or(1::BIGINT << rule) AS rules, min(rule) AS first_rule FROM ({union}) GROUP BY pair)"
    )


def _level_sql(level: Level) -> str:
    """The SQL test of one level on values x.value, y.value of a distinct value pair."""
    a, b = "x.value", "y.value"
    if level.kind == "exact":
        return f"{a} = {b}"
    if level.kind == "nickname":  # `first_names_strictly_agree` over the names' variant and canonical sets
        short = f"CASE WHEN length({a}) <= length({b}) THEN {a} ELSE {b} END"
        long = f"CASE WHEN length({a}) <= length({b}) THEN {b} ELSE {a} END"
        longer = (
            f"CASE WHEN length({a}) <= length({b}) THEN list_concat(y.var, y.can) ELSE list_concat(x.var, x.can) END"
        )
        shorter = (
            f"CASE WHEN length({a}) <= length({b}) THEN list_concat(x.var, x.can) ELSE list_concat(y.var, y.can) END"
        )
        return (
            f"(length({a}) > 1 AND length({b}) > 1 AND ({a} = {b} OR list_contains(x.var, {b}) "
            f"OR list_contains(y.var, {a}) OR list_has_any(x.can, y.can) "
            f"OR len(list_filter({longer}, lambda v: starts_with(v, {short}))) > 0 "
            f"OR (length({long}) >= {CUT_NAME_MIN} "
            f"AND len(list_filter({shorter}, lambda v: starts_with(v, {long}))) > 0)))"
        )
    if level.kind == "damerau":
        k = int(level.threshold)
        return f"(least(length({a}), length({b})) > 2 AND damerau_levenshtein({a}, {b}) <= {k})"
    if level.kind == "jaro_winkler":
        return f"jaro_winkler_similarity({a}, {b}) >= '{float(level.threshold) - JW_EPSILON!r}'::DOUBLE"
    if level.kind == "phonetic":
        return f"(x.mp = y.mp AND least(length({a}), length({b})) > 2)"
    if level.kind == "initial":
        return f"((length({a}) = 1 OR length({b}) = 1) AND left({a}, 1) = left({b}, 1))"
    if level.kind == "prefix":
        return f"(starts_with({a}, {b}) OR starts_with({b}, {a}))"
    return "false"  # "swapped" is the implicit order comparison, never a field level


def _comparison_levels(con: duckdb.DuckDBPyConnection, comparison: Comparison) -> None:
    """Table `lv_<field>` (a, b, lv): the level of every distinct coded value pair of `al`."""
    name = comparison.field
    whens = " ".join(f"WHEN {_level_sql(level)} THEN {i}" for i, level in enumerate(comparison.levels, start=1))
    present = "x.value IS NOT NULL AND x.value <> '' AND y.value IS NOT NULL AND y.value <> ''"
    con.sql(
        f"CREATE OR REPLACE TEMP TABLE lv_{name} AS SELECT d.a, d.b, CAST(CASE WHEN NOT ({present}) THEN 0 "
        f"{whens} ELSE {len(comparison.levels) + 1} END AS TINYINT) AS lv "
        f"FROM (SELECT DISTINCT a_{name} AS a, b_{name} AS b FROM al) d "
        f"LEFT JOIN v_{_vocab(name)} x ON x.code = d.a LEFT JOIN v_{_vocab(name)} y ON y.code = d.b"
    )


def _align(con: duckdb.DuckDBPyConnection, coded: _Coded, pairs: str, carry: tuple[str, ...] = ()) -> None:
    """Table `al`: each pair's coded values, wc first and last names swapped where that fits clearly better;
    `carry`: columns of `pairs` kept as they are (so the scoring never joins the pairs back)."""
    empty = coded.empty["name"]

    def present(col: str) -> str:
        return f"({col} <> {MISSING} AND {col} <> {empty})"

    sw = (
        f"{present('w.first_c')} AND {present('w.last_c')} AND w.first_c = s.last_c AND w.last_c = s.first_c "
        "AND w.first_c <> s.first_c"
    )
    cols = [f"p.i AS i, {sw} AS swapped", *(f"p.{c} AS {c}" for c in carry)]
    for name in _TEXT:
        if name in ("first", "last"):
            other = "last" if name == "first" else "first"
            cols.append(f"CASE WHEN {sw} THEN w.{other}_c ELSE w.{name}_c END AS a_{name}")
        else:
            cols.append(f"w.{name}_c AS a_{name}")
        cols.append(f"s.{name}_c AS b_{name}")
    con.sql(
        f"CREATE OR REPLACE TEMP TABLE al AS SELECT {', '.join(cols)} "
        f"FROM {pairs} p JOIN wc w ON w.pos = p.wc JOIN sf s ON s.pos = p.sf"
    )


def _levels(
    con: duckdb.DuckDBPyConnection, settings: ModelSettings, coded: _Coded, pairs: str, carry: tuple[str, ...] = ()
) -> str:
    """Build `al` and the level tables; return the SELECT of (i, carry..., lv_<field>..., lv_order, b_<field>...)."""
    _align(con, coded, pairs, carry)
    cols, joins = ["al.i", *(f"al.{c}" for c in carry)], []
    for comparison in settings.comparisons:
        name = comparison.field
        _comparison_levels(con, comparison)
        joins.append(f"JOIN lv_{name} ON lv_{name}.a = al.a_{name} AND lv_{name}.b = al.b_{name}")
        cols.append(f"lv_{name}.lv AS lv_{name}")
    cols.append(f"CAST(CASE WHEN al.swapped THEN 1 ELSE 2 END AS TINYINT) AS lv_{SWAP}")
    cols += [f"al.b_{c.field} AS b_{c.field}" for c in settings.comparisons]
    return f"SELECT {', '.join(cols)} FROM al {' '.join(joins)}"


def compare_levels(
    wc: pd.DataFrame,
    sf: pd.DataFrame,
    pairs: pd.DataFrame,
    settings: ModelSettings,
    side: SalesforceCodes | None = None,
) -> Compared:
    """Levels of every comparison for `pairs`, as `fellegi_sunter.compare` gives them (without `values`)."""
    frame = pa.table(
        {
            "i": pa.array(np.arange(len(pairs), dtype=np.int64)),
            "wc": pa.array(pairs["wc"].to_numpy(np.int64)),
            "sf": pa.array(pairs["sf"].to_numpy(np.int64)),
        }
    )
    with own_database() as con:
        coded = _Coded(wc, sf, settings, side)
        coded.register(con)
        con.register("pairs", frame)
        got = con.sql(f"{_levels(con, settings, coded, 'pairs')} ORDER BY al.i").fetchnumpy()
    levels = {c.field: np.asarray(got[f"lv_{c.field}"], dtype=np.int8) for c in settings.comparisons}
    levels[SWAP] = np.asarray(got[f"lv_{SWAP}"], dtype=np.int8)
    return Compared(pairs[["wc", "sf"]].reset_index(drop=True), levels, {})


def score(
    wc: pd.DataFrame,
    sf: pd.DataFrame,
    settings: ModelSettings,
    weights: Weights,
    tf: dict[str, pd.Series],
    side: SalesforceCodes | None = None,
    min_weight: float | None = None,
) -> pd.DataFrame:
    """Every blocked pair with its levels (`lv_<field>`), weights (`c_prior`, `c_<field>`) and `weight`.

    The same frame `fellegi_sunter.score_pairs` builds with pandas, in the same row order; with
    `min_weight`, only the pairs weighing at least that much (the others never reach the decisions:
    filtered here, in DuckDB, they never cross into pandas).
    """
    tables = weight_tables(weights, settings, tf)
    prior = float(np.log2(weights.prior / (1 - weights.prior)))
    with own_database() as con:
        coded = _Coded(wc, sf, settings, side)
        coded.register(con)
        # pairs are numbered as they come (`rowid`); only the ones kept are put in blocking order, at the end
        if not settings.blocking or wc.empty or sf.empty:
            con.sql("CREATE TEMP TABLE found AS SELECT 0::BIGINT AS wc, 0::BIGINT AS sf, 0 AS first_rule LIMIT 0")
        else:
            blocked_sql = _blocked(con, settings, len(sf)).sql_query()
            con.sql(f"CREATE TEMP TABLE found AS SELECT wc, sf, first_rule FROM ({blocked_sql})")
        con.sql("CREATE TEMP VIEW pairs AS SELECT rowid AS i, wc, sf, first_rule FROM found")
        params: list[object] = [prior]
        terms, joins = ["$1::DOUBLE AS c_prior"], []
        for name, (factors, deltas) in tables.items():
            params.append([float(x) for x in factors])
            contrib = f"list_extract(${len(params)}::DOUBLE[], lv_{name} + 1)"
            if deltas is not None:  # frequency-adjusted exact agreements, looked up by the Salesforce value's code
                codes = coded.code_of(_vocab(name), pd.Index(deltas.index.astype(object)))
                keep = codes >= 0
                con.register(
                    f"tf_{name}",
                    pa.table({"code": pa.array(codes[keep].astype(np.int32)), "delta": deltas.to_numpy()[keep]}),
                )
                joins.append(f"LEFT JOIN tf_{name} ON l.lv_{name} = 1 AND tf_{name}.code = l.b_{name}")
                contrib = f"{contrib} + coalesce(tf_{name}.delta, 0.0)"
            terms.append(f"{contrib} AS c_{name}")
        weight = " + ".join(["c_prior", *(f"c_{name}" for name in tables)])
        carried = ("wc", "sf", "first_rule")  # through `al`: the pairs are never joined back
        levels = _levels(con, settings, coded, "pairs", carried)
        sql = (
            f"WITH l AS ({levels}), "
            f"c AS (SELECT l.i, l.wc, l.sf, l.first_rule, {', '.join(f'lv_{n}' for n in tables)}, {', '.join(terms)} "
            f"FROM l {' '.join(joins)}), "
            f"w AS (SELECT c.i, c.wc, c.sf, c.first_rule, c.* EXCLUDE (i, wc, sf, first_rule), {weight} AS weight "
            "FROM c) "
        )
        where = ""
        if min_weight is not None:
            params.append(float(min_weight))
            where = f"WHERE weight >= ${len(params)}::DOUBLE "
        order = "ORDER BY first_rule, wc, sf"  # the order `fellegi_sunter.block` finds pairs in
        return con.execute(f"{sql}SELECT * EXCLUDE (i, first_rule) FROM w {where}{order}", params).df()
