"""Attribution analyses on a hand-built tidy frame; every expected number worked out by hand below.

Person A: leads a1 (google, Jan 1) and a2 (facebook, Feb 1); opportunities o1 (won, $1,000,
created Feb 10, closed Mar 1) and o2 (lost, $500, created Jan 15, closed Jan 20), both credited
to a1. Person B: lead b1 (google, Jan 5), not in Salesforce. Person C: lead c1 (facebook, Mar 1),
opportunity o3 (won, $200, created Mar 5, closed Mar 20).
"""

from __future__ import annotations

import pandas as pd
import pytest

from wcsf_recon import attribution as at

T = pd.Timestamp


def _tidy() -> pd.DataFrame:
    rows = [
        ("a1", "A", True, "google", "2025-01-01", "o1", 1000.0, True, True, "2025-02-10", "2025-03-01"),
        ("a1", "A", True, "google", "2025-01-01", "o2", 500.0, False, True, "2025-01-15", "2025-01-20"),
        ("a2", "A", True, "facebook", "2025-02-01", None, None, False, None, None, None),
        ("b1", "B", False, "google", "2025-01-05", None, None, False, None, None, None),
        ("c1", "C", True, "facebook", "2025-03-01", "o3", 200.0, True, True, "2025-03-05", "2025-03-20"),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "lead_id",
            "person",
            "in_salesforce",
            "lead_source",
            "lead_date",
            "opportunity_id",
            "amount",
            "won",
            "closed",
            "opportunity_date",
            "close_date",
        ],
    )
    for col in ("lead_date", "opportunity_date", "close_date"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    frame["won_amount"] = frame["amount"].where(frame["won"], 0.0).fillna(0.0)
    return frame


def test_by_channel_counts_people_and_credited_revenue() -> None:
    table = at.by_channel(_tidy(), min_n=2).set_index("lead_source")
    assert table.index.tolist() == ["google", "facebook"]  # sorted by won revenue
    g, f = table.loc["google"], table.loc["facebook"]
    assert (g.leads, g.people, g.people_in_salesforce, g.opportunities, g.won_deals) == (2, 2, 1, 2, 1)
    assert (g.pipeline, g.won_revenue, g.opportunity_rate, g.win_rate) == (1500.0, 1000.0, 1.0, 0.5)
    assert (f.leads, f.people, f.people_in_salesforce, f.opportunities, f.won_deals) == (2, 2, 2, 1, 1)
    assert (f.pipeline, f.won_revenue, f.win_rate) == (200.0, 200.0, 0.5)
    assert not g.small_n and at.by_channel(_tidy(), min_n=3)["small_n"].all()


def test_funnel_uses_distinct_people() -> None:
    overall = at.funnel(_tidy()).iloc[0].to_dict()
    assert overall == {"leads": 4, "people": 3, "in_salesforce": 2, "with_opportunity": 2, "won": 2}
    per = at.funnel(_tidy(), "lead_source").set_index("lead_source")
    assert per.loc["google"].tolist() == [2, 2, 1, 1, 1]  # B counts as a google person with nothing further
    assert per.loc["facebook"].tolist() == [2, 2, 2, 1, 1]  # A's deals were credited to google: only C's counts


def test_touch_models_differ_with_repeat_leads() -> None:
    table = at.touch_models(_tidy()).set_index("lead_source")
    assert table.loc["google"].tolist() == [1000.0, 0.0, 500.0]  # first, last, linear
    assert table.loc["facebook"].tolist() == [200.0, 1200.0, 700.0]
    assert table[["first_touch", "last_touch", "linear"]].sum().tolist() == [1200.0, 1200.0, 1200.0]


def test_time_to_opportunity_distribution() -> None:
    table = at.time_to_opportunity(_tidy()).set_index(["lead_source", "measure"])
    google = table.loc[("google", "days_to_opportunity")]
    assert (google["n"], google["median"], google["p25"]) == (2, 27.0, 20.5)  # 40 and 14 days
    assert table.loc[("google", "days_to_close"), "median"] == 39.0  # 59 and 19 days
    assert table.loc[("facebook", "days_to_opportunity"), "median"] == 4.0


def test_trend_and_cohort() -> None:
    monthly = at.trend(_tidy(), "M", "lead").set_index("period")
    assert monthly["leads"].to_dict() == {
        pd.Period("2025-01", "M"): 2,
        pd.Period("2025-02", "M"): 1,
        pd.Period("2025-03", "M"): 1,
    }
    assert monthly.loc[pd.Period("2025-01", "M"), ["opportunities", "won_revenue"]].tolist() == [2, 1000.0]
    by_close = at.trend(_tidy(), "M", "close").set_index("period")
    assert by_close.loc[pd.Period("2025-03", "M"), "won_revenue"] == 1200.0
    cohort = at.cohort(_tidy())
    assert cohort.loc[pd.Period("2025-01", "M"), pd.Period("2025-03", "M")] == 1000.0
    assert cohort.loc[pd.Period("2025-03", "M"), pd.Period("2025-03", "M")] == 200.0


def test_missed_revenue_by_month() -> None:
    unmatched = pd.DataFrame(
        {
            "Id": ["x", "y", "z"],
            "Amount": [300.0, 700.0, 50.0],
            "IsWon": [True, True, False],
            "CloseDate": pd.to_datetime(["2025-04-02", "2025-04-30", "2025-04-10"], utc=True),
        }
    )
    table = at.missed_revenue(unmatched)
    assert table.to_dict("records") == [{"month": pd.Period("2025-04", "M"), "won_deals": 2, "won_revenue": 1000.0}]


def test_spend_gives_cost_per_lead_per_won_deal_and_roas() -> None:
    spend = pd.DataFrame(
        {
            "lead_source": ["google", "google", "facebook"],
            "date": ["2025-01-01", "2025-01-02", "2025-01-01"],
            "spend": [50.0, 50.0, 60.0],
        }
    )
    table = at.with_spend(at.by_channel(_tidy()), spend).set_index("lead_source")
    assert table.loc["google", ["spend", "cost_per_lead", "cost_per_won_deal", "roas"]].tolist() == [100, 50, 100, 10]
    assert table.loc["facebook", "roas"] == pytest.approx(200 / 60)


def test_charts_have_labels_and_sorted_bars() -> None:
    fig = at.plot_by_channel(at.by_channel(_tidy(), min_n=1))
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["facebook", "google"]  # largest on top
    assert ax.get_xlabel() == "won revenue (USD)" and ax.get_ylabel() == "lead source"
    assert ax.xaxis.get_major_formatter()(1234.0, 0) == "$1,234"


def test_notebooks_are_committed_without_outputs() -> None:
    import json

    from .conftest import ROOT

    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert [p.name for p in notebooks] == ["01_quickstart.ipynb", "02_attribution.ipynb", "03_unmatched_review.ipynb"]
    for path in notebooks:
        cells = json.loads(path.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), path.name
        source = "".join("".join(c["source"]) for c in code)
        public = source.replace("wcsf_recon.attribution", "").replace("wcsf_recon.review", "")
        assert "wcsf_recon." not in public  # the public API only (attribution and review are public subpackages)


def test_tidy_frame_joins_people_and_credited_opportunities() -> None:
    from wcsf_recon import reconcile

    from .builders import lead, make_snapshot

    snap = make_snapshot(
        wc_leads=[
            lead(
                1, "2025-01-01T00:00:00Z", contact_name="Pat Lee", email_address="pat@example.com", lead_source="google"
            ),
            lead(2, "2025-02-01T00:00:00Z", lead_type="Chat", email_address="pat@example.com", lead_source="facebook"),
            lead(3, "2025-02-02T00:00:00Z", contact_name="Spam Bot", email_address="x@spam.biz", spam="true"),
            lead(4, "2025-03-01T00:00:00Z", contact_name="Kim Ode", email_address="kim@example.com"),
        ],
        sf_contacts=[
            {"Id": "003P", "FirstName": "Pat", "LastName": "Lee", "Email": "pat@example.com", "AccountId": "001P"}
        ],
        sf_opportunities=[
            {
                "Id": "006A",
                "AccountId": "001P",
                "ContactId": "003P",
                "Amount": "100",
                "StageName": "Closed Won",
                "IsWon": "true",
                "IsClosed": "true",
                "CreatedDate": "2025-02-10T00:00:00Z",
            },
            {
                "Id": "006B",
                "AccountId": "001P",
                "ContactId": "003P",
                "Amount": "50",
                "StageName": "Prospecting",
                "IsWon": "false",
                "IsClosed": "false",
                "CreatedDate": "2025-02-11T00:00:00Z",
            },
        ],
    )
    tidy = at.tidy_frame(reconcile(snap))
    assert sorted(tidy["lead_id"].unique()) == ["1", "2", "4"]  # the spam lead is left out
    pat = tidy[tidy["person"] == "003P"]
    assert pat["in_salesforce"].all() and set(pat["lead_id"]) == {"1", "2"}
    credited = pat.dropna(subset=["opportunity_id"])
    assert sorted(credited["opportunity_id"]) == ["006A", "006B"] and set(credited["lead_id"]) == {"1"}  # first touch
    assert credited.set_index("opportunity_id")["won_amount"].to_dict() == {"006A": 100.0, "006B": 0.0}
    assert pat.groupby("lead_id")["first_touch"].first().to_dict() == {"1": True, "2": False}
    kim = tidy[tidy["lead_id"] == "4"]
    assert not kim["in_salesforce"].any() and kim["person"].iloc[0].startswith("wc-")
