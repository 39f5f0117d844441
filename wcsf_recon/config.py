"""Settings shared by every stage: field names, regions, thresholds, mappings. Plain data, loadable from TOML."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .errors import ConfigError

if TYPE_CHECKING:
    from .match.model_settings import ModelSettings

DEFAULT_WC_ID_FIELD = "WhatConverts_Lead_ID__c"

# Salesforce Lead field -> WhatConverts lead column, for the attribution a created lead carries.
# The names follow the common UTM_*__c convention; orgs rename them in [reconcile.lead_fields].
DEFAULT_LEAD_FIELDS: dict[str, str] = {
    "UTM_Source__c": "lead_source",
    "UTM_Medium__c": "lead_medium",
    "UTM_Campaign__c": "lead_campaign",
    "UTM_Term__c": "lead_keyword",
    "Landing_Page__c": "landing_url",
    "GCLID__c": "gclid",
}


@dataclass(frozen=True)
class OpportunityFilter:
    """Which opportunities feed WhatConverts values: the batch form of Zapier's opportunity triggers.

    Every condition that is set must hold. Opportunities filtered out are listed in
    `reports/filtered_opportunities.csv` with the condition that excluded them.
    """

    stages: tuple[str, ...] | None = None
    won_only: bool = False
    closed_only: bool = False
    min_amount: float | None = None  # Amount must be strictly greater
    record_types: tuple[str, ...] | None = None  # RecordTypeId or RecordType.Name values
    close_date_after: date | None = None

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str) -> OpportunityFilter:
        """Validate a `[reconcile.opportunity_filter]` table."""
        _refuse_unknown(cls, data, f"{source} [opportunity_filter]")
        values = dict(data)
        for key in ("stages", "record_types"):
            if key in values:
                if not isinstance(values[key], list) or not all(isinstance(v, str) for v in values[key]):
                    raise ConfigError(f"{source}: opportunity_filter.{key} must be a list of strings")
                values[key] = tuple(values[key])
        for key in ("won_only", "closed_only"):
            if key in values and not isinstance(values[key], bool):
                raise ConfigError(f"{source}: opportunity_filter.{key} must be true or false")
        if "min_amount" in values and not isinstance(values["min_amount"], (int, float)):
            raise ConfigError(f"{source}: opportunity_filter.min_amount must be a number")
        if "close_date_after" in values:
            raw = values["close_date_after"]
            try:
                values["close_date_after"] = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
            except ValueError:
                raise ConfigError(
                    f"{source}: opportunity_filter.close_date_after must be a date (YYYY-MM-DD)"
                ) from None
        return cls(**values)


@dataclass(frozen=True)
class Config:
    """Everything a reconciliation needs to know about the two systems it compares.

    `wc_id_field` is the Salesforce custom field that stores the WhatConverts lead id on
    Lead, Contact and Opportunity records. `default_region` is the ISO 3166 region used to
    read phone numbers whose record has no usable country. `attribution` decides which of a
    person's WhatConverts leads an opportunity is credited to when no stored id says so:
    `first` (the earliest lead at or before the opportunity was created) or `last` (the
    latest such lead); with no lead before it, the earliest lead either way.
    """

    wc_id_field: str = DEFAULT_WC_ID_FIELD
    default_region: str = "US"
    canonical_emails: bool = False
    hold_anonymous_repeat_callers: bool = True
    attribution: Literal["first", "last"] = "first"
    auto_link_threshold: float = 0.85
    review_threshold: float = 0.6
    lead_source_value: str = "WhatConverts"
    company_placeholder: str = "[not provided]"
    last_name_placeholder: str = "[not provided]"
    lead_fields: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LEAD_FIELDS))
    opportunity_filter: OpportunityFilter = field(default_factory=OpportunityFilter)
    # Salesforce writes (push): lead assignment rules on creates ("org" runs the org's active rule, "none",
    # or an AssignmentRule id; the id backfill never reassigns), duplicate rules ("block": a match is
    # reported DUPLICATES_DETECTED; "allow": allowSave=true passes alert-only rules), and text longer
    # than the org's field ("truncate" with a warning, or "refuse" the create)
    assignment_rules: str = "org"
    duplicate_rules: Literal["block", "allow"] = "block"
    long_values: Literal["truncate", "refuse"] = "truncate"
    # snapshot table -> {export header: column}, on top of the built-in map (wcsf_recon/columns.py)
    column_map: dict[str, dict[str, str]] = field(default_factory=dict)
    # the match model's settings (README: The match model): a TOML/JSON file, read once here, or the object
    match_settings: ModelSettings | str | Path | None = None

    def __post_init__(self) -> None:
        if isinstance(self.match_settings, (str, Path)):
            object.__setattr__(self, "match_settings", _load_match_settings(self.match_settings, "match_settings"))

    def model_settings(self) -> ModelSettings:
        """The match model's settings: those `match_settings` names, else the defaults."""
        from .match.model_settings import ModelSettings

        return self.match_settings if isinstance(self.match_settings, ModelSettings) else ModelSettings()

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str = "config") -> Config:
        """Build a Config from a mapping, refusing unknown keys and bad values with a message naming them."""
        _refuse_unknown(cls, data, source)
        values = dict(data)
        values["default_region"] = check_region(str(values.get("default_region", cls.default_region)), source)
        for key in ("canonical_emails", "hold_anonymous_repeat_callers"):
            if key in values and not isinstance(values[key], bool):
                raise ConfigError(f"{source}: {key} must be true or false")
        if values.get("attribution", "first") not in ("first", "last"):
            raise ConfigError(f"{source}: attribution must be 'first' or 'last', got {values['attribution']!r}")
        for key in ("auto_link_threshold", "review_threshold"):
            if key in values and not (isinstance(values[key], (int, float)) and 0 <= values[key] <= 1):
                raise ConfigError(f"{source}: {key} must be a number between 0 and 1")
        auto = values.get("auto_link_threshold", cls.auto_link_threshold)
        if values.get("review_threshold", cls.review_threshold) > auto:
            raise ConfigError(f"{source}: review_threshold must not exceed auto_link_threshold")
        if "lead_fields" in values:
            mapping = values["lead_fields"]
            if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
                raise ConfigError(f"{source}: lead_fields must map Salesforce field names to WhatConverts columns")
        for key, allowed in (("duplicate_rules", ("block", "allow")), ("long_values", ("truncate", "refuse"))):
            if key in values and values[key] not in allowed:
                raise ConfigError(f"{source}: {key} must be one of {', '.join(allowed)}, got {values[key]!r}")
        rule = values.get("assignment_rules", "org")
        if not isinstance(rule, str) or not (rule in ("org", "none") or (rule.isalnum() and len(rule) in (15, 18))):
            raise ConfigError(f"{source}: assignment_rules must be 'org', 'none' or an AssignmentRule id, got {rule!r}")
        if "opportunity_filter" in values:
            values["opportunity_filter"] = OpportunityFilter.from_mapping(values["opportunity_filter"], source)
        if "column_map" in values:
            from .tables.columns import validate_column_map

            values["column_map"] = validate_column_map(values["column_map"], source)
        if "match_settings" in values:
            values["match_settings"] = _load_match_settings(values["match_settings"], f"{source}: match_settings")
        return cls(**values)

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
        table = raw.get("reconcile", raw)
        if isinstance(table.get("match_settings"), str):  # a relative path is read from the config file's folder
            table["match_settings"] = str(path.parent / table["match_settings"])
        return cls.from_mapping(table, source=str(path))

    def with_overrides(self, **changes: Any) -> Config:
        """A copy with some settings changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def check_region(region: str, source: str = "default_region") -> str:
    """An ISO 3166 region phonenumbers can read numbers for (`US`, `GB`, ...), upper-cased; refuse others."""
    import phonenumbers

    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        hint = "a two-letter ISO code" if len(code) != 2 or not code.isalpha() else "a region phonenumbers supports"
        raise ConfigError(f"{source}: default_region must be {hint} (US, GB, CA, DE, ...), got {region!r}")
    return code


def _refuse_unknown(cls: type, data: dict[str, Any], source: str) -> None:
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}")


def _load_match_settings(value: object, source: str) -> ModelSettings:
    """Read a match settings file (`match_settings = "match.toml"`); its errors name the file, key and value."""
    from .match.model_settings import ModelSettings

    if isinstance(value, ModelSettings):
        return value
    if not isinstance(value, (str, Path)):
        raise ConfigError(f"{source} = {value!r}: must be the path of a .toml or .json match settings file")
    if not Path(value).is_file():
        raise ConfigError(f"{source} = {str(value)!r}: no such file (write one with `wcsf-recon model init FILE`)")
    return ModelSettings.load(value)
