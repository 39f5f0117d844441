"""Column maps: the headers people's exports use (Salesforce reports, WhatConverts Lead Manager) -> the API names.

A Salesforce report exported to CSV names its columns by field *label* (`First Name`, `Email`,
`Company / Account`, `Mobile`), not by API name, and the WhatConverts Lead Manager export uses
human labels (`Lead ID`, `Lead Type`, `Email Address`, `Quote Value`). The snapshot reader renames
such headers to the API names the toolkit reads, so a renamed `Email` column can no longer be
silently ignored. Header matching ignores case and runs of spaces.

Sources:
- Salesforce field labels: Salesforce Field Reference, Lead
  (https://developer.salesforce.com/docs/atlas.en-us.sfFieldRef.meta/sfFieldRef/salesforce_field_reference_Lead.htm:
  `Id` = "Lead ID", `FirstName` = "First Name", `MobilePhone` = "Mobile Phone", `ConvertedContactId` =
  "Converted Contact ID", ...) and the Data Import Wizard's lead mapping
  (https://help.salesforce.com/s/articleView?id=xcloud.field_mapping_for_importing_leads.htm: "Mobile Phone" ->
  Mobile, "Lead ID", "Lead Source", "Lead Status"). Report-only labels (`Company / Account`, `Email Address`,
  `Business Phone`, `Mobile`, `Create Date`) are those of issue 14's report export (unconfirmed by a public doc).
- WhatConverts labels: Lead Manager CSV template
  (https://www.whatconverts.com/help/docs/lead-management/csv-formatting-requirements: `Email Address`,
  `Phone Number`, `Lead Type`, `Source`, `Medium`, `Lead Page`, `Landing Page`, `Quote Value`, `Sales Value`,
  `Quotable`, `Lead ID`) and the endpoint template
  (https://www.whatconverts.com/help/docs/automations-and-advanced-systems/endpoints/prepare-csv-or-json-files-for-endpoints:
  `Profile ID`, `Campaign`, `Keyword`, `GCLID`, `Caller Name`, `Caller City`, `Caller Zip`, `Caller Country`,
  `Duration (Seconds)`). `Date Created` is the export's name in issue 14; the full export header list is
  unconfirmed (see /work/shared/reference/whatconverts-api.md §13), so extend the map in the config when yours differs.
  So is its time zone: a `Date Created` without an offset is read as UTC, like every snapshot date.

Extend or override in the config:

    [reconcile.column_map.sf_leads]
    "Lead E-mail" = "Email"
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from ..errors import ConfigError, InputError

_SF_PERSON = {
    "first name": "FirstName",
    "last name": "LastName",
    "email": "Email",
    "email address": "Email",
    "phone": "Phone",
    "business phone": "Phone",
    "mobile": "MobilePhone",
    "mobile phone": "MobilePhone",
    "created date": "CreatedDate",
    "create date": "CreatedDate",
    "deleted": "IsDeleted",
    "master record id": "MasterRecordId",
    "last modified date": "LastModifiedDate",
}

BUILTIN_COLUMN_MAP: dict[str, dict[str, str]] = {
    "wc_leads": {
        "lead id": "lead_id",
        "lead type": "lead_type",
        "lead status": "lead_status",
        "date created": "date_created",
        "last updated": "last_updated",
        "account": "account",
        "account id": "account_id",
        "profile": "profile",
        "profile id": "profile_id",
        "quotable": "quotable",
        "quote value": "quote_value",
        "sales value": "sales_value",
        "spam": "spam",
        "duplicate": "duplicate",
        "source": "lead_source",
        "medium": "lead_medium",
        "campaign": "lead_campaign",
        "keyword": "lead_keyword",
        "lead page": "lead_url",
        "landing page": "landing_url",
        "gclid": "gclid",
        "contact name": "contact_name",
        "contact company name": "contact_company_name",
        "contact email address": "contact_email_address",
        "contact phone number": "contact_phone_number",
        "email address": "email_address",
        "phone number": "phone_number",
        "caller number": "caller_number",
        "caller name": "caller_name",
        "caller city": "caller_city",
        "caller zip": "caller_zip",
        "caller country": "caller_country",
        "duration (seconds)": "call_duration_seconds",
        "lead score": "lead_score",
        "city": "city",
        "state": "state",
        "zip": "zip",
        "country": "country",
        "user id": "user_id",
    },
    "sf_leads": {
        **_SF_PERSON,
        "lead id": "Id",
        "company": "Company",
        "company / account": "Company",
        "converted": "IsConverted",
        "converted date": "ConvertedDate",
        "converted contact id": "ConvertedContactId",
        "converted account id": "ConvertedAccountId",
        "converted opportunity id": "ConvertedOpportunityId",
        "country": "Country",
        "city": "City",
        "postal code": "PostalCode",
        "zip/postal code": "PostalCode",
        "lead source": "LeadSource",
        "lead status": "Status",
    },
    "sf_contacts": {
        **_SF_PERSON,
        "contact id": "Id",
        "account id": "AccountId",
        "mailing country": "MailingCountry",
        "mailing city": "MailingCity",
        "mailing postal code": "MailingPostalCode",
        "mailing zip/postal code": "MailingPostalCode",
    },
    "sf_accounts": {"account id": "Id", "account name": "Name", "created date": "CreatedDate", "deleted": "IsDeleted"},
    "sf_opportunities": {
        "opportunity id": "Id",
        "opportunity name": "Name",
        "stage": "StageName",
        "amount": "Amount",
        "won": "IsWon",
        "closed": "IsClosed",
        "close date": "CloseDate",
        "created date": "CreatedDate",
        "account id": "AccountId",
        "contact id": "ContactId",
        "lead source": "LeadSource",
        "deleted": "IsDeleted",
    },
    "sf_contact_roles": {
        "opportunity id": "OpportunityId",
        "contact id": "ContactId",
        "role": "Role",
        "primary": "IsPrimary",
        "deleted": "IsDeleted",
    },
}

TABLE_NAMES = tuple(BUILTIN_COLUMN_MAP)


def _key(header: object) -> str:
    return re.sub(r"\s+", " ", str(header)).strip().casefold()


def validate_column_map(data: object, source: str) -> dict[str, dict[str, str]]:
    """Check a `[reconcile.column_map]` table: snapshot table name -> {export header: API column name}."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: column_map must be a table of tables, e.g. [reconcile.column_map.sf_leads]")
    out: dict[str, dict[str, str]] = {}
    for table, mapping in data.items():
        if table not in BUILTIN_COLUMN_MAP:
            allowed = ", ".join(TABLE_NAMES)
            raise ConfigError(f"{source}: column_map.{table} is not a snapshot table; allowed: {allowed}")
        if not isinstance(mapping, Mapping) or not all(isinstance(v, str) for v in mapping.values()):
            raise ConfigError(f"{source}: column_map.{table} must map export headers to column names (strings)")
        out[table] = {str(k): v for k, v in mapping.items()}
    return out


