"""SOQL literals typed from describe: numbers bare, text quoted and escaped.

Salesforce refuses a quoted value for a Number field — "value of filter criterion for field ...
must be of type double and should not be enclosed in quotes" (issue 13, seen on real orgs) — and
a bare one for a Text field ("Supply a value whose data type matches the field type ... Quotes are
unnecessary for dates and numbers", SOQL and SOSL Reference, fieldExpression Syntax), so a literal
is built from the field's describe `type`, never guessed.
Text goes through simple-salesforce's `format_soql` quoting (SRC-SS `format.py`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from simple_salesforce import format_soql

NUMERIC_TYPES = {"double", "int", "long", "currency", "percent"}


def literal(value: object, field_type: str) -> str:
    """One value as a SOQL literal for a field of describe type `field_type`; non-numbers for numbers raise."""
    if field_type in NUMERIC_TYPES:
        number = float(str(value))  # ValueError for anything that is not a number: nothing reaches the query
        if not math.isfinite(number):
            raise ValueError(f"not a finite number: {value!r}")
        return str(int(number)) if number.is_integer() else repr(number)
    if field_type == "boolean":
        return "true" if str(value).lower() == "true" else "false"
    return format_soql("{}", str(value))


def in_list(values: Iterable[object], field_type: str) -> str:
    """`(v1, v2, ...)` for an IN condition."""
    return "(" + ",".join(literal(v, field_type) for v in values) + ")"
