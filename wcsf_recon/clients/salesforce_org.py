"""What `config check` reports about the connected org: the things a push's behaviour depends on.

The login flow used; whether the id field is Text or Number and an External ID (upsert vs.
create-then-look-up); the active Lead assignment rules (they run on creates unless
`assignment_rules = "none"`) and duplicate rules (a match blocks a create unless
`duplicate_rules = "allow"` and the rule only alerts) this user can see — AssignmentRule and
DuplicateRule are queryable setup objects (Object Reference); multi-currency (Opportunity has
`CurrencyIsoCode` only when it is on, Object Reference "CurrencyIsoCode"); and the length of
every mapped Lead field.
"""

from __future__ import annotations

from typing import Any

from simple_salesforce.exceptions import SalesforceError

from ..config import Config
from .salesforce import SalesforceReader
from .salesforce_login import FLOW_LABELS, login_flow

RULE_QUERIES = {
    "assignment_rules": "SELECT Id, Name FROM AssignmentRule WHERE SobjectType = 'Lead' AND Active = true",
    "duplicate_rules": "SELECT Id, MasterLabel FROM DuplicateRule WHERE SobjectType = 'Lead' AND IsActive = true",
}


def _visible(reader: SalesforceReader, soql: str, label: str) -> list[str] | str:
    try:
        rows = reader.call(lambda sf: list(sf.query_all_iter(soql)), "read setup rules")
    except SalesforceError as exc:
        return f"not visible to this user ({type(exc).__name__})"
    return [str(r.get(label) or r["Id"]) for r in rows]


def org_report(reader: SalesforceReader, config: Config) -> dict[str, Any]:
    """The connected org as a push sees it (read-only: describe and three small queries)."""
    id_meta = reader.field("Lead", config.wc_id_field) or {}
    kind = id_meta.get("type")
    text_or_number = {"string": "Text", "double": "Number"}.get(str(kind), str(kind)) if kind else "missing"
    lengths = {}
    for name in [config.wc_id_field, *config.lead_fields]:
        meta = reader.field("Lead", name)
        lengths[name] = int(meta.get("length") or 0) if meta else None
    return {
        "login_flow": FLOW_LABELS[login_flow(reader.creds)],
        "id_field": {
            "name": id_meta.get("name", config.wc_id_field),
            "type": text_or_number,
            "external_id": bool(id_meta.get("externalId")),
        },
        "assignment_rules": _visible(reader, RULE_QUERIES["assignment_rules"], "Name"),
        "duplicate_rules": _visible(reader, RULE_QUERIES["duplicate_rules"], "MasterLabel"),
        "multi_currency": reader.field("Opportunity", "CurrencyIsoCode") is not None,
        "field_lengths": lengths,  # None: the org has no such field; 0: not a text field
    }


def report_lines(report: dict[str, Any]) -> list[str]:
    """The report as lines for the console."""
    id_field = report["id_field"]

    def rules(value: list[str] | str) -> str:
        return value if isinstance(value, str) else (", ".join(value) or "none active")

    lengths = ", ".join(
        f"{k} {'missing' if v is None else (v or 'not text')}" for k, v in report["field_lengths"].items()
    )
    return [
        f"login flow: {report['login_flow']}",
        f"id field {id_field['name']}: {id_field['type']}, "
        f"{'External ID (creates upsert)' if id_field['external_id'] else 'not an External ID (creates looked up)'}",
        f"lead assignment rules: {rules(report['assignment_rules'])}",
        f"lead duplicate rules: {rules(report['duplicate_rules'])}",
        f"multi-currency: {'on' if report['multi_currency'] else 'off'}",
        f"field lengths: {lengths}",
    ]
