"""Salesforce people: unconverted Leads and Contacts, with converted Leads resolved to their Contact.

A WhatConverts lead that matches a converted Lead is really about the Contact the Lead became
(the live record); one that matches a Contact directly is an existing customer. Both end up
keyed by `person_object`/`person_id`. Deleted rows are dropped; a stored WhatConverts id on a
merged-away (deleted) Lead or Contact is carried to its `MasterRecordId`.
"""

from __future__ import annotations

import pandas as pd

from ..normalize import NormalizedSnapshot
from ..normalize.names import fold_names, record_name_placeholders, written_backwards
from ..normalize.postal import postal_key
from ..normalize.textvec import visible_field
from ..tables.frames import by_position, isin
from .arrow_text import mapped_text, per_distinct
from .local_phones import local_phone_digits

PEOPLE_COLUMNS = [
    "sf_object",
    "sf_id",
    "person_object",
    "person_id",
    "account_id",
    "stored_id",
    "n_phone",
    "n_mobile",
    "n_email",
    "n_first",
    "n_last",
    "n_company",
    "city",
    "postal",
    "state",
    "street",
    "created",
    "is_converted",
    "name_placeholder",
    "placeholder_name",
    "local_phone",
]


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype="str")


def _place(frame: pd.DataFrame, name: str) -> pd.Series:
    """A place field as matching reads it: without control and format characters (the table keeps them)."""
    return visible_field(_col(frame, name))


def _live(frame: pd.DataFrame) -> pd.Series:
    return ~_col(frame, "IsDeleted").astype("boolean").fillna(False).astype(bool)


def sf_people(
    norm: NormalizedSnapshot, wc_id_field: str, last_name_placeholder: str = "[not provided]"
) -> pd.DataFrame:
    """One row per live Lead and Contact with its resolved person and normalized keys.

    A name that is no person's (`Wireless Caller`, a rep-copied caller ID, the record's own town,
    the placeholder surname Salesforce makes us send) is no name: `n_first`/`n_last` are cleared,
    `name_placeholder` says which (`placeholder` or `place`) and `placeholder_name` keeps the text.
    """
    leads, contacts = norm.sf_leads, norm.sf_contacts
    live_contacts = contacts[_live(contacts)]
    contact_ids = live_contacts["Id"]
    contact_account = (
        live_contacts.set_index("Id")[_col(live_contacts, "AccountId").name]
        if len(live_contacts)
        else pd.Series(dtype="str")
    )
    converted = leads["IsConverted"].fillna(False).astype(bool)
    conv_contact = _col(leads, "ConvertedContactId")
    resolved = converted & isin(conv_contact, contact_ids)
    lead_rows = pd.DataFrame(
        {
            "sf_object": "Lead",
            "sf_id": leads["Id"],
            "person_object": pd.Series("Lead", index=leads.index).where(~resolved, "Contact"),
            "person_id": leads["Id"].where(~resolved, conv_contact),
            "account_id": _col(leads, "ConvertedAccountId").where(resolved, mapped_text(conv_contact, contact_account)),
            "stored_id": _col(leads, wc_id_field),
            "city": _place(leads, "City"),
            "state": _place(leads, "State"),
            "street": _place(leads, "Street"),
            "postal": _place(leads, "PostalCode"),
            "created": _col(leads, "CreatedDate"),
            "is_converted": converted,
            "live": _live(leads),
            "master": _col(leads, "MasterRecordId"),
        }
    )
    contact_rows = pd.DataFrame(
        {
            "sf_object": "Contact",
            "sf_id": contacts["Id"],
            "person_object": "Contact",
            "person_id": contacts["Id"],
            "account_id": _col(contacts, "AccountId"),
            "stored_id": _col(contacts, wc_id_field),
            "city": _place(contacts, "MailingCity"),
            "state": _place(contacts, "MailingState"),
            "street": _place(contacts, "MailingStreet"),
            "postal": _place(contacts, "MailingPostalCode"),
            "created": _col(contacts, "CreatedDate"),
            "is_converted": False,
            "live": _live(contacts),
            "master": _col(contacts, "MasterRecordId"),
        }
    )
    for rows, src in ((lead_rows, leads), (contact_rows, contacts)):
        for col in ("n_phone", "n_mobile", "n_email", "n_first", "n_last", "n_company"):
            rows[col] = by_position(src[col])
        local = local_phone_digits(_col(src, "Phone"), src["n_phone"])
        rows["local_phone"] = by_position(local.fillna(local_phone_digits(_col(src, "MobilePhone"), src["n_mobile"])))
    people = pd.concat([lead_rows, contact_rows], ignore_index=True)
    people = _carry_merged_ids(people)
    people = people[people["live"]].drop(columns=["live", "master"]).reset_index(drop=True)
    people["city"] = per_distinct(people["city"], lambda v: v.str.lower().str.strip())
    people["postal"] = per_distinct(people["postal"], postal_key)
    return _without_placeholder_names(people, last_name_placeholder)[PEOPLE_COLUMNS]