def apply_column_map(
    frame: pd.DataFrame, table: str, path: str, extra: Mapping[str, Mapping[str, str]] | None = None
) -> pd.DataFrame:
    """Rename export headers of one table file to API names (the config's entries win over the built-in ones).

    A header already spelled as its API name stays as it is, and a label is not renamed onto a
    column the file already has (`Email` and `Email Address` both present: `Email` is read).
    Two headers that would both become the same column are refused, naming them.
    """
    mapping = dict(BUILTIN_COLUMN_MAP.get(table, {}))
    mapping.update({_key(k): v for k, v in (extra or {}).get(table, {}).items()})
    present = set(map(str, frame.columns))
    renames: dict[str, str] = {}
    for column in frame.columns:
        target = mapping.get(_key(column))
        if target is None or target == column or target in present:
            continue
        if target in renames.values():
            first = next(k for k, v in renames.items() if v == target)
            raise InputError(path, f"both {first!r} and {column!r} would be read as {target}; keep one", column=column)
        renames[str(column)] = target
    return frame.rename(columns=renames) if renames else frame


# Columns a match rests on, per side: (what, columns).
_MATCH_COLUMNS: dict[str, tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]] = {
    "WhatConverts": (
        ("email", ("wc_leads",), ("email_address", "contact_email_address")),
        ("phone", ("wc_leads",), ("phone_number", "contact_phone_number", "caller_number")),
        ("name", ("wc_leads",), ("contact_name", "caller_name")),
    ),
    "Salesforce": (
        ("email", ("sf_leads", "sf_contacts"), ("Email",)),
        ("phone", ("sf_leads", "sf_contacts"), ("Phone", "MobilePhone")),
        ("name", ("sf_leads", "sf_contacts"), ("FirstName",)),
    ),
}


def empty_match_columns(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """One warning per matching column (email, phone, name) that is entirely empty on one side of a snapshot.

    An empty side usually means its export named the column in a way the column map does not know:
    every match on that key is then silently lost. Sides with no rows at all are not warned about.
    """
    warnings = []
    for side, checks in _MATCH_COLUMNS.items():
        empty = []
        for what, table_names, columns in checks:
            frames = [tables[t] for t in table_names if t in tables and len(tables[t])]
            if frames and not any(f[c].notna().any() for f in frames for c in columns if c in f.columns):
                empty.append((what, ", ".join(f"{t}.{c}" for t in table_names for c in columns)))
        if empty:
            whats = " and ".join(what for what, _ in empty)
            names = "; ".join(names for _, names in empty)
            warnings.append(
                f"{side}: every {whats} is empty ({names}); nothing can match on {whats}. If the export names "
                "the column differently, add it to [reconcile.column_map] (see wcsf_recon/columns.py)"
            )
    return warnings
