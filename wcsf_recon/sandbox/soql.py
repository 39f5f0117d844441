"""The SOQL the extractor sends, and nothing more: SELECT fields FROM object [WHERE a AND b] [ORDER BY f] [LIMIT n].

Conditions: `Field op literal` with =, !=, <, <=, >, >= and `Field IN (...)`; literals are
quoted strings, numbers, true/false/null, dates and datetimes. Anything else is refused with a
MALFORMED_QUERY error, as Salesforce would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>\w+)(?:\s+(?P<dir>ASC|DESC))?)?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(
    r"\s*(?P<field>\w+)\s*(?:(?P<op>!=|<=|>=|=|<|>)\s*(?P<value>'(?:[^'\\]|\\.)*'|[\w:.+\-]+)|\s+IN\s*\((?P<list>[^)]*)\))\s*",
    re.IGNORECASE,
)


class SoqlError(ValueError):
    """The query is outside the supported subset or malformed."""


@dataclass
class Query:
    """A parsed query."""

    fields: list[str]
    sobject: str
    conditions: list[tuple[str, str, Any]] = field(default_factory=list)
    order_by: str | None = None
    descending: bool = False
    limit: int | None = None
    count_only: bool = False


def _literal(text: str) -> Any:
    if text.startswith("'"):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})", text):
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    try:
        return float(text)
    except ValueError:
        raise SoqlError(f"unexpected token: {text}") from None


def parse(soql: str) -> Query:
    """Parse a query of the supported subset."""
    match = _QUERY.match(soql)
    if not match:
        raise SoqlError("unexpected token in query")
    fields = [f.strip() for f in match["fields"].split(",")]
    query = Query(fields=fields, sobject=match["object"])
    if fields == ["COUNT()"] or fields == ["count()"]:
        query.count_only, query.fields = True, []
    if match["where"]:
        for part in re.split(r"\s+AND\s+", match["where"], flags=re.IGNORECASE):
            cond = _CONDITION.fullmatch(part)
            if not cond:
                raise SoqlError(f"unexpected token: {part.strip()}")
            if cond["list"] is not None:
                values = [_literal(v.strip()) for v in cond["list"].split(",") if v.strip()]
                query.conditions.append((cond["field"], "IN", values))
            else:
                query.conditions.append((cond["field"], cond["op"], _literal(cond["value"])))
    if match["order"]:
        query.order_by, query.descending = match["order"], (match["dir"] or "").upper() == "DESC"
    if match["limit"]:
        query.limit = int(match["limit"])
    return query


def _compare(value: Any, op: str, literal: Any) -> bool:
    if op == "IN":
        return value in literal
    if op == "=":
        return value == literal
    if op == "!=":
        return value != literal
    if value is None or literal is None:
        return False
    if isinstance(literal, datetime) and isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00").replace("+0000", "+00:00"))
    return {"<": value < literal, "<=": value <= literal, ">": value > literal, ">=": value >= literal}[op]


def run(query: Query, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of `records` that satisfy the query, ordered and limited."""
    rows = [r for r in records if all(_compare(r.get(f), op, lit) for f, op, lit in query.conditions)]
    if query.order_by:
        by: str = query.order_by
        rows.sort(key=lambda r: (r.get(by) is None, r.get(by) or ""), reverse=query.descending)
    if query.limit is not None:
        rows = rows[: query.limit]
    return rows
