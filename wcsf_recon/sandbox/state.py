"""The sandbox's data: both systems' records held as the APIs' own JSON, plus a request log."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..config import DEFAULT_WC_ID_FIELD
from ..tables.schema import SF_OBJECTS
from ..tables.snapshot import Snapshot
from .faults import Faults
from .org import ASSIGNMENT_RULE_ID, DEFAULT_OWNER, DUPLICATE_RULE_ID, RULE_OWNER, OrgSetup
from .records import sf_value, wc_lead

ID_PREFIX = {"Lead": "00Q", "Contact": "003", "Account": "001", "Opportunity": "006", "OpportunityContactRole": "00K"}
SETUP_TYPES = {"Active": "boolean", "IsActive": "boolean", "IsCorporate": "boolean", "ConversionRate": "double"}
SYSTEM_TYPES = {
    "IsDeleted": "boolean",
    "SystemModstamp": "datetime",
    "CreatedDate": "datetime",
    "LastModifiedDate": "datetime",
}


@dataclass
class Credentials:
    """What the sandbox accepts. Secrets are generated per sandbox unless given."""

    wc_token: str = field(default_factory=lambda: f"51497-{secrets.token_hex(8)}")
    wc_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    sf_client_id: str = field(default_factory=lambda: secrets.token_hex(12))
    sf_client_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    sf_username: str = "integration@example.com.sandbox"
    sf_password: str = field(default_factory=lambda: secrets.token_hex(8))
    sf_security_token: str = field(default_factory=lambda: secrets.token_hex(6))
    wc_master: bool = False  # the WhatConverts key is an agency (master) key
    sf_jwt_public_key: bytes | None = None  # PEM of the connected app's certificate key (JWT bearer flow)


class SandboxState:
    """Records, sessions, jobs, the request log and the fault plan, shared by all handlers."""

    def __init__(
        self,
        snapshot: Snapshot,
        credentials: Credentials,
        faults: Faults,
        wc_id_field: str = DEFAULT_WC_ID_FIELD,
        id_field_is_external: bool = True,
        extra_fields: dict[str, list[str]] | None = None,
        org: OrgSetup | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.org = org or OrgSetup()
        self.credentials = credentials
        self.faults = faults
        self.wc_id_field = wc_id_field
        self.id_field_is_external = id_field_is_external
        self.wc_leads: dict[int, dict[str, Any]] = {}
        for row in snapshot.wc_leads.to_dict("records"):
            lead = wc_lead(row)
            self.wc_leads[int(lead["lead_id"])] = lead
        self.sf: dict[str, dict[str, dict[str, Any]]] = {}
        self.sf_fields: dict[str, list[str]] = {}
        self.sf_types: dict[str, dict[str, str]] = {}
        now = self.now_sf()
        for attr, sobject in SF_OBJECTS.items():
            frame = getattr(snapshot, attr)
            columns = list(frame.columns)
            declared: dict[str, str] = {}  # `Name:type` in extra_fields gives an org field a type
            for extra in ("IsDeleted", "SystemModstamp", "CreatedDate", *(extra_fields or {}).get(sobject, [])):
                name, _, kind = extra.partition(":")
                if kind:
                    declared[name] = kind
                if name not in columns:
                    columns.append(name)
            self.sf_fields[sobject] = columns
            self.sf_types[sobject] = {
                c: declared.get(c) or _sf_type(c, frame[c].dtype if c in frame else None) for c in columns
            }
            table: dict[str, dict[str, Any]] = {}
            for row in frame.to_dict("records"):
                record = {c: sf_value(c, row.get(c)) for c in columns}
                record["IsDeleted"] = bool(record.get("IsDeleted") or False)
                record["CreatedDate"] = record.get("CreatedDate") or now
                record["SystemModstamp"] = (
                    record.get("SystemModstamp") or record.get("LastModifiedDate") or (record["CreatedDate"])
                )
                table[record["Id"]] = record
            self.sf[sobject] = table
        self._set_up_org(wc_id_field)
        self.sessions: set[str] = set()
        self.sf_calls = 0
        self.session_expired_once = False
        # locator -> (sobject, rows, fields, page size)
        self.queries: dict[str, tuple[str, list[dict[str, Any]], list[str], int]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.log: list[tuple[str, str, str, int]] = []
        self.day = 0
        self.wc_requests_today = 0
        self.wc_pages: list[tuple[str, str, int]] = []  # (start_date, end_date, page_number) of each lead list
        self.counters: Counter[str] = Counter()
        self.next_lead_id = max(self.wc_leads, default=178_800_000) + 1000

    def _set_up_org(self, wc_id_field: str) -> None:
        """Owner, currency and id field type on the records; the setup objects rules are read from."""
        org = self.org
        for types in self.sf_types.values():  # system fields, whatever the snapshot's dtypes said
            types.update({k: v for k, v in SYSTEM_TYPES.items() if k in types})
        lead = self.sf_fields["Lead"]
        if "OwnerId" not in lead:
            lead.append("OwnerId")
            self.sf_types["Lead"]["OwnerId"] = "reference"
        for record in self.sf["Lead"].values():
            record.setdefault("OwnerId", None)
            record["OwnerId"] = record["OwnerId"] or DEFAULT_OWNER
        if org.multi_currency:
            for sobject in ("Opportunity", "Lead"):
                if "CurrencyIsoCode" not in self.sf_fields[sobject]:
                    self.sf_fields[sobject].append("CurrencyIsoCode")
                    self.sf_types[sobject]["CurrencyIsoCode"] = "picklist"
                for record in self.sf[sobject].values():
                    record["CurrencyIsoCode"] = record.get("CurrencyIsoCode") or org.corporate_currency
        if org.id_field_type != "string":
            for sobject in self.sf:
                if wc_id_field in self.sf_types[sobject]:
                    self.sf_types[sobject][wc_id_field] = org.id_field_type
                    for record in self.sf[sobject].values():
                        if record.get(wc_id_field) not in (None, ""):
                            record[wc_id_field] = float(record[wc_id_field])
        setup = {
            "AssignmentRule": (
                ["Id", "Name", "SobjectType", "Active"],
                [{"Id": ASSIGNMENT_RULE_ID, "Name": "Web leads", "SobjectType": "Lead", "Active": True}]
                if org.assignment_rule
                else [],
            ),
            "DuplicateRule": (
                ["Id", "DeveloperName", "MasterLabel", "SobjectType", "IsActive"],
                [
                    {
                        "Id": DUPLICATE_RULE_ID,
                        "DeveloperName": "Standard_Lead_Duplicate_Rule",
                        "MasterLabel": "Standard Lead Duplicate Rule",
                        "SobjectType": "Lead",
                        "IsActive": True,
                    }
                ]
                if org.duplicate_rule
                else [],
            ),
        }
        if org.multi_currency:  # CurrencyType: ConversionRate = units of the currency per corporate unit
            setup["CurrencyType"] = (
                ["Id", "IsoCode", "ConversionRate", "IsCorporate", "IsActive"],
                [
                    {
                        "Id": f"01LSB{n:013d}",
                        "IsoCode": code,
                        "ConversionRate": rate,
                        "IsCorporate": corporate,
                        "IsActive": True,
                    }
                    for n, (code, rate, corporate) in enumerate(
                        [(org.corporate_currency, 1.0, True), *((c, r, False) for c, r in org.currencies.items())]
                    )
                ],
            )
        if org.dated_rates:  # DatedConversionRate is queryable only with advanced currency management on
            setup["DatedConversionRate"] = (
                ["Id", "IsoCode", "ConversionRate", "StartDate", "NextStartDate"],
                _dated_rate_rows(org.dated_rates),
            )
        for sobject, (columns, rows) in setup.items():
            self.sf_fields[sobject] = columns
            self.sf_types[sobject] = {
                c: "boolean"
                if c in ("Active", "IsActive", "IsCorporate")
                else "double"
                if c == "ConversionRate"
                else "date"
                if c in ("StartDate", "NextStartDate")
                else "string"
                for c in columns
            }
            self.sf_types[sobject]["Id"] = "id"
            self.sf[sobject] = {str(r["Id"]): {**r, "IsDeleted": False} for r in rows}
        self.rule_owner = RULE_OWNER

    def length(self, sobject: str, name: str) -> int:
        """describe `length` of a text field (0 for other types)."""
        if self.sf_types[sobject].get(name) not in ("string", "textarea", "url", "email", "phone"):
            return 0
        return self.org.lengths.get(name, self.org.string_length)

    @staticmethod
    def now_sf() -> str:
        """The current time as Salesforce writes datetimes."""
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")

    def record(self, service: str, method: str, path: str, status: int) -> None:
        """Log one request (the tests and benchmarks count these)."""
        with self.lock:
            self.log.append((service, method, path, status))
            self.counters[f"{service} {method} {_route(path)}"] += 1

    def count(self, service: str) -> int:
        """Requests made to one service so far."""
        return sum(1 for entry in self.log if entry[0] == service)

    def new_id(self, sobject: str) -> str:
        """A fresh 18-character Salesforce id for `sobject`."""
        with self.lock:
            self.counters[f"id:{sobject}"] += 1
            return f"{ID_PREFIX[sobject]}SB{self.counters[f'id:{sobject}']:010d}AAA"

    def next_day(self) -> None:
        """Midnight UTC in the sandbox: the WhatConverts daily counter starts again."""
        with self.lock:
            self.day += 1
            self.wc_requests_today = 0


def _dated_rate_rows(rates: dict[str, list[tuple[str, float]]]) -> list[dict[str, Any]]:
    """DatedConversionRate rows: each rate holds from its StartDate until the code's next StartDate (None: open)."""
    rows: list[dict[str, Any]] = []
    for code, periods in rates.items():
        ordered = sorted(periods)
        for (start, rate), following in zip(ordered, [*ordered[1:], None], strict=True):
            rows.append(
                {
                    "Id": f"04wSB{len(rows):013d}",
                    "IsoCode": code,
                    "ConversionRate": rate,
                    "StartDate": start,
                    "NextStartDate": following[0] if following else None,
                }
            )
    return rows


def _route(path: str) -> str:
    """`/api/v1/leads/178800123` -> `/api/v1/leads/{id}`: ids are long tokens with digits."""
    parts = [p for p in path.split("/") if p]

    def is_id(part: str) -> bool:
        return part.isdigit() or (len(part) >= 9 and any(ch.isdigit() for ch in part) and not part.startswith("v"))

    return "/" + "/".join("{id}" if is_id(p) else p for p in parts)


def _sf_type(column: str, dtype: Any) -> str:
    if column == "Id":
        return "id"
    if column.endswith("Id") and column != "Id":
        return "reference"
    name = str(dtype)
    if name == "boolean" or name == "bool":
        return "boolean"
    if "datetime" in name:
        return "date" if column in ("CloseDate", "ConvertedDate") else "datetime"
    if name.startswith("float"):
        return "currency" if column == "Amount" else "double"
    return "string"
