"""Settings shared by every stage: field names, regions, thresholds. Plain data, loadable from TOML."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

DEFAULT_WC_ID_FIELD = "WhatConverts_Lead_ID__c"


@dataclass(frozen=True)
class Config:
    """Everything a reconciliation needs to know about the two systems it compares.

    `wc_id_field` is the Salesforce custom field that stores the WhatConverts lead id on
    Lead, Contact and Opportunity records. `default_region` is the ISO 3166 region used to
    read phone numbers whose record has no usable country.
    """

    wc_id_field: str = DEFAULT_WC_ID_FIELD
    default_region: str = "US"
    canonical_emails: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str = "config") -> Config:
        """Build a Config from a mapping, refusing unknown keys with a message naming them."""
        known = {f.name for f in fields(cls)} - {"extra"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}")
        region = str(data.get("default_region", cls.default_region)).upper()
        if len(region) != 2 or not region.isalpha():
            raise ConfigError(f"{source}: default_region must be a two-letter ISO code, got {region!r}")
        return cls(**{**data, "default_region": region})

    @classmethod
    def from_toml(cls, path: str | Path) -> Config:
        """Read the `[reconcile]` table (or the top level) of a TOML file."""
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: config file not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        return cls.from_mapping(raw.get("reconcile", raw), source=str(path))