def names_in_account_order(people: pd.DataFrame) -> pd.DataFrame:
    """`people` with a name the account's other Salesforce records call backwards read in the other order (a
    Contact first `Moore`, last `Chuck`, where other records have Moore as a surname and Chuck as a first
    name: `chuck moore`), so blocks and the model meet it as `Charles Moore` in its ZIP; the record itself is
    not changed. Its own name does not vote, nor do the leads it may be compared with."""
    first, last = people["n_first"], people["n_last"]
    flip = written_backwards(first, last, (first.value_counts(), last.value_counts()), own_votes=1)
    if not flip.any():
        return people
    return people.assign(
        n_first=people["n_first"].mask(flip, people["n_last"]), n_last=people["n_last"].mask(flip, people["n_first"])
    )


def _without_placeholder_names(people: pd.DataFrame, last_name_placeholder: str) -> pd.DataFrame:
    """Placeholders for names are the absence of a name, never agreement (issue 11 item 2)."""
    kind = record_name_placeholders(people["n_first"], people["n_last"], people["city"])
    shown = (people["n_first"].fillna("") + " " + people["n_last"].fillna("")).str.strip()
    placeholders = set(fold_names(pd.Series([last_name_placeholder, "not provided"], dtype="str")).dropna())
    surname_only = kind.isna() & isin(people["n_last"], placeholders)
    out = people.assign(
        name_placeholder=kind.mask(surname_only, "placeholder"),
        placeholder_name=shown.where(kind.notna() | surname_only),
    )
    out["n_last"] = out["n_last"].mask(kind.notna() | surname_only)
    out["n_first"] = out["n_first"].mask(kind.notna())
    return _names_from_email(out, kind.notna() | surname_only)


def _names_from_email(people: pd.DataFrame, nameless: pd.Series) -> pd.DataFrame:
    """A record whose name is no name (a rep-copied caller ID `Camden Fm`) named as its own email spells one:
    `danielle.bryant@` (two words), `jfisher@` (an initial and a surname the account's records carry)."""
    todo = nameless & people["n_email"].notna() & people["n_first"].isna()
    if not todo.any():
        return people
    local = people.loc[todo, "n_email"].str.split("@").str[0].str.replace(r"[0-9]+", "", regex=True)
    words = local.str.extract(r"^(?P<first>[a-z]{2,})[._-](?P<last>[a-z]{2,})$")
    surnames = set(people["n_last"].dropna().str.replace(" ", "", regex=False))
    glued = local.str.replace(r"[^a-z]", "", regex=True)
    initial = glued.str[1:].where(glued.str[1:].str.len() >= 4)
    known = initial.isin(surnames) & words["last"].isna()
    first = words["first"].where(words["last"].notna(), glued.str[0].where(known))
    last = words["last"].where(words["last"].notna(), initial.where(known))
    return people.assign(
        n_first=people["n_first"].fillna(first.reindex(people.index)).astype("str"),
        n_last=people["n_last"].fillna(last.reindex(people.index)).astype("str"),
    )


def _carry_merged_ids(people: pd.DataFrame) -> pd.DataFrame:
    """A deleted loser of a merge hands its stored WhatConverts id to the surviving record."""
    losers = people[~people["live"] & people["master"].notna() & people["stored_id"].notna()]
    if losers.empty:
        return people
    survivors = people.set_index("sf_id")
    extra = survivors.loc[survivors.index.intersection(losers["master"])].reset_index()
    extra = extra.merge(losers[["master", "stored_id"]].rename(columns={"master": "sf_id", "stored_id": "sid"}))
    extra["stored_id"] = extra.pop("sid")
    return pd.concat([people, extra[people.columns]], ignore_index=True)
