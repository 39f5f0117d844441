"""Turn raw WhatConverts lead objects (as GET /leads returns them) into snapshot rows.

Shared by the JSONL snapshot reader and the API client so both give the same columns:
`""` is read as null, `[]` for an empty map as `{}`, `additional_fields` is flattened to one
column per form label (`additional_fields.<label>`), other nested values are kept as JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

FLATTENED_MAPS = ("additional_fields",)


def flatten_lead(raw: Mapping[str, Any]) -> dict[str, Any]:
    """One raw lead object -> one flat record with text, number and boolean values."""
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if key in FLATTENED_MAPS:
            mapping = value if isinstance(value, Mapping) else {}
            for label, inner in mapping.items():
                flat[f"{key}.{label}"] = _scalar(inner)
            continue
        flat[key] = _scalar(value)
    return flat


def _scalar(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, list) and not value:
        return None  # PHP's empty array for an empty map
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def leads_frame(raw_leads: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Raw lead objects -> a text DataFrame ready for `coerce_table`."""
    rows = [flatten_lead(lead) for lead in raw_leads]
    frame = pd.DataFrame.from_records(rows)
    return frame.astype("str").where(frame.notna(), None) if len(frame) else frame
