"""Person names: folded for comparison, split into first/last, read from caller-ID strings.

Caller-ID names (CNAM) arrive upper-case, surname first and truncated (`WHITFIELD D`,
`WHITFIELD DANA`); carriers also send placeholders (`WIRELESS CALLER`) and the caller's
city (`CHARLOTTE NC`), which are not names. Decision: an all-upper-case caller name is read
surname-first; a mixed-case one (some carriers send `Dana Whitfield`) first-name-first.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from jellyfish import metaphone
from nameparser import HumanName
from nicknames import NickNamer
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler
from unidecode import unidecode

from ..tables.frames import isin
from . import textvec as tv
from .place_match import CALLER_ID_LENGTH, CUT_MIN, places_ascii

_GENERIC = frozenset(
    "wireless caller unknown unavailable private anonymous restricted blocked toll free cell "
    "phone mobile name number out area of verizon att tmobile sprint mobility cellular "
    "telephone call voip spam likely scam potential".split()
)
_STATES = frozenset(
    "ak az ar ca co ct de fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm ny "
    "nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy dc on bc ab qc mb sk ns nb nl pe".split()
)  # "al" (Alabama) left out: it is also a first name
# with the US territories' codes: carriers name a rate centre with them (`NGUYENTON PR`, `TARABURGH PW`,
# `PORTERBURGH AS`) in caller IDs as in names a rep copied from one. Decision: a caller ID's last word is its
# first name only when it is no state or territory code (`as`, `fm` are no one's first name; `al` is one)
_REGIONS = _STATES | frozenset("pr vi gu as mp pw fm mh".split())
_BUSINESS = frozenset("llc inc corp co ltd company plumbing services group lp pllc pc".split())
_TITLES = frozenset("mr mrs ms miss dr prof sir rev".split())
_SUFFIXES = frozenset("jr sr ii iii iv phd md esq dds".split())
_NICKNAMES = NickNamer()


@lru_cache(maxsize=200_000)
def fold_one(text: str) -> str:
    """Lower-case ASCII letters and single spaces: `José O'Brien-Díaz` -> `jose obrien diaz`."""
    ascii_text = unidecode(text).lower().replace("'", "").replace(".", " ")
    cleaned = "".join(ch if ch.isalpha() else " " for ch in ascii_text)
    return " ".join(cleaned.split())


def _map_unique(values: pd.Series, func) -> pd.Series:
    text = values.astype("str")
    uniques = text.dropna().unique()
    mapping = dict(zip(uniques, map(func, uniques), strict=True))
    return text.map(mapping)


def fold_names(values: pd.Series) -> pd.Series:
    """Fold every value (case, accents, punctuation); empty results become null."""
    return tv.to_series(tv.fold(tv.to_arrow(values)), values.index)


def _split_free(text: str) -> tuple[str | None, str | None]:
    folded = fold_one(text)
    tokens = folded.split()
    if not tokens:
        return None, None
    simple = "," not in text and len(tokens) <= 3 and not (_TITLES & set(tokens) or _SUFFIXES & set(tokens))
    if not simple:  # titles, suffixes, "Last, First", long names: let nameparser decide
        human = HumanName(unidecode(text))
        first, last = fold_one(human.first), fold_one(human.last)
        return first or None, last or None
    if len(tokens) == 1:
        return tokens[0], None
    words = text.split()  # keep hyphenated surnames whole: Smith-Jones -> "smith jones"
    return fold_one(words[0]) or tokens[0], fold_one(words[-1]) or tokens[-1]


def _first_last(values: pd.Series, first, last, hard: np.ndarray, one_by_one) -> pd.DataFrame:
    """(first, last) from vectorized results, with the `hard` rows read by `one_by_one` per distinct value."""
    out = pd.DataFrame(
        {"first": tv.to_series(first, values.index), "last": tv.to_series(last, values.index)}, index=values.index
    )
    if hard.any():
        pairs = _map_unique(values[hard], one_by_one)
        out.loc[hard, "first"] = pairs.map(lambda p: p[0] if isinstance(p, tuple) else None)
        out.loc[hard, "last"] = pairs.map(lambda p: p[1] if isinstance(p, tuple) else None)
    return out.astype("str")


def split_person_names(values: pd.Series) -> pd.DataFrame:
    """Free-text full names (`contact_name`, typed into forms) -> folded (first, last).

    Simple names (up to three words, no comma, title or suffix) are split by pyarrow kernels:
    first word, and the last word folded whole so `Smith-Jones` stays one surname. The rest
    (`Garcia, Maria`, `Dr. Ann O'Brien Jr.`) goes to nameparser, once per distinct value.
    """
    raw = tv.to_arrow(values)
    folded = tv.fold(raw)
    n_words = pc.fill_null(pc.list_value_length(pc.split_pattern(folded, " ")), 0).to_numpy(zero_copy_only=False)
    empty = pc.fill_null(pc.equal(folded, ""), True).to_numpy(zero_copy_only=False)
    hard = ~empty & (tv.matches(raw, ",") | (n_words > 3) | tv.matches(folded, tv.word_regex(_TITLES | _SUFFIXES)))
    trimmed = pc.utf8_trim_whitespace(raw)
    first = tv.fold(tv.group(trimmed, r"^(?P<w>\S+)", "w"))  # whole first word: Mary-Kate -> "mary kate"
    first = pc.if_else(pc.equal(first, ""), tv.group(folded, r"^(?P<w>[a-z]+)", "w"), first)
    last = tv.fold(tv.group(trimmed, r"(?P<w>\S+)$", "w"))
    last = pc.if_else(pc.equal(last, ""), tv.group(folded, r"(?P<w>[a-z]+)$", "w"), last)
    last = pc.if_else(pa.array(n_words > 1), last, pa.nulls(len(raw), pa.string()))
    return _first_last(values, first, last, hard, _split_free)


def _caller_one(text: str) -> tuple[str | None, str | None, str]:
    folded = fold_one(text.replace(",", " , "))
    tokens = folded.split()
    if not tokens:
        return None, None, "empty"
    if set(tokens) & _GENERIC:
        return None, None, "generic"
    if len(tokens) >= 2 and tokens[-1] in _REGIONS:
        return None, None, "city"
    if set(tokens) & _BUSINESS:
        return None, None, "business"
    if "," in text:
        last, _, rest = text.partition(",")
        rest_tokens = fold_one(rest).split()
        return (rest_tokens[0] if rest_tokens else None), (fold_one(last) or None), "name"
    if len(tokens) == 1:  # one word: a place (MANCHESTER) as often as a surname
        return None, None, "single"
    if text.upper() == text:  # CNAM style: SURNAME FIRST, the surname possibly several words
        return tokens[-1], " ".join(tokens[:-1]), "name"
    return tokens[0], tokens[-1], "name"


def _place_like(caller: str, city: str | None) -> bool:
    """A caller ID that spells the caller's own city: whole (a state or territory code may follow,
    perhaps cut: `ANDERSONMOUTH W`, `TARABURGH PW`), or cut at 15 characters (`EAST JENNIFERMO`).

    `MILLER JO` in Millersburg is a person: a prefix counts only when the caller ID was cut.
    """
    if not city:
        return False
    place = fold_one(city).replace(" ", "")
    tokens = fold_one(caller).split()
    whole = "".join(tokens)
    if whole == place or (len(tokens) > 1 and len(tokens[-1]) <= 2 and "".join(tokens[:-1]) == place):
        return True
    return len(caller.strip()) == CALLER_ID_LENGTH and len(whole) >= CUT_MIN and place.startswith(whole)


def caller_names_as_places(caller: pd.Series, city: pd.Series) -> pd.Series:
    """True where a caller-ID name is the caller's place, not a person (issue 11 item 1).

    Carriers cut CNAM at 15 characters (`EAST JENNIFERMO` for East Jennifermouth), add a state or
    territory code (`TARABURGH PW`, `ANDERSONMOUTH W` with the state cut), and the lead's own
    `city`/`caller_city` says which place it is. Only all-upper-case caller IDs are read this way.
    """
    out = pd.Series(False, index=caller.index)
    upper = caller.notna() & (caller.astype("str").str.upper() == caller.astype("str"))
    if not upper.any():
        return out
    callers = tv.to_arrow(caller[upper])
    cities = tv.to_arrow(city[upper].astype("str"))
    ascii_pair = _bools(pc.and_(pc.string_is_ascii(callers), pc.fill_null(pc.string_is_ascii(cities), True)))
    place = np.zeros(len(callers), dtype=bool)
    place[ascii_pair] = places_ascii(callers.filter(pa.array(ascii_pair)), cities.filter(pa.array(ascii_pair)))
    if not ascii_pair.all():  # accents and other scripts: folded by `_place_like` (unidecode), per distinct pair
        rest = ~ascii_pair
        pairs = pd.DataFrame({"caller": caller[upper][rest], "city": city[upper][rest].astype("object")})
        distinct = pairs.drop_duplicates()
        looked = distinct.assign(
            place=[
                _place_like(c, t if isinstance(t, str) else None)
                for c, t in zip(distinct["caller"], distinct["city"], strict=True)
            ]
        )
        place[rest] = pairs.merge(looked, on=["caller", "city"], how="left")["place"].fillna(False).to_numpy(bool)
    out[upper] = place
    return out


def _bools(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False)


def _shaped_like_caller_id(first: str | None, last: str) -> bool:
    """A folded record name that is a carrier's placeholder or a `TOWN ST` caller ID, not a person."""
    tokens = f"{first or ''} {last}".split()
    if tokens and set(tokens) <= _GENERIC:  # `Wireless Caller`, `Unknown`, `Private Caller`, either field
        return True
    # a rep who copied a caller ID puts it whole in the surname: only then is `<words> <state>` a town
    words = last.split()
    return first is None and len(words) >= 2 and (words[-1] in _REGIONS or bool(set(words) & _GENERIC))


