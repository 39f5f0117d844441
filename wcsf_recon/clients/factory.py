"""The one place that builds both API clients from credentials in the environment or a `.env` file.

The CLI's `extract`, `push`, `config check` and `run` and the notebook's `push_plan` all call
`from_env`, so every client counts its WhatConverts requests in the same budget file
(`state_dir/whatconverts/budget.json`) and trusts the same certificates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..credentials import load_env, salesforce_credentials, whatconverts_credentials
from .budget import DAILY_LIMITS, RequestBudget
from .salesforce import SalesforceCredentials, SalesforceReader
from .whatconverts import WhatConvertsClient


@dataclass
class Clients:
    """Both clients of one run; `with` closes the WhatConverts connection pool."""

    whatconverts: WhatConvertsClient
    salesforce: SalesforceReader | None  # None when the caller did not ask to log in
    master_key: bool  # the WhatConverts key is an agency key (lists accounts and profiles)
    salesforce_credentials: SalesforceCredentials = field(repr=False)

    def connect_salesforce(self, bulk_threshold: int = 10_000) -> SalesforceReader:
        """Log in to Salesforce now (when `from_env` was told not to), keeping the reader here."""
        if self.salesforce is None:
            self.salesforce = SalesforceReader(self.salesforce_credentials, bulk_threshold=bulk_threshold)
        return self.salesforce

    def close(self) -> None:
        """Close the WhatConverts connection pool (simple-salesforce holds nothing to close)."""
        self.whatconverts.close()

    def __enter__(self) -> Clients:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def budget_file(state_dir: str | Path) -> Path:
    """Where the WhatConverts daily request count is kept."""
    return Path(state_dir) / "whatconverts" / "budget.json"


def from_env(
    env_file: str | Path | None,
    state_dir: str | Path,
    *,
    salesforce: bool = True,
    wc_daily_limit: int | None = None,
    sf_bulk_threshold: int = 10_000,
) -> Clients:
    """Both clients from WC_* and SF_* settings; `salesforce=False` skips the Salesforce login.

    `wc_daily_limit` overrides the key type's daily limit (1,000 profile, 10,000 master).
    """
    env = load_env(Path(env_file) if env_file else None)
    wc_creds = whatconverts_credentials(env)
    limit = wc_daily_limit or DAILY_LIMITS[wc_creds.key_type]
    budget = RequestBudget(wc_creds.token, limit, budget_file(state_dir))
    wc = WhatConvertsClient(wc_creds.token, wc_creds.secret, wc_creds.base_url, budget, verify=wc_creds.verify)
    clients = Clients(wc, None, wc_creds.key_type == "master", salesforce_credentials(env))
    if salesforce:
        try:
            clients.connect_salesforce(sf_bulk_threshold)
        except BaseException:
            clients.close()
            raise
    return clients
