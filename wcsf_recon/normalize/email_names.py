"""Names as a person's own email spells them: a missing surname, a surname typo, a nickname.

People mistype their name in a form far more often than their email address (which must
work), and often give a nickname where the address carries the full name. Only leads whose
name was typed are read this way; caller-ID names are left as the carrier gives them.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from jellyfish import metaphone
from rapidfuzz.distance import OSA, JaroWinkler

from ..duck import connection
from ..tables.frames import isin
from . import textvec as tv
from .distinct import distinct_rows
from .names import full_names_of, is_full_form_of

EMAIL_SURNAME_CLOSE = 0.90  # a typed surname this close (Jaro-Winkler) to the email's spelling is a typo of it
_NOT_LETTERS = str.maketrans("", "", string.digits + string.punctuation + string.whitespace)


@lru_cache(maxsize=100_000)
def _fuller(name: str) -> tuple[str, ...]:
    """The full names `name` is short for that are longer than it, longest first (cached: names repeat)."""
    return tuple(sorted((f for f in full_names_of(name) if len(f) > len(name)), key=len, reverse=True))


_sound = lru_cache(maxsize=200_000)(metaphone)  # the same surnames are sounded for many rows


def _local(email: str) -> str:
    return email.split("@", 1)[0].split("+", 1)[0]


def _surname_from(first: str, email: str) -> str | None:
    local = re.sub(r"[^a-z]", "", _local(email).replace(".", "").replace("_", ""))
    # the full name a typed nickname is short for comes first: `greg` at gregory.ellis@ is Gregory Ellis
    fuller = _fuller(first)
    for prefix in (*fuller, first, first[:1]):
        rest = local[len(prefix) :] if prefix and local.startswith(prefix) else ""
        if len(rest) >= (3 if len(prefix) > 1 else 4):
            return rest
    return None


def _surname_spelling(first: str, last: str, email: str) -> str | None:
    """The email's spelling of a typed surname that is a typo of it (`booyd` in zoe_boyd84@...): close by
    Jaro-Winkler, one edit away (`khavez` at cchavez@, `km` at anthony.kim@), or sounding the same. The
    address may begin with the full name a typed nickname is short for, or its initial (`chris mratin` at
    christophermartin88@, `peggy crz` at mcruz@)."""
    local = _local(email)
    glued = local.translate(_NOT_LETTERS)
    if len(last) < 2 or last.translate(_NOT_LETTERS) in glued:  # spelled the same (van der berg, van-der-berg)
        return None
    candidates = [t for t in re.split(r"[^a-z]+", local) if len(t) >= 3]
    fuller = _fuller(first)
    prefixes = dict.fromkeys((*fuller, first, first[:1], *(f[:1] for f in fuller)))
    candidates += [glued[len(p) :] for p in prefixes if p and glued.startswith(p)]
    best, score = None, 0.0
    for candidate in candidates:
        if len(candidate) < 3 or candidate in (last, first):
            continue
        similarity = JaroWinkler.similarity(last, candidate)
        close = similarity >= EMAIL_SURNAME_CLOSE and len(last) >= 3
        if (close or OSA.distance(last, candidate) <= 1) and similarity > score:
            best, score = candidate, similarity
    if best is None and len(last) >= 3:  # a phonetic misspelling: `Phox` for the `fox` in rogerfox43@
        sound = _sound(last)
        best = next((c for c in candidates if len(c) >= 3 and c != last and _sound(c) == sound), None)
    return best


def _first_name_spelling(first: str, email: str) -> str | None:
    """The full first name the email carries for a typed nickname (`bill` with william.warren@...)."""
    if len(first) < 2:
        return None
    local = _local(email)
    if _spelled_as_word(first, local):
        return None
    for token in re.split(r"[^a-z]+", local):
        if len(token) > len(first) and is_full_form_of(token, first):
            return token
    return None


def _spelled_as_word(name: str, local: str) -> bool:
    """`name` begins the address or one of its words (`tina.hall`, `hall_tina`), not just inside another word
    (`tina` in `christina.hall` is Christina's address)."""
    return local.startswith(name) or any(sep + name in local for sep in "._-")


# per row: `name in email`, and (as a word) `_spelled_as_word(name, _local(email))`, in DuckDB's string
# functions (UTF-8 substrings: the same answers as Python's on code points)
_IN_EMAIL = "SELECT contains(e, n) AS found FROM rows"
_AS_WORD = (
    "SELECT starts_with(l, n) OR contains(l, '.' || n) OR contains(l, '_' || n) OR contains(l, '-' || n) AS found "
    "FROM (SELECT n, split_part(split_part(e, '@', 1), '+', 1) AS l FROM rows)"
)


def _holds_nul(text: pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(pc.match_substring(text, "\x00"), False).to_numpy(zero_copy_only=False)


def _spelled_in(names: pd.Series, emails: pd.Series, as_word: bool) -> np.ndarray:
    """Per row, `name in email` (`as_word`: `_spelled_as_word(name, _local(email))`), by DuckDB (no missing values).

    A million rows take a tenth of a second on every core, outside the GIL (numpy's string ufuncs took
    a second, most of it making Python strings). Rows holding a NUL character are asked one by one, and so
    is every row when the text is not valid UTF-8 (lone surrogates in an object column).
    """
    try:
        rows = pa.table({"n": tv.to_arrow(names), "e": tv.to_arrow(emails)})
    except (UnicodeError, pa.ArrowException):
        rows = None
    if rows is None:
        odd = np.ones(len(names), dtype=bool)
        found = np.zeros(len(names), dtype=bool)
    else:
        odd = _holds_nul(rows.column("n")) | _holds_nul(rows.column("e"))
        with connection() as con:
            con.register("rows", rows)
            found = np.asarray(con.execute(_AS_WORD if as_word else _IN_EMAIL).fetchnumpy()["found"], dtype=bool)
    if np.any(odd):
        name_obj, email_obj = names.to_numpy(dtype=object), emails.to_numpy(dtype=object)
        for i in np.flatnonzero(odd):  # the rare rows DuckDB cannot read as Python does
            found[i] = _spelled_as_word(name_obj[i], _local(email_obj[i])) if as_word else name_obj[i] in email_obj[i]
    return found


def _per_row(
    func: Callable[..., str | None],
    *columns: pd.Series,
    unless_in_email: pd.Series | None = None,
    as_word: bool = False,
) -> pd.Series:
    """`func` over the rows where every column has a value; null elsewhere and where it returns None.

    Rows whose `unless_in_email` value already appears in the email (the last column) as written
    are skipped by one cheap substring test (`as_word`: at the start of the address or of a word
    in it): most people spell their name as their address does.
    """
    out = pd.Series(None, index=columns[0].index, dtype="str")
    todo = columns[0].notna()
    for column in columns[1:]:
        todo &= column.notna()
    if unless_in_email is not None and todo.any():
        todo[todo] = ~_spelled_in(unless_in_email[todo], columns[-1][todo], as_word)
    if todo.any():
        answers, number = _per_distinct_row([column[todo] for column in columns], func)
        out[todo] = np.array(answers, dtype=object)[number]
    return out.astype("str")


Answer = TypeVar("Answer")


def _per_distinct_row(columns: list[pd.Series], func: Callable[..., Answer]) -> tuple[list[Answer], np.ndarray]:
    """`func` once per distinct tuple of the columns' values, and per row the number of its tuple.

    A person's repeat leads carry the same name and email: the Python readings then run once for them.
    """
    first, number = distinct_rows(*columns)
    values = [column.iloc[first].to_numpy(dtype=object) for column in columns]
    return [func(*row) for row in zip(*values, strict=True)], number


def surname_from_email(first: pd.Series, emails: pd.Series) -> pd.Series:
    """A surname read from the email of someone who typed only a first name.

    `christopher` with `christopher.daniels@...` gives `daniels`; `martha` with `mmitchell@...`
    gives `mitchell` (initial + surname, four letters or more). Used only where no surname was typed.
    """
    return _per_row(_surname_from, first.where(first.str.len() > 1), emails)


def surname_as_in_email(first: pd.Series, last: pd.Series, emails: pd.Series) -> pd.Series:
    """The surname as the person's own email spells it, where the typed one is a typo of it.

    `stephanie davvis` with `sdavis@aol.com` reads as Davis, so she meets the caller ID
    `DAVIS S` on her phone. Null where the email says nothing different.
    """
    return _per_row(_surname_spelling, first, last, emails, unless_in_email=last)


def first_name_as_in_email(first: pd.Series, emails: pd.Series) -> pd.Series:
    """The full first name in the person's email where a nickname was typed.

    `Bill Warren` with `william.warren@yahoo.com` reads as William, so he meets the caller ID
    `WARREN WILLIAM` (and a Salesforce William) under one initial. Null where the email says
    nothing different.
    """
    return _per_row(_first_name_spelling, first, emails, unless_in_email=first, as_word=True)


def _swapped_spelling(first: str, last: str, email: str) -> tuple[str, str] | None:
    """(first, surname) as the email spells a typed name that is swapped and misspelt (`Payyne Rachel` at
    rachel_payne64@, `Wellls Jose` at josewells7@, `Neson Tony` at anthony.nelson@): the address begins with
    the typed surname (or the full name it is short for) and goes on with a spelling of the typed first name."""
    if len(first) < 3 or len(last) < 2:
        return None
    local = _local(email)
    glued = local.translate(_NOT_LETTERS)
    fuller = _fuller(last)
    for prefix in (*fuller, last):
        if not glued.startswith(prefix):
            continue
        rest = glued[len(prefix) :]
        if (
            len(rest) >= 3
            and rest != first
            and (JaroWinkler.similarity(first, rest) >= EMAIL_SURNAME_CLOSE or _sound(first) == _sound(rest))
        ):
            return prefix, rest
    return None


def names_swapped_in_email(first: pd.Series, last: pd.Series, emails: pd.Series) -> pd.DataFrame:
    """(first, last) as the person's email spells a typed name written surname-first and misspelt; null elsewhere.

    `Payyne Rachel` writing from rachel_payne64@gmail.com reads as Rachel Payne, so she meets her Contact
    Rachel Payne in her ZIP. Only where the typed surname (or a full name it is short for) appears in the
    address and the typed first name does not begin it or one of its words (most addresses spell a name in order).
    """
    todo = first.notna() & last.notna() & emails.notna()
    if todo.any():  # the typed surname in the address, or a nickname whose full name may be (`tony`, anthony.)
        nicknames = [name for name in last[todo].unique() if full_names_of(name)]  # looked up in Arrow, not mapped
        todo[todo] = _spelled_in(last[todo], emails[todo], as_word=False) | isin(last[todo], nicknames)
    if todo.any():
        todo[todo] = ~_spelled_in(first[todo], emails[todo], as_word=True)
    out = pd.DataFrame({"first": pd.Series(None, index=first.index, dtype="str"), "last": None}, index=first.index)
    if todo.any():
        found, number = _per_distinct_row([first[todo], last[todo], emails[todo]], _swapped_spelling)
        out.loc[todo, "first"] = np.array([pair[0] if pair else None for pair in found], dtype=object)[number]
        out.loc[todo, "last"] = np.array([pair[1] if pair else None for pair in found], dtype=object)[number]
    return out.astype("str")