def record_name_placeholders(first: pd.Series, last: pd.Series, city: pd.Series) -> pd.Series:
    """Per Salesforce record: `placeholder` where its folded name is no person's name (`Wireless Caller`,
    a rep-copied caller ID `Charlotte Nc`), `place` where a name typed whole into the surname spells the
    record's own city (`Margaretville N`, `East Jennifermo` cut at 15), else missing (issue 11 item 2).

    Decision: only a surname with no first name is read as a caller ID (`Mary Ma` is a person, though
    `ma` is a state code); a name made of placeholder words alone is one in either field.
    """
    out = pd.Series(None, index=last.index, dtype="str")
    # only a surname alone, or a first name that is itself a placeholder word, can be one
    has = last.notna() & (first.isna() | first.isin(_GENERIC))
    if not has.any():
        return out
    frame = pd.DataFrame({"first": first[has].astype(object), "last": last[has].astype(object)})
    frame = frame.where(frame.notna(), None)
    distinct = frame.drop_duplicates()
    shaped = [_shaped_like_caller_id(f, v) for f, v in zip(distinct["first"], distinct["last"], strict=True)]
    looked = distinct.assign(shaped=shaped)
    kind = pd.Series(
        frame.merge(looked, on=["first", "last"], how="left")["shaped"].to_numpy(bool), index=frame.index
    ).map({True: "placeholder", False: None})
    out[has] = kind
    lone = has & first.isna() & out.isna()
    if lone.any():
        place = caller_names_as_places(last[lone].astype("str").str.upper(), city[lone].astype("str"))
        out[place[place].index] = "place"
    return out


