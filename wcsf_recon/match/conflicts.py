"""Name conflicts on an exact email or phone, explained where they can be (issue 11 item 2).

An exact key whose names conflict is either one person whose name was recorded oddly, or two
people sharing a line or a mailbox. Four explanations are recognised, and each says which it is
(`name_explained` on the pair, the note in its one-line explanation):

- `swap`: first and last name swapped on one side, both names agreeing crosswise -> names agree;
- `placeholder` / `place`: the Salesforce name is no person's (`Wireless Caller`, a rep-copied
  caller ID, the lead's own town) -> no name to compare, the key alone decides;
- `household`: another full first name under the same surname (or one a typo away), on a line on which different
  first names appear or a mailbox that does not name the Salesforce person alone -> another member
  of the family: a create, whose plan row says so.

Whatever stays a conflict on an exact key goes to the review queue (classify.decide), never to a
create no human sees. A placeholder is only ever the absence of name evidence, never agreement.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..normalize.emails import email_local
from ..normalize.names import first_name_score, last_name_score, spells_place, written_backwards
from ..tables.frames import isin
from .arrow_text import arrow_text, nulls, valid
from .rules import FIRST_AGREE, LAST_CONFLICT

EXACT_RULES = ("email", "phone", "email_phone", "shared_phone", "shared_email")
EXPLANATIONS = ("swap", "placeholder", "place", "household")


def _names_person_alone(local: str, wc_first: str, sf_first: str, sf_last: str) -> bool:
    """The mailbox is the Salesforce person's own: it spells their first name (or initial + surname),
    and not the lead's first name (`gloriaandroger` names both: a family's)."""
    glued = "".join(ch for ch in local if ch.isalpha())
    surname = sf_last.replace(" ", "")
    own = (len(sf_first) > 2 and sf_first in glued) or glued.startswith(sf_first[:1] + surname)
    own |= glued.startswith(surname + sf_first[:1]) and glued != surname + "s"
    return own and not (len(wc_first) > 2 and wc_first in glued)


def households(pairs: pd.DataFrame, names: pd.DataFrame, people: pd.DataFrame, conflicted: frozenset[str]) -> pd.Series:
    """Per conflicting exact pair (rows of `pairs` with `email`/`phone` keys): True where it is another
    member of a household: another full first name under the same surname (or one a typo away), and no
    shared mailbox that names the Salesforce person alone (`thekings@`, `garciafamily@`,
    `gloriaandroger@` are a family's; `catherine.lewis@` is Catherine's). A phone shared so is a family
    line: the pair itself shows two first names on it. On a line where different first names already
    appear (`conflicted`), a lead that gave a first name only (`Tyler`) is another member too.
    """
    joined = pairs[["cluster", "row", "email", "phone"]].reset_index().merge(names, on="cluster")
    if joined.empty:
        return pd.Series(False, index=pairs.index)
    # gathered, then made Python objects: not every record's name, for the pairs' few
    sf_first = people["n_first"].take(joined["row"].to_numpy()).to_numpy(dtype=object)
    sf_last = people["n_last"].take(joined["row"].to_numpy()).to_numpy(dtype=object)
    full = (
        joined["n_first"].str.len().gt(1).fillna(False).to_numpy()
        & pd.Series(sf_first).str.len().gt(1).fillna(False).to_numpy()
    )
    wf, wl = joined["n_first"].to_numpy(dtype=object), joined["n_last"].to_numpy(dtype=object)
    # a record whose own names are backwards by this account's records (first `Mendez`, last `Randy`)
    counts = (people["n_first"].value_counts(), people["n_last"].value_counts())
    backwards = written_backwards(pd.Series(sf_first), pd.Series(sf_last), counts)
    family = np.zeros(len(joined), dtype=bool)
    local = email_local(joined["email"]).to_numpy(dtype=object)
    known_shared = np.asarray(isin(joined["phone"].astype("str"), conflicted))
    for i in np.flatnonzero(full & pd.notna(sf_last) & (pd.notna(wl) | known_shared)):
        member = _other_member(wf[i], wl[i], sf_first[i], sf_last[i], bool(backwards[i]))
        if member is not None:
            family[i] = not isinstance(local[i], str) or not _names_person_alone(local[i], *member)
    hit = pd.Series(family).groupby(joined["index"].to_numpy()).any()
    return hit.reindex(pairs.index, fill_value=False)


def _other_member(
    wf: str, wl: str | None, sf_first: str, sf_last: str, record_backwards: bool = False
) -> tuple[str, str, str] | None:
    """(lead's first name, record's first name, surname) where the lead is another member of the record's
    family: the same surname (or one misspelt: `Parry` / `Perry`) under a first name that does not agree,
    read in order or with the lead's names swapped (`Rivera Siobhan` beside Cynthia Rivera). Decision:
    the record's names are read swapped only where this account's records call its order backwards
    (`record_backwards`: a Lead first `Mendez`, last `Randy`, beside `virginia mendez`): otherwise
    `Thomas Gabriel` beside a record `Gabriel Smith` would be family, where one name crossing over is a
    conflict for a human."""
    records = [(sf_first, sf_last), (sf_last, sf_first)] if record_backwards else [(sf_first, sf_last)]
    readings = [(wf, wl, first, last) for first, last in records]
    if isinstance(wl, str):
        readings += [(wl, wf, first, last) for first, last in records]
    elif first_name_score(wf, sf_last) >= FIRST_AGREE:
        return None  # a first name alone that is the record's surname (`tyler`, a record `Gomez Tyler`): a swap
    for lead_first, lead_last, first, last in readings:
        if len(lead_first) < 2 or len(first) < 2 or first_name_score(lead_first, first) >= FIRST_AGREE:
            continue
        if not isinstance(lead_last, str) or last_name_score(lead_last, last) >= LAST_CONFLICT:
            return lead_first, first, last
    return None


def places(pairs: pd.DataFrame, towns: pd.Series, people: pd.DataFrame) -> np.ndarray:
    """Per pair: the Salesforce record's surname-only name spells the cluster's own town (`towns`:
    cluster -> city), as when a rep copies a caller ID (`Margaretville N` for a call from Margaretville).
    The record's own city is read in people.py."""
    first = people["n_first"].take(pairs["row"].to_numpy()).to_numpy(dtype=object)
    last = people["n_last"].take(pairs["row"].to_numpy()).to_numpy(dtype=object)
    lone = pd.isna(first) & pd.notna(last)
    out = np.zeros(len(pairs), dtype=bool)
    if not lone.any():
        return out
    found = pairs["cluster"].map(towns).to_numpy(dtype=object)
    for i in np.flatnonzero(lone & pd.notna(found)):
        out[i] = len(last[i].split()) >= 2 and spells_place(last[i], found[i])
    return out


def cluster_towns(leads: pd.DataFrame) -> pd.Series:
    """cluster -> the first city its leads name (the form's, else the caller's).

    In Arrow (the form's city, else the caller's, by `coalesce`) and by the first row of each cluster among the
    leads that name one: no all-missing column of 1.6M leads filled twice and deduplicated as a frame."""
    columns = [arrow_text(leads[col]) for col in ("city", "caller_city") if col in leads.columns]
    city = pc.coalesce(*columns) if len(columns) > 1 else columns[0] if columns else nulls(len(leads))
    named = valid(city) & leads["cluster"].notna().to_numpy(dtype=bool)
    numbers = leads["cluster"].to_numpy()[named]
    first = ~pd.Series(numbers).duplicated().to_numpy()
    towns = city.filter(pa.array(named)).filter(pa.array(first))
    # indexed by `set_index`, as before: it makes a range index of consecutive cluster numbers
    found = pd.DataFrame({"cluster": numbers[first], "city": pd.array(towns, dtype="str")})
    return found.set_index("cluster")["city"]
