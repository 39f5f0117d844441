"""Normalize a whole snapshot: add `n_*` columns (E.164 phones, emails, folded names) to each table."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Config
from ..tables.arrow_bytes import lengths, own_arrow
from ..tables.snapshot import Snapshot
from .distinct import per_distinct
from .email_names import first_name_as_in_email, names_swapped_in_email, surname_as_in_email, surname_from_email
from .emails import normalize_emails
from .names import caller_names_as_places, caller_other_reading, fold_names, parse_caller_names, split_person_names
from .phones import normalize_phones
from .textvec import visible_text

MATCH_PREFIX = 256  # characters of one cell that normalization reads; no name, phone or email is longer


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    """The column as normalization reads it: text cut to `MATCH_PREFIX` characters, without control and
    format characters (`visible_text`; the table keeps the value).

    A 50 MB multi-word `contact_name` would otherwise cost minutes and gigabytes in name parsing;
    with the cap every cell costs at most a constant, so the work stays linear in the rows.
    """
    if name not in frame.columns:
        return pd.Series(None, index=frame.index, dtype="str")
    values = frame[name]
    if (values.dtype == "str" or values.dtype == object) and _longer_than(values, MATCH_PREFIX):
        values = values.str.slice(0, MATCH_PREFIX)
    return visible_text(values)


def _longer_than(values: pd.Series, limit: int) -> bool:
    """Does any value have more than `limit` characters? No value has more characters than bytes: when none
    has more bytes (read from the column's Arrow offsets), no character is counted."""
    own = own_arrow(values)
    if own is not None and all(len(c) == 0 or lengths(c).max() <= limit for c in own.chunks):
        return False
    return bool((values.str.len() > limit).any())


def _reader(frame: pd.DataFrame) -> Callable[[str], pd.Series]:
    """`_col` of `frame`, each column read once however often it is asked for (caller_name is read four times)."""
    read: dict[str, pd.Series] = {}

    def col(name: str) -> pd.Series:
        if name not in read:
            read[name] = _col(frame, name)
        return read[name]

    return col


def _first_present(*series: pd.Series) -> pd.Series:
    out = series[0]
    for s in series[1:]:
        out = out.fillna(s)
    return out


def wc_lead_phones(leads: pd.DataFrame, config: Config) -> pd.DataFrame:
    """E.164 phones (`e164`, `reason`) of WhatConverts leads: phone number, else caller number, else contact phone."""
    col = _reader(leads)
    country = _first_present(col("country"), col("caller_country"))
    phone_src = _first_present(col("phone_number"), col("caller_number"), col("contact_phone_number"))
    return normalize_phones(phone_src, country, config.default_region)


def wc_lead_emails(leads: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Normalized emails (`email`, `reason`) of WhatConverts leads: email address, else contact email address."""
    col = _reader(leads)
    return normalize_emails(
        _first_present(col("email_address"), col("contact_email_address")), canonical=config.canonical_emails
    )


def normalize_wc_leads(
    leads: pd.DataFrame,
    config: Config,
    phones: Future[pd.DataFrame] | None = None,
    emails_made: Future[pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """WhatConverts leads + n_phone, n_email, n_first, n_last (and the reasons phones/emails failed),
    and `n_first_alt`/`n_last_alt`: the other reading of a caller ID whose order is unknown.

    `n_name_source` says where the name came from: `typed` (a form, chat or a contact name
    that is not the caller ID) or `caller` (the carrier's caller-ID name of the line owner).
    `phones` and `emails_made`: `wc_lead_phones` and `wc_lead_emails` being made on other threads, waited
    for where they are first needed.
    """
    col = _reader(leads)
    # names once per distinct value: a million leads carry a few hundred thousand contact names
    typed = per_distinct(split_person_names, col("contact_name"))
    caller = per_distinct(parse_caller_names, col("caller_name"))
    named = caller["kind"] == "name"
    if named.any():  # a caller ID that spells the lead's own city is a place (`EAST JENNIFERMO`)
        place = named & per_distinct(
            caller_names_as_places, col("caller_name").where(named), _first_present(col("caller_city"), col("city"))
        )
        caller.loc[place, ["first", "last"]] = None
        caller.loc[place, "kind"] = "city"
    # contact_name is often the caller-ID string copied over: read it as such when equal
    same_as_caller = col("contact_name").str.strip() == col("caller_name").str.strip()
    # a contact name equal to the caller ID is the caller ID (and may be no name at all)
    use_caller = (typed["last"].isna() & typed["first"].isna()) | same_as_caller.fillna(False)
    other = per_distinct(caller_other_reading, col("caller_name"), caller["kind"]).where(use_caller)
    first = typed["first"].mask(use_caller, caller["first"])
    last = typed["last"].mask(use_caller, caller["last"])
    typed_first = first.where(~use_caller)
    emails = wc_lead_emails(leads, config) if emails_made is None else emails_made.result()
    # a typed name written surname-first and misspelt, as the person's email spells it (`Payyne Rachel`)
    swapped = names_swapped_in_email(typed_first, last.where(~use_caller), emails["email"])
    read = swapped["first"].notna()
    if read.any():
        first, last = first.mask(read, swapped["first"]), last.mask(read, swapped["last"])
        typed_first = first.where(~use_caller)
    last = last.fillna(surname_from_email(typed_first.where(last.isna()), emails["email"]))
    last = last.mask(~use_caller, surname_as_in_email(typed_first, last, emails["email"]).fillna(last))
    first = first.mask(~use_caller, first_name_as_in_email(typed_first, emails["email"]).fillna(first))
    e164 = wc_lead_phones(leads, config) if phones is None else phones.result()
    return leads.assign(
        n_phone=e164["e164"],
        n_phone_reason=e164["reason"],
        n_email=emails["email"],
        n_email_reason=emails["reason"],
        n_first=first.astype("str"),
        n_last=last.astype("str"),
        n_name_source=pd.Series(np.where(use_caller, "caller", "typed"), index=leads.index, dtype="str").where(
            last.notna() | first.notna()
        ),
        n_caller_kind=caller["kind"],
        # the caller ID read first-name-first as well, where its order is not known (`MARK KELLEY`)
        n_first_alt=other["first"],
        n_last_alt=other["last"],
        n_caller_cut=other["cut"].fillna(False).astype(bool),
        n_company=per_distinct(fold_names, col("contact_company_name")),
    )


def normalize_sf_people(people: pd.DataFrame, config: Config, country_col: str) -> pd.DataFrame:
    """Salesforce Lead or Contact rows + n_phone, n_mobile, n_email, n_first, n_last, n_company."""
    country = _first_present(_col(people, country_col), _col(people, "Country"))
    phone = normalize_phones(_col(people, "Phone"), country, config.default_region)
    mobile = normalize_phones(_col(people, "MobilePhone"), country, config.default_region)
    emails = normalize_emails(_col(people, "Email"), canonical=config.canonical_emails)
    first = per_distinct(fold_names, _col(people, "FirstName"))
    # a rep who typed `Bob` for robert.smith@...: the full name, as for WhatConverts forms
    first = first_name_as_in_email(first, emails["email"]).fillna(first)
    # a rep's typo in the surname the record's own email spells right (`Dylan Millar`, dmiller@...)
    last = per_distinct(fold_names, _col(people, "LastName"))
    last = surname_as_in_email(first, last, emails["email"]).fillna(last)
    return people.assign(
        n_phone=phone["e164"],
        n_phone_reason=phone["reason"],
        n_mobile=mobile["e164"],
        n_mobile_reason=mobile["reason"],
        n_email=emails["email"],
        n_email_reason=emails["reason"],
        n_first=first,
        n_last=last,
        n_company=per_distinct(fold_names, _col(people, "Company")),
    )


@dataclass
class NormalizedSnapshot:
    """The snapshot's people tables with normalized columns; other tables untouched."""

    snapshot: Snapshot
    wc_leads: pd.DataFrame
    sf_leads: pd.DataFrame
    sf_contacts: pd.DataFrame


def normalize_snapshot(snapshot: Snapshot, config: Config | None = None) -> NormalizedSnapshot:
    """Normalize phones, emails and names of WhatConverts leads and Salesforce Leads/Contacts."""
    config = config or Config()
    # three independent tables: threads overlap their pyarrow kernels, which release the GIL; the leads'
    # phones and emails go to the pool too (the leads' names are the longest single task: about half the work)
    with ThreadPoolExecutor(max_workers=2) as pool:
        wc_phones = pool.submit(wc_lead_phones, snapshot.wc_leads, config)
        wc_emails = pool.submit(wc_lead_emails, snapshot.wc_leads, config)  # the names need them halfway
        sf_leads = pool.submit(normalize_sf_people, snapshot.sf_leads, config, "Country")
        sf_contacts = pool.submit(normalize_sf_people, snapshot.sf_contacts, config, "MailingCountry")
        wc_leads = normalize_wc_leads(snapshot.wc_leads, config, wc_phones, wc_emails)
        return NormalizedSnapshot(
            snapshot=snapshot, wc_leads=wc_leads, sf_leads=sf_leads.result(), sf_contacts=sf_contacts.result()
        )


def quality_report(norm: NormalizedSnapshot) -> pd.DataFrame:
    """Count of invalid phones/emails per table, field and reason (missing values not counted)."""
    rows = []
    checks = {
        "wc_leads": [("phone", "n_phone_reason"), ("email", "n_email_reason")],
        "sf_leads": [("Phone", "n_phone_reason"), ("MobilePhone", "n_mobile_reason"), ("Email", "n_email_reason")],
        "sf_contacts": [("Phone", "n_phone_reason"), ("MobilePhone", "n_mobile_reason"), ("Email", "n_email_reason")],
    }
    for table, pairs in checks.items():
        frame = getattr(norm, table)
        for field_name, reason_col in pairs:
            counts = frame[reason_col].value_counts()
            for reason, count in counts.items():
                rows.append({"table": table, "field": field_name, "reason": reason, "count": int(count)})
    return pd.DataFrame(rows, columns=["table", "field", "reason", "count"])
