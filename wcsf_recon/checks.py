"""The config checked against a snapshot: every column it names must exist before anything is planned.

A `[reconcile.lead_fields]` entry naming a WhatConverts column the snapshot does not have
(`lead_sourc`) would otherwise copy empty values onto every created lead, and a `wc_id_field`
other than the one the snapshot was read with would find no stored ids.
"""

from __future__ import annotations

import difflib

from .config import Config
from .errors import ConfigError
from .tables.snapshot import Snapshot


def check_config_against(snapshot: Snapshot, config: Config) -> None:
    """Raise ConfigError naming the key and the missing column (with the nearest existing names)."""
    columns = [str(c) for c in snapshot.wc_leads.columns]
    missing = {sf: wc for sf, wc in config.lead_fields.items() if wc not in columns}
    if missing:
        sf_field, wc_column = next(iter(missing.items()))
        near = difflib.get_close_matches(wc_column, columns, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(near)}?" if near else f"; columns: {', '.join(columns[:30])}"
        raise ConfigError(
            f"[reconcile.lead_fields] {sf_field} = {wc_column!r}: the WhatConverts leads have no column {wc_column!r}"
            + hint
        )
    read_with = snapshot.manifest.get("wc_id_field")
    if read_with and read_with != config.wc_id_field:
        raise ConfigError(
            f"wc_id_field is {config.wc_id_field!r} but the snapshot was read with {read_with!r}; "
            f"pass read_snapshot(..., wc_id_field={config.wc_id_field!r}) or set the config to {read_with!r}"
        )