def spells_place(name: str, city: str | None) -> bool:
    """A folded name (typed whole into a surname) that spells `city`, whole, with a state code, or cut at 15."""
    return _place_like(name.upper(), city)


def parse_caller_names(values: pd.Series) -> pd.DataFrame:
    """Caller-ID names -> folded (first, last, kind); kind is name/generic/city/business/single/empty.

    The first name may be a single initial (`WHITFIELD D` -> first `d`). Vectorized with
    pyarrow; names with a comma (`GARCIA,MARIA`) are read one distinct value at a time.
    """
    raw = tv.to_arrow(values)
    folded = tv.fold(raw)
    present = pc.is_valid(raw).to_numpy(zero_copy_only=False)
    n_words = pc.fill_null(pc.list_value_length(pc.split_pattern(folded, " ")), 0).to_numpy(zero_copy_only=False)
    empty = present & pc.fill_null(pc.equal(folded, ""), True).to_numpy(zero_copy_only=False)
    generic = tv.matches(folded, tv.word_regex(_GENERIC))
    city = (n_words >= 2) & tv.matches(folded, r" (?:" + "|".join(sorted(_REGIONS)) + r")$")
    business = tv.matches(folded, tv.word_regex(_BUSINESS))
    comma = tv.matches(raw, ",")
    upper = pc.fill_null(pc.utf8_is_upper(raw), False).to_numpy(zero_copy_only=False)
    kind = np.select(
        [~present, empty, generic, city, business, n_words == 1],
        [np.array(None), "empty", "generic", "city", "business", "single"],
        default="name",
    ).astype(object)
    kind[~present] = None
    is_name = kind == "name"
    first_word = tv.group(folded, r"^(?P<w>[a-z]+)", "w")
    last_word = tv.group(folded, r"(?P<w>[a-z]+)$", "w")
    before_last = tv.group(folded, r"^(?P<w>.+) [a-z]+$", "w")
    cnam = pa.array(upper)
    first = pc.if_else(cnam, last_word, first_word)
    last = pc.if_else(cnam, before_last, last_word)
    out = pd.DataFrame(
        {"first": tv.to_series(first, values.index), "last": tv.to_series(last, values.index), "kind": kind},
        index=values.index,
    )
    out.loc[~is_name, ["first", "last"]] = None
    hard = is_name & comma
    if hard.any():
        triples = _map_unique(values[hard], _caller_one)
        for i, col in enumerate(("first", "last", "kind")):
            out.loc[hard, col] = triples.map(lambda t, i=i: t[i] if isinstance(t, tuple) else None)
    return out.astype({"first": "str", "last": "str", "kind": "str"})


