"""The columns of every snapshot table: which are required, which is the key, how each is typed.

Column names are the APIs' own (WhatConverts lead fields, Salesforce API names) so a snapshot
reads like what the APIs return. Columns not listed here are kept as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["id", "text", "bool", "datetime", "money", "int"]


@dataclass(frozen=True)
class TableSpec:
    """How one snapshot table is stored and typed."""

    name: str  # attribute name on Snapshot
    folder: str  # "whatconverts" or "salesforce"
    file_stem: str  # file name without extension
    key: str  # primary key column
    required: tuple[str, ...]
    kinds: dict[str, Kind] = field(default_factory=dict)
    # columns the toolkit reads when present; added as nulls when a file lacks them
    standard: tuple[str, ...] = ()
    carries_wc_id: bool = False  # has the configured WhatConverts id field

    def expected_columns(self, wc_id_field: str) -> tuple[str, ...]:
        """Required, then standard columns (and the WhatConverts id field where records carry it)."""
        extra = (wc_id_field,) if self.carries_wc_id else ()
        return tuple(dict.fromkeys((*self.required, *self.standard, *extra)))

    def kind_of(self, column: str, wc_id_field: str) -> Kind:
        """The type a column is parsed as; unknown columns stay text."""
        if column == wc_id_field:
            return "id"
        return self.kinds.get(column, "text")


_SF_COMMON: dict[str, Kind] = {
    "Id": "id",
    "IsDeleted": "bool",
    "CreatedDate": "datetime",
    "LastModifiedDate": "datetime",
    "SystemModstamp": "datetime",
    "MasterRecordId": "id",
    "OwnerId": "id",
}

WC_LEADS = TableSpec(
    name="wc_leads",
    folder="whatconverts",
    file_stem="leads",
    key="lead_id",
    required=("lead_id", "lead_type", "date_created"),
    kinds={
        "lead_id": "id",
        "account_id": "id",
        "profile_id": "id",
        "user_id": "text",
        "date_created": "datetime",
        "last_updated": "datetime",
        "quote_value": "money",
        "sales_value": "money",
        "spam": "bool",
        "duplicate": "bool",
        "lead_score": "int",
        "call_duration_seconds": "int",
    },
    standard=(
        "lead_status",
        "last_updated",
        "user_id",
        "contact_name",
        "contact_company_name",
        "contact_email_address",
        "contact_phone_number",
        "email_address",
        "phone_number",
        "caller_number",
        "caller_name",
        "caller_city",
        "caller_zip",
        "caller_country",
        "city",
        "state",
        "zip",
        "country",
        "lead_source",
        "lead_medium",
        "lead_campaign",
        "lead_keyword",
        "lead_url",
        "landing_url",
        "gclid",
        "quotable",
        "quote_value",
        "sales_value",
        "spam",
        "duplicate",
    ),
)

SF_LEADS = TableSpec(
    name="sf_leads",
    folder="salesforce",
    file_stem="Lead",
    key="Id",
    required=("Id", "LastName", "Company", "IsConverted"),
    kinds={
        **_SF_COMMON,
        "IsConverted": "bool",
        "ConvertedDate": "datetime",
        "ConvertedContactId": "id",
        "ConvertedAccountId": "id",
        "ConvertedOpportunityId": "id",
    },
    standard=(
        "FirstName",
        "Email",
        "Phone",
        "MobilePhone",
        "Country",
        "City",
        "PostalCode",
        "ConvertedDate",
        "ConvertedContactId",
        "ConvertedAccountId",
        "ConvertedOpportunityId",
        "CreatedDate",
        "IsDeleted",
        "MasterRecordId",
    ),
    carries_wc_id=True,
)

SF_CONTACTS = TableSpec(
    name="sf_contacts",
    folder="salesforce",
    file_stem="Contact",
    key="Id",
    required=("Id", "LastName"),
    kinds={**_SF_COMMON, "AccountId": "id"},
    standard=(
        "FirstName",
        "Email",
        "Phone",
        "MobilePhone",
        "MailingCountry",
        "MailingCity",
        "MailingPostalCode",
        "AccountId",
        "CreatedDate",
        "IsDeleted",
        "MasterRecordId",
    ),
    carries_wc_id=True,
)

SF_ACCOUNTS = TableSpec(
    name="sf_accounts",
    folder="salesforce",
    file_stem="Account",
    key="Id",
    required=("Id", "Name"),
    kinds={**_SF_COMMON},
)

SF_OPPORTUNITIES = TableSpec(
    name="sf_opportunities",
    folder="salesforce",
    file_stem="Opportunity",
    key="Id",
    required=("Id", "StageName", "Amount", "IsWon", "IsClosed", "CreatedDate"),
    kinds={
        **_SF_COMMON,
        "AccountId": "id",
        "ContactId": "id",
        "CampaignId": "id",
        "Amount": "money",
        "IsWon": "bool",
        "IsClosed": "bool",
        "CloseDate": "datetime",
        "Probability": "money",
    },
    standard=("Name", "AccountId", "ContactId", "CloseDate", "LeadSource", "IsDeleted"),
    carries_wc_id=True,
)

SF_CONTACT_ROLES = TableSpec(
    name="sf_contact_roles",
    folder="salesforce",
    file_stem="OpportunityContactRole",
    key="Id",
    required=("Id", "OpportunityId", "ContactId"),
    kinds={**_SF_COMMON, "OpportunityId": "id", "ContactId": "id", "IsPrimary": "bool"},
    standard=("Role", "IsPrimary", "IsDeleted"),
)

TABLES: tuple[TableSpec, ...] = (
    WC_LEADS,
    SF_LEADS,
    SF_CONTACTS,
    SF_ACCOUNTS,
    SF_OPPORTUNITIES,
    SF_CONTACT_ROLES,
)

# snapshot table -> Salesforce object (a Salesforce table's file is named after its sObject)
SF_OBJECTS = {spec.name: spec.file_stem for spec in TABLES if spec.folder == "salesforce"}
