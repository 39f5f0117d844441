"""Ready analyses over the tidy frame: each returns a DataFrame an analyst can read or plot.

Rates use distinct people as denominators (a person who called three times is one prospect);
groups smaller than `min_n` people are flagged in `small_n`, not hidden.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

MIN_N = 30


def by_channel(tidy: pd.DataFrame, by: str | list[str] = "lead_source", min_n: int = MIN_N) -> pd.DataFrame:
    """Leads, people, opportunities, won deals, pipeline and won revenue per group, with rates and sample size.

    A person counts in every group one of their leads is in; an opportunity and its revenue in
    the group of the lead it was credited to. Sorted by won revenue, largest first.
    """
    keys = [by] if isinstance(by, str) else list(by)
    frame = tidy.assign(**{k: tidy[k].fillna("(not set)") for k in keys})
    opps = frame.dropna(subset=["opportunity_id"]).drop_duplicates("opportunity_id")
    grouped = frame.groupby(keys, sort=False)
    out = pd.DataFrame(
        {
            "leads": grouped["lead_id"].nunique(),
            "people": grouped["person"].nunique(),
            "people_in_salesforce": frame[frame["in_salesforce"]].groupby(keys, sort=False)["person"].nunique(),
        }
    )
    og = opps.groupby(keys, sort=False)
    out["opportunities"] = og["opportunity_id"].nunique()
    out["won_deals"] = opps[opps["won"]].groupby(keys, sort=False)["opportunity_id"].nunique()
    out["pipeline"] = og["amount"].sum()
    out["won_revenue"] = og["won_amount"].sum()
    out = out.fillna(0)
    for col in ("people_in_salesforce", "opportunities", "won_deals"):
        out[col] = out[col].astype(int)
    out["opportunity_rate"] = out["opportunities"] / out["people"]
    out["win_rate"] = out["won_deals"] / out["people"]
    out["revenue_per_person"] = out["won_revenue"] / out["people"]
    out["small_n"] = out["people"] < min_n
    return out.sort_values(["won_revenue", "people"], ascending=False).reset_index()


def funnel(tidy: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Leads -> unique people -> in Salesforce -> with an opportunity -> won, overall or per group."""
    frame = tidy.assign(_all="all") if by is None else tidy.assign(**{by: tidy[by].fillna("(not set)")})
    key = "_all" if by is None else by
    opp_people = frame.dropna(subset=["opportunity_id"])
    won_people = opp_people[opp_people["won"]]
    out = (
        pd.DataFrame(
            {
                "leads": frame.groupby(key)["lead_id"].nunique(),
                "people": frame.groupby(key)["person"].nunique(),
                "in_salesforce": frame[frame["in_salesforce"]].groupby(key)["person"].nunique(),
                "with_opportunity": opp_people.groupby(key)["person"].nunique(),
                "won": won_people.groupby(key)["person"].nunique(),
            }
        )
        .fillna(0)
        .astype(int)
    )
    out = out.reset_index()
    return out.drop(columns="_all") if by is None else out.sort_values("people", ascending=False).reset_index(drop=True)


def time_to_opportunity(tidy: pd.DataFrame, by: str = "lead_source") -> pd.DataFrame:
    """Days from a person's first lead to each credited opportunity and to its close: quartiles and p90 per group."""
    first = tidy.groupby("person")["lead_date"].transform("min")
    frame = tidy.assign(first_lead=first).dropna(subset=["opportunity_id"]).drop_duplicates("opportunity_id")
    frame = frame.assign(**{by: frame[by].fillna("(not set)")})
    frame["days_to_opportunity"] = (frame["opportunity_date"] - frame["first_lead"]).dt.total_seconds() / 86400
    frame["days_to_close"] = np.where(
        frame["closed"].fillna(False).astype(bool),
        (frame["close_date"] - frame["first_lead"]).dt.total_seconds() / 86400,
        np.nan,
    )
    rows = []
    for group, part in frame.groupby(by):
        for measure in ("days_to_opportunity", "days_to_close"):
            values = part[measure].dropna()
            q = values.quantile([0.25, 0.5, 0.75, 0.9]) if len(values) else pd.Series([np.nan] * 4)
            rows.append(
                {
                    by: group,
                    "measure": measure,
                    "n": len(values),
                    "p25": q.iloc[0],
                    "median": q.iloc[1],
                    "p75": q.iloc[2],
                    "p90": q.iloc[3],
                }
            )
    return pd.DataFrame(rows, columns=[by, "measure", "n", "p25", "median", "p75", "p90"])  # the columns, even empty