def caller_other_reading(values: pd.Series, kind: pd.Series) -> pd.DataFrame:
    """The first-name-first reading (first, last, cut) of the caller IDs `parse_caller_names` read surname-first.

    Carriers mostly send `SURNAME FIRST`, but some send `FIRST SURNAME` (`MARK KELLEY`, cut at 15:
    `CHRISTOPHER MAR`) in the same upper case, so the order of an all-upper-case caller ID without a
    comma is not known from the text: matching reads it both ways and lets the candidate's names
    decide (`KELLEY M` ends in an initial: one reading only). `cut` says the caller ID was cut at
    15 characters, so the surname read last may be a prefix of the real one. Null where there is
    no other reading (a comma, mixed case, not a name).
    """
    raw = tv.to_arrow(values)
    folded = tv.fold(raw)
    upper = pc.fill_null(pc.utf8_is_upper(raw), False).to_numpy(zero_copy_only=False)
    either = (kind == "name").to_numpy() & upper & ~tv.matches(raw, ",") & ~tv.matches(folded, r" [a-z]$")
    first = tv.to_series(tv.group(folded, r"^(?P<w>[a-z]+) ", "w"), values.index)
    last = tv.to_series(tv.group(folded, r"^[a-z]+ (?P<w>.+)$", "w"), values.index)
    length = pd.Series(pc.utf8_length(pc.utf8_trim_whitespace(raw)).to_numpy(zero_copy_only=False), index=values.index)
    out = pd.DataFrame({"first": first.where(either), "last": last.where(either)}, index=values.index)
    out["cut"] = pd.Series(either, index=values.index) & length.eq(CALLER_ID_LENGTH).fillna(False)
    return out.astype({"first": "str", "last": "str", "cut": bool})


