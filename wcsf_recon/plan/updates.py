"""WhatConverts lead updates (quote and sales values) and Salesforce id backfill."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..tables.arrow_bytes import own_arrow
from ..tables.frames import id_order, isin, join_by, positions

MONEY_TOLERANCE = 0.005
UPDATE_COLUMNS = [
    "wc_lead_id",
    "quotable",
    "quote_value",
    "sales_value",
    "current_quotable",
    "current_quote_value",
    "current_sales_value",
    "opportunity_ids",
    "won_opportunity_ids",
]


def plan_wc_updates(opp_links: pd.DataFrame, opps: pd.DataFrame, wc_leads: pd.DataFrame) -> pd.DataFrame:
    """Per attributed lead: quotable yes, quote = sum of Amount, sales = sum of won Amount; only changes.

    Missing current values count as 0 when compared, so a lead with no won deal and no sales
    value is already in agreement. Leads that no opportunity is attributed to are left alone.
    A value WhatConverts holds as null stays null (NaN here, not sent) when there is nothing to
    credit (a sum of 0): writing 0 would claim a known zero where nothing is known.
    """
    if opp_links.empty:
        return pd.DataFrame(columns=UPDATE_COLUMNS)
    joined = opp_links[["Id", "lead_id"]].merge(opps[["Id", "Amount", "IsWon"]], on="Id")
    joined["amount"] = joined["Amount"].fillna(0.0)
    joined["won"] = joined["IsWon"].fillna(False).astype(bool)
    joined["won_amount"] = np.where(joined["won"], joined["amount"], 0.0)
    joined = joined.assign(_order=id_order(joined["lead_id"])).sort_values(["_order", "Id"])
    grouped = joined.groupby("lead_id", sort=False)
    per_lead = pd.DataFrame(
        {
            "quote_value": grouped["amount"].sum().round(2),
            "sales_value": grouped["won_amount"].sum().round(2),
            "opportunity_ids": join_by(joined["lead_id"], joined["Id"]),
            "won_opportunity_ids": join_by(joined.loc[joined["won"], "lead_id"], joined.loc[joined["won"], "Id"]),
        }
    )
    have = [c for c in ("lead_id", "quotable", "quote_value", "sales_value") if c in wc_leads.columns]
    rows = positions(per_lead.index, wc_leads["lead_id"])  # lead ids are the leads' primary key: unique
    if (rows >= 0).all():  # every attributed lead is a lead: a positional take, not a text reindex
        current = wc_leads[have[1:]].iloc[rows].set_axis(per_lead.index)
    else:
        current = wc_leads[have].set_index("lead_id").reindex(per_lead.index)
    per_lead["current_quotable"] = current.get("quotable", None)
    per_lead["current_quote_value"] = current.get("quote_value", np.nan)
    per_lead["current_sales_value"] = current.get("sales_value", np.nan)
    differs = (
        (per_lead["current_quotable"].fillna("").str.lower() != "yes")
        | ((per_lead["quote_value"] - per_lead["current_quote_value"].fillna(0.0)).abs() > MONEY_TOLERANCE)
        | ((per_lead["sales_value"] - per_lead["current_sales_value"].fillna(0.0)).abs() > MONEY_TOLERANCE)
    )
    for name in ("quote_value", "sales_value"):  # null and nothing to credit: leave it null
        per_lead.loc[per_lead["current_" + name].isna() & (per_lead[name].abs() <= MONEY_TOLERANCE), name] = np.nan
    out = per_lead[differs].assign(quotable="yes").reset_index(names="wc_lead_id")
    out["won_opportunity_ids"] = out["won_opportunity_ids"].fillna("")
    if "AmountCurrency" not in opps.columns:  # a single-currency org: unchanged
        return out[UPDATE_COLUMNS].reset_index(drop=True)
    out["explanation"] = _currency_explanation(out["wc_lead_id"], opp_links, opps)
    return out[[*UPDATE_COLUMNS, "explanation"]].reset_index(drop=True)


def _currency_explanation(lead_ids: pd.Series, opp_links: pd.DataFrame, opps: pd.DataFrame) -> np.ndarray:
    """Multi-currency: the currency each lead's sums are in and which rates converted its Amounts
    ("dated rates" by CloseDate or "static rates", see extract.in_corporate_currency)."""
    currency = ", ".join(sorted(set(opps["AmountCurrency"].dropna().astype(str)))) or "the corporate currency"
    rates = opps["AmountRates"] if "AmountRates" in opps else pd.Series("static", index=opps.index)  # older snapshots
    used = opp_links[["Id", "lead_id"]].merge(opps[["Id"]].assign(rates=rates.fillna("")), on="Id")
    dated = isin(lead_ids, used.loc[used["rates"] == "dated", "lead_id"])
    static = isin(lead_ids, used.loc[used["rates"] == "static", "lead_id"])
    head = f"sums in {currency} (the org's corporate currency): "
    via = "each Amount converted from its CurrencyIsoCode at the org's "
    by_date = "dated rates in force on its CloseDate (DatedConversionRate)"
    return np.select(
        [dated & static, dated, static],
        [
            head + via + by_date + ", static rates (CurrencyType) where no dated rate covers the date",
            head + via + by_date,
            head + via + "static rates (CurrencyType)",
        ],
        default=head + "no Amount converted (each already in it, or without a rate: see the log)",
    )


def plan_backfill(person_links: pd.DataFrame, people: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Linked Salesforce people without a stored WhatConverts id get their earliest linked lead's id.

    The record written is the live person: the Contact of a converted Lead, else the Lead.
    People that already carry some stored id are left alone (it is an earlier link).
    Rows are picked by integer positions and the text columns taken in Arrow (no Python strings).
    """
    columns = ["sf_object", "sf_id", "field", "value", "explanation"]
    if person_links.empty:
        return pd.DataFrame(columns=columns)
    needed = ["wc_lead_id", "person_id", "sf_object", "date_created", "explanation"]
    links = person_links.loc[person_links["eligible"].to_numpy(), needed].reset_index(drop=True)
    # earliest first: the date, then the lead id as a number; the sort sees only those two columns
    keys = pd.DataFrame({"date_created": links["date_created"], "_order": id_order(links["wc_lead_id"])})
    by_date = keys.sort_values(["date_created", "_order"]).index.to_numpy()
    person = pd.factorize(links["person_id"].take(by_date))[0]
    rows = by_date[~pd.Series(person).duplicated().to_numpy()]  # each person's earliest linked lead
    with_id = people.loc[people["stored_id"].notna(), "sf_id"]
    rows = rows[~isin(links["person_id"].take(rows), with_id)]
    kinds, ids = _arrow(links["sf_object"]).take(rows), _arrow(links["person_id"]).take(rows)
    by_id = pc.sort_indices(pa.table({"o": kinds, "i": ids}), sort_keys=[("o", "ascending"), ("i", "ascending")])
    rows = rows[by_id.to_numpy()]  # by object, then id (nulls last, as pandas sorts)
    todo = links.take(rows).reset_index(drop=True)
    return pd.DataFrame(
        {
            "sf_object": todo["sf_object"],
            "sf_id": todo["person_id"],
            "field": config.wc_id_field,
            "value": todo["wc_lead_id"],
            "explanation": "earliest linked lead; " + todo["explanation"],
        },
        columns=columns,
    )


def _arrow(values: pd.Series) -> pa.ChunkedArray:
    """A text column as Arrow (its own data when it is built on Arrow)."""
    own = own_arrow(values)
    return (
        own
        if own is not None
        else pa.chunked_array([pa.array(values.to_numpy(dtype=object, na_value=None), type=pa.string())])
    )
