"""WhatConverts values planned from Salesforce opportunities: null stays null when nothing is credited."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wcsf_recon.plan.updates import plan_wc_updates


def _frames(amount: float | None, won: bool, quotable: str | None, quote: float | None, sales: float | None):
    links = pd.DataFrame({"Id": ["006A"], "lead_id": ["178800001"]})
    opps = pd.DataFrame({"Id": ["006A"], "Amount": [amount], "IsWon": [won]})
    leads = pd.DataFrame(
        {"lead_id": ["178800001"], "quotable": [quotable], "quote_value": [quote], "sales_value": [sales]}
    )
    return links, opps, leads


def test_null_values_are_not_written_as_zero_when_nothing_is_credited() -> None:
    out = plan_wc_updates(*_frames(None, False, "No", None, None))  # an opportunity without an Amount
    assert out["quotable"].tolist() == ["yes"]
    assert np.isnan(out.loc[0, "quote_value"]) and np.isnan(out.loc[0, "sales_value"])


def test_values_that_are_known_are_still_written() -> None:
    out = plan_wc_updates(*_frames(1200.0, False, "No", None, None))
    assert out.loc[0, "quote_value"] == 1200.0 and np.isnan(out.loc[0, "sales_value"])  # no won deal: sales stays null
    out = plan_wc_updates(*_frames(None, False, "Yes", 500.0, None))  # WhatConverts says 500, Salesforce nothing
    assert out.loc[0, "quote_value"] == 0.0  # a known value is corrected to 0
    out = plan_wc_updates(*_frames(800.0, True, "Yes", 800.0, None))
    assert out.loc[0, "sales_value"] == 800.0


def test_a_push_leaves_out_what_the_plan_left_null(tmp_path) -> None:
    from wcsf_recon.config import Config
    from wcsf_recon.plan import Plan
    from wcsf_recon.push import plan_ops

    updates = plan_wc_updates(*_frames(None, False, "No", None, None))
    plan = Plan(pd.DataFrame(columns=["wc_lead_id"]), pd.DataFrame(columns=["sf_object", "sf_id"]), updates)
    written = Plan.read(plan.write(tmp_path / "plan"))  # the CSV round trip keeps the nulls
    (op,) = [o for o in plan_ops(written, Config()) if o.kind == "update"]
    assert op.payload == {"quotable": "yes", "quote_value": None, "sales_value": None}