def _spelling_groups() -> dict[str, frozenset[str]]:
    """Full names of the `nicknames` list that are one spelling apart: the same metaphone code and one edit
    touching a consonant, and the same last letter (Catherine / Katherine, Kathleen / Cathleen, Allison / Alison;
    not Andrew / Andrea or Frances / Francis, another person's name). The list gives Kate to Katherine only;
    a person's nickname belongs to every spelling of their full name. Built once, over its ~1,150 full names."""
    full = sorted(_NICKNAMES.nickname_lookup)
    by_code: dict[str, list[str]] = {}
    for name in full:
        if len(name) >= 5:
            by_code.setdefault(metaphone(name), []).append(name)
    out: dict[str, set[str]] = {}
    for names in by_code.values():
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                if a[-1] == b[-1] and DamerauLevenshtein.distance(a, b) <= 1 and _consonant_edit(a, b):
                    out.setdefault(a, {a}).add(b)
                    out.setdefault(b, {b}).add(a)
    return {name: frozenset(group) for name, group in out.items()}


def _consonant_edit(a: str, b: str) -> bool:
    """The one edit between two names touches a consonant (Catherine / Katherine, Allison / Alison), not only a
    vowel, which makes another name as often (Frances / Francis, Jeanne / Joanne, Marian / Marion)."""
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    j = 1
    while j <= min(len(a), len(b)) - i and a[-j] == b[-j]:
        j += 1
    changed = set(a[i : len(a) - j + 1]) | set(b[i : len(b) - j + 1])
    return not changed <= set("aeiouy")


_SPELLINGS = _spelling_groups()


# common nicknames the `nicknames` package does not list (nickname -> full names)
_MORE_NICKNAMES = {"liv": frozenset({"olivia"})}
_MORE_FULL_NAMES = {full: frozenset({nick}) for nick, fulls in _MORE_NICKNAMES.items() for full in fulls}


@lru_cache(maxsize=100_000)
def _full_names_of(nickname: str) -> frozenset[str]:
    """The full names the list says `nickname` is short for, in every spelling (Kate: Katherine and Catherine).

    Cached: the email readings ask it for every typed first name, and a million leads hold a few thousand."""
    canonicals = _NICKNAMES.canonicals_of(nickname) | _MORE_NICKNAMES.get(nickname, frozenset())
    return frozenset().union(canonicals, *(_SPELLINGS.get(c, ()) for c in canonicals))


@lru_cache(maxsize=100_000)
def _variants(name: str) -> frozenset[str]:
    return frozenset({name} | _NICKNAMES.nicknames_of(name) | _MORE_FULL_NAMES.get(name, set()) | _full_names_of(name))


@lru_cache(maxsize=500_000)
def first_name_score(a: str, b: str) -> float:
    """Agreement of two folded first names in [0, 1]: 1 when they strictly agree; else Jaro-Winkler (0 for initials)."""
    if first_names_strictly_agree(a, b):
        return 1.0
    if min(len(a), len(b)) == 1:
        return 0.0
    return JaroWinkler.similarity(a, b)


CUT_NAME_MIN = 4  # a name this long or longer may be a cut full name (`eliz`); shorter ones are nicknames or initials


