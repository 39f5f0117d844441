"""Snapshot rows <-> the JSON and CSV values each API really sends."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

import pandas as pd

DATE_ONLY_FIELDS = {"CloseDate", "ConvertedDate"}
WC_INT_FIELDS = {"lead_id", "account_id", "profile_id", "lead_score", "call_duration_seconds"}
WC_MONEY_FIELDS = {"quote_value", "sales_value"}


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NaT:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def wc_lead(row: dict[str, Any]) -> dict[str, Any]:
    """One snapshot row -> a lead object as GET /leads returns it ("" for missing text, [] for empty maps)."""
    lead: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, raw in row.items():
        value = _plain(raw)
        if key.startswith("additional_fields."):
            if value is not None:
                extra[key.split(".", 1)[1]] = value
            continue
        if isinstance(value, (pd.Timestamp, datetime)):
            value = value.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif key in WC_INT_FIELDS and value is not None:
            value = int(float(value))
        elif key in WC_MONEY_FIELDS:
            value = None if value is None else float(value)
        elif value is None:
            value = ""
        elif isinstance(value, str) and value.startswith(("{", "[")) and key in ("lead_analysis", "customer_journey"):
            value = json.loads(value)
        lead[key] = value
    lead["additional_fields"] = extra or []
    return lead


def sf_value(field: str, value: Any) -> Any:
    """A typed snapshot value -> Salesforce REST JSON."""
    value = _plain(value)
    if isinstance(value, (pd.Timestamp, datetime)):
        ts = pd.Timestamp(value)
        if field in DATE_ONLY_FIELDS:
            return ts.strftime("%Y-%m-%d")
        return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}+0000"
    return value


def sf_csv_value(value: Any) -> str:
    """A REST JSON value -> Bulk API 2.0 CSV text (booleans true/false, empty for null)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)
