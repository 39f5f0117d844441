"""How the sandbox org is set up beyond its records: id field type, assignment and duplicate rules, currencies.

Each switch mirrors an org setting the real API's behaviour depends on, so the tests can run
the same push against differently configured orgs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_OWNER = "005SB0000000001AAA"  # the integration user: owner of records no rule reassigns
RULE_OWNER = "005SB0000000002AAA"  # the queue/user the active lead assignment rule assigns to
ASSIGNMENT_RULE_ID = "01QSB0000000001AAA"
DUPLICATE_RULE_ID = "0BmSB0000000001AAA"


@dataclass
class OrgSetup:
    """Org-level settings of the sandbox; the defaults are a plain single-currency org without rules."""

    id_field_type: str = "string"  # "string" (Text) or "double" (Number(18,0))
    assignment_rule: bool = False  # an active Lead assignment rule assigning to RULE_OWNER
    duplicate_rule: bool = False  # an active Lead duplicate rule on Email, action Allow + alert
    currencies: dict[str, float] = field(default_factory=dict)  # ISO code -> rate to the corporate currency
    corporate_currency: str = "USD"
    # advanced currency management: ISO code -> [(StartDate "YYYY-MM-DD", ConversionRate), ...]; served as
    # DatedConversionRate rows whose NextStartDate is the code's next StartDate (Object Reference)
    dated_rates: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    string_length: int = 255  # describe `length` of text fields not listed below
    lengths: dict[str, int] = field(default_factory=lambda: {"LastName": 80, "FirstName": 40})

    @property
    def multi_currency(self) -> bool:
        """Is multi-currency on (Opportunity has CurrencyIsoCode)?"""
        return bool(self.currencies or self.dated_rates)