@lru_cache(maxsize=500_000)
def first_names_strictly_agree(a: str, b: str) -> bool:
    """Equal, nicknames of each other or of one name, or one a prefix of the other or of its nicknames.

    Prefixes cover initials (`D`) and caller IDs cut at 15 characters (`PATRI` for Patty or
    Patricia; `ELIZ` for the Elizabeth whom Beth is short for). A nickname stands for every spelling
    of its full names (Kate: Katherine and Catherine). There is no other spelling tolerance: Dana is
    not Diana, Mark is not Mary.
    """
    variants_a, canonicals_a, starts_a = _forms(a)
    variants_b, canonicals_b, starts_b = _forms(b)
    if a == b or b in variants_a or a in variants_b or not canonicals_a.isdisjoint(canonicals_b):
        return True
    if len(a) > len(b):  # the shorter name first (of two as long, `a`), as `sorted((a, b), key=len)`
        a, b, starts_a, starts_b = b, a, starts_b, starts_a
    if a in starts_b:  # the shorter the start of a variant of the longer
        return True
    # a caller ID cut the full name a nickname is short for: `ELIZ` / `ELIZABET` and Beth, `CHRISTIN` and Tina
    return len(b) >= CUT_NAME_MIN and b in starts_a


@lru_cache(maxsize=100_000)
def _forms(name: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(variants, canonicals, starts) of a name; starts: every prefix of every variant (its canonicals are among
    them), the empty one and whole ones included, so a prefix test is one set lookup (a loop over the variants
    per pair was 1.5 s at 1M)."""
    variants = _variants(name)
    return variants, _canonicals(name), frozenset(v[:k] for v in variants for k in range(len(v) + 1))


@lru_cache(maxsize=100_000)
def _canonicals(name: str) -> frozenset[str]:
    """Full names a name is short for, in each spelling, and the name itself (Beth and Liz both give elizabeth)."""
    return _full_names_of(name) | {name}


def nickname_forms(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """(variants, canonicals) of a name as `first_names_strictly_agree` reads them (for set-based SQL tests)."""
    return _variants(name), _canonicals(name)


def account_name_counts(leads: pd.DataFrame, people: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(times each word is a first name, times it is a surname) in this account's Salesforce records and
    typed WhatConverts names (`n_first`/`n_last`; caller IDs left out: their order is not known)."""
    typed = leads["n_name_source"] == "typed"
    firsts = pd.concat([people["n_first"], leads.loc[typed, "n_first"]])
    lasts = pd.concat([people["n_last"], leads.loc[typed, "n_last"]])
    return firsts.value_counts(), lasts.value_counts()


def written_backwards(
    first: pd.Series, last: pd.Series, counts: tuple[pd.Series, pd.Series], own_votes: int = 0
) -> np.ndarray:
    """Names whose order the account's own records call backwards: the first word is more often a surname
    there and the last word more often a first name (`Olson Lauren`, a Lead first `Mendez`, last `Randy`).
    `own_votes=1` when `counts` include the names asked about: each name's own vote is taken out."""
    as_first, as_last = counts
    surname_first = tv.counts_of(first, as_last) > tv.counts_of(first, as_first) - own_votes
    given_last = tv.counts_of(last, as_first) > tv.counts_of(last, as_last) - own_votes
    return surname_first & given_last & first.str.len().gt(1).to_numpy(bool) & last.notna().to_numpy(bool)


def caller_ids_first_name_first(leads: pd.DataFrame, people: pd.DataFrame) -> np.ndarray:
    """Caller IDs read surname-first (`n_first`/`n_last`) whose other reading, FIRST SURNAME (`n_first_alt`/
    `n_last_alt`), this account's own names back: the word read as surname is mostly a first name here and the
    word read as first name mostly a surname or, the caller ID cut at 15, the start of one and no first name
    (`NOAH FLORES`; `VIRGINIA STEWAR` beside Stewarts). Those are read first-name-first everywhere (blocks, the
    model, the create's name), the surname-first reading kept as the other one."""
    if "n_first_alt" not in leads.columns:
        return np.zeros(len(leads), dtype=bool)
    either = ((leads["n_name_source"] == "caller") & leads["n_first_alt"].notna() & leads["n_last"].notna()).to_numpy()
    if not either.any():
        return either
    counts = account_name_counts(leads, people)
    backwards = written_backwards(leads["n_first"], leads["n_last"], counts)
    cut = either & ~backwards & leads["n_caller_cut"].fillna(False).astype(bool).to_numpy()
    if cut.any():
        as_first, as_last = counts
        given_last = tv.counts_of(leads["n_last"], as_first) > tv.counts_of(leads["n_last"], as_last)
        stub = leads["n_first"].where(pd.Series(cut & given_last, index=leads.index))
        no_first = tv.counts_of(stub, as_first) == 0
        surnames = np.sort(as_last[as_last > as_first.reindex(as_last.index).fillna(0)].index.astype(str).to_numpy())
        cut &= given_last & no_first & _starts_some(stub, surnames)
    return either & (backwards | cut)


_TOWN_ENDINGS = ("ville", "mouth", "burgh")
_TOWN_PREFIXES = frozenset("north south east west port lake new mount fort".split())


def cut_place_caller_ids(leads: pd.DataFrame, people: pd.DataFrame) -> np.ndarray:
    """Caller IDs read as a name that are a town whose state code the 15-character cut took (`ISABELLAVILLE V`,
    `NORTH PETERSON`): 14 or 15 characters, with a word ending like a town (-ville, -mouth, -burgh) or
    starting with a town's prefix word (North, Port, ...) that this account never has as anyone's name."""
    out = np.zeros(len(leads), dtype=bool)
    if "caller_name" not in leads.columns:
        return out
    caller = leads["caller_name"].astype("str")
    named = ((leads["n_name_source"] == "caller") & caller.str.strip().str.len().ge(CALLER_ID_LENGTH - 1)).fillna(False)
    named &= (caller.str.upper() == caller).fillna(False)
    if not named.any():
        return out
    as_first, as_last = account_name_counts(leads, people)
    known = set(as_first.index) | set(as_last.index)
    distinct = caller[named].unique()
    words = {c: fold_one(c).split() for c in distinct}
    place = {
        c: any(
            (w.endswith(_TOWN_ENDINGS) and len(w) >= 8 and w not in known)
            or (i == 0 and len(ws) == 2 and w in _TOWN_PREFIXES and w not in known)
            for i, w in enumerate(ws)
        )
        for c, ws in words.items()
    }
    return named.to_numpy(bool) & isin(caller, [c for c, is_place in place.items() if is_place])


def _starts_some(stubs: pd.Series, words: np.ndarray) -> np.ndarray:
    """Per stub (at least `CUT_NAME_MIN` letters): the start of some longer word of the sorted `words`.
    By binary search: the first word after the stub starts with it iff it sorts before stub + U+FFFF."""
    out = np.zeros(len(stubs), dtype=bool)
    present = np.flatnonzero(stubs.notna().to_numpy(bool))  # a missing stub starts nothing: only the others
    if not len(words) or not len(present):
        return out
    text = stubs.iloc[present].astype(str).to_numpy(dtype="U")
    after = np.searchsorted(words, text, side="right")  # the first word > stub (a longer one it starts)
    found = words[np.minimum(after, len(words) - 1)].astype("U")
    starts = (after < len(words)) & (found > text) & (found < np.char.add(text, "\uffff"))
    out[present] = starts & (np.char.str_len(text) >= CUT_NAME_MIN)
    return out


def full_names_of(name: str) -> frozenset[str]:
    """The full names a (folded) nickname is short for, in every spelling: Greg -> gregory."""
    return _full_names_of(name)


def is_full_form_of(full: str, nickname: str) -> bool:
    """`full` is a name `nickname` is short for (william for bill), by the `nicknames` package."""
    return full in _canonicals(nickname) or nickname in _variants(full)


def first_name_scores(a: pd.Series, b: pd.Series) -> pd.Series:
    """Pairwise `first_name_score`; NaN where either side is missing."""
    out = np.full(len(a), np.nan)
    av, bv = a.to_numpy(dtype=object), b.to_numpy(dtype=object)
    both = pd.notna(av) & pd.notna(bv)
    same = both.copy()  # equal names agree (score 1): only the others need a look
    same[both] = av[both] == bv[both]
    out[same] = 1.0
    rest = both & ~same
    out[rest] = [first_name_score(x, y) for x, y in zip(av[rest], bv[rest], strict=True)]
    return pd.Series(out, index=a.index)


def last_name_scores(a: pd.Series, b: pd.Series) -> pd.Series:
    """Pairwise Jaro-Winkler of folded surnames (hyphenated parts compared too); NaN if missing."""
    out = np.full(len(a), np.nan)
    av, bv = a.to_numpy(dtype=object), b.to_numpy(dtype=object)
    both = pd.notna(av) & pd.notna(bv)
    same = both.copy()  # equal surnames score 1 (`last_name_score`'s own first test)
    same[both] = av[both] == bv[both]
    out[same] = 1.0
    rest = both & ~same
    out[rest] = [last_name_score(x, y) for x, y in zip(av[rest], bv[rest], strict=True)]
    return pd.Series(out, index=a.index)


@lru_cache(maxsize=500_000)
def last_name_score(a: str, b: str) -> float:
    """Jaro-Winkler of folded surnames; 1.0 when multi-word surnames share a word (Smith-Jones, Jones)."""
    if a == b:
        return 1.0
    best = JaroWinkler.similarity(a, b)
    pa_, pb_ = set(a.split()), set(b.split())
    if len(pa_) > 1 or len(pb_) > 1:
        best = max(best, 1.0 if pa_ & pb_ else 0.0)
    return best


def _display_one(text: str) -> tuple[str | None, str | None]:
    """Display-cased first and last name from a typed full name, keeping accents."""
    raw = " ".join(text.split())
    tokens = raw.replace(",", " , ").split()
    folded = set(fold_one(raw).split())
    if "," in raw or len(tokens) > 3 or folded & (_TITLES | _SUFFIXES):
        human = HumanName(raw)
        first, last = human.first or None, human.last or None
    else:
        first = tokens[0] if tokens else None
        last = tokens[-1] if len(tokens) > 1 else None
    if raw.islower() or raw.isupper():
        first, last = (first.title() if first else None), (last.title() if last else None)
    return first, last


def display_names(values: pd.Series) -> pd.DataFrame:
    """Typed full names -> (first, last) as a person would write them (`dana whitfield` -> Dana, Whitfield).

    Simple names (up to three words, no comma, title or suffix) are split by pyarrow kernels;
    the rest goes through nameparser once per distinct value.
    """
    raw = pc.utf8_trim_whitespace(tv.to_arrow(values))
    folded = tv.fold(raw)
    n_words = pc.fill_null(pc.list_value_length(pc.split_pattern_regex(raw, r"\s+")), 0).to_numpy(zero_copy_only=False)
    empty = pc.fill_null(pc.equal(raw, ""), True).to_numpy(zero_copy_only=False)
    hard = ~empty & (tv.matches(raw, ",") | (n_words > 3) | tv.matches(folded, tv.word_regex(_TITLES | _SUFFIXES)))
    one_case = pc.or_(pc.utf8_is_lower(raw), pc.utf8_is_upper(raw))
    shown = pc.if_else(pc.fill_null(one_case, False), pc.utf8_title(raw), raw)
    first = tv.group(shown, r"^(?P<w>\S+)", "w")
    last = pc.if_else(pa.array(n_words > 1), tv.group(shown, r"(?P<w>\S+)$", "w"), pa.nulls(len(raw), pa.string()))
    return _first_last(values, first, last, hard, _display_one)