def touch_models(tidy: pd.DataFrame, by: str = "lead_source") -> pd.DataFrame:
    """Won revenue per group under first-touch, last-touch and linear credit, side by side.

    Each won opportunity's amount goes to its person's first lead (first touch), latest lead at
    or before the opportunity (last touch), or is split evenly over the person's leads at or
    before it (linear; all leads when none is before it).
    """
    frame = tidy.assign(**{by: tidy[by].fillna("(not set)")})
    leads = frame[["person", "lead_id", "lead_date", by]].drop_duplicates("lead_id")
    won = frame[frame["won"]].drop_duplicates("opportunity_id")[
        ["opportunity_id", "person", "opportunity_date", "won_amount"]
    ]
    pairs = won.merge(leads, on="person")
    before = pairs[pairs["lead_date"] <= pairs["opportunity_date"]]
    none_before = ~pairs["opportunity_id"].isin(before["opportunity_id"])
    eligible = pd.concat([before, pairs[none_before]])
    first = pairs.sort_values("lead_date").drop_duplicates("opportunity_id")
    last = eligible.sort_values("lead_date").drop_duplicates("opportunity_id", keep="last")
    linear = eligible.assign(
        share=eligible["won_amount"] / eligible.groupby("opportunity_id")["lead_id"].transform("size")
    )
    out = pd.DataFrame(
        {
            "first_touch": first.groupby(by)["won_amount"].sum(),
            "last_touch": last.groupby(by)["won_amount"].sum(),
            "linear": linear.groupby(by)["share"].sum(),
        }
    ).fillna(0.0)
    return out.sort_values("linear", ascending=False).reset_index()


def trend(tidy: pd.DataFrame, freq: Literal["W", "M"] = "M", basis: Literal["lead", "close"] = "lead") -> pd.DataFrame:
    """Leads, opportunities and won revenue per week or month, dated by lead date or by close date."""
    period = "W" if freq == "W" else "M"
    date_col = "lead_date" if basis == "lead" else "close_date"
    leads = tidy.drop_duplicates("lead_id")
    opps = tidy.dropna(subset=["opportunity_id"]).drop_duplicates("opportunity_id")
    lead_periods = leads["lead_date"].dt.tz_localize(None).dt.to_period(period)
    opp_dates = opps[date_col] if basis == "close" else opps["lead_date"]
    opp_periods = opp_dates.dt.tz_localize(None).dt.to_period(period)
    out = pd.DataFrame(
        {
            "leads": leads.groupby(lead_periods)["lead_id"].size(),
            "opportunities": opps.groupby(opp_periods)["opportunity_id"].size(),
            "won_revenue": opps.groupby(opp_periods)["won_amount"].sum(),
        }
    ).fillna(0)
    out.index.name = "period"
    return out.astype({"leads": int, "opportunities": int}).reset_index()


def cohort(tidy: pd.DataFrame) -> pd.DataFrame:
    """Won revenue by the month of the person's first lead (rows) and the month the deal closed (columns)."""
    first = tidy.groupby("person")["lead_date"].transform("min")
    won = tidy.assign(first_lead=first)
    won = won[won["won"]].drop_duplicates("opportunity_id").dropna(subset=["close_date"])
    if won.empty:
        return pd.DataFrame()
    rows = won["first_lead"].dt.tz_localize(None).dt.to_period("M").rename("lead_month")
    cols = won["close_date"].dt.tz_localize(None).dt.to_period("M").rename("close_month")
    return won.pivot_table(index=rows, columns=cols, values="won_amount", aggfunc="sum", fill_value=0.0)


def missed_revenue(unmatched_opportunities: pd.DataFrame) -> pd.DataFrame:
    """Won opportunities no WhatConverts lead explains, by close month: revenue the tracking missed."""
    won = unmatched_opportunities[unmatched_opportunities["IsWon"].fillna(False).astype(bool)]
    if won.empty:
        return pd.DataFrame(columns=["month", "won_deals", "won_revenue"])
    month = won["CloseDate"].dt.tz_localize(None).dt.to_period("M").rename("month")
    out = won.groupby(month).agg(won_deals=("Id", "size"), won_revenue=("Amount", "sum"))
    return out.reset_index()


def with_spend(table: pd.DataFrame, spend: pd.DataFrame, by: str = "lead_source") -> pd.DataFrame:
    """Add spend, cost per lead, cost per won deal and ROAS to a `by_channel` table.

    `spend` has columns `by` (e.g. lead_source or lead_campaign), `date` and `spend`; it is summed per group.
    """
    totals = spend.groupby(by)["spend"].sum()
    out = table.merge(totals.rename("spend"), left_on=by, right_index=True, how="left")
    out["cost_per_lead"] = out["spend"] / out["leads"].replace(0, np.nan)
    out["cost_per_won_deal"] = out["spend"] / out["won_deals"].replace(0, np.nan)
    out["roas"] = out["won_revenue"] / out["spend"].replace(0, np.nan)
    return out
