"""Charts for the analyses: matplotlib Figures with labelled axes, sorted bars and currency ticks.

The matplotlib backend is left as the user has it (Jupyter's inline backend, a window, or Agg on a
server with no display). Each figure is closed in pyplot before it is returned: the returned
Figure is what Jupyter displays, once, and figures made in a loop do not pile up in memory.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

CURRENCY = FuncFormatter(lambda value, _: f"${value:,.0f}")
COLORS = ["#2F6690", "#3A7CA5", "#81C3D7", "#D9DCD6", "#16425B"]


def _figure(width: float = 8, height: float = 4.5) -> tuple[Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _nothing_to_show(ax: plt.Axes, message: str) -> None:
    """Say in the middle of an empty chart why it is empty."""
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color="#555")
    ax.set_xticks([])


def _returned(fig: Figure) -> Figure:
    plt.close(fig)  # shown once, as the cell's value, not again by pyplot's end-of-cell flush
    return fig


def plot_by_channel(table: pd.DataFrame, by: str = "lead_source", metric: str = "won_revenue", top: int = 12) -> Figure:
    """Horizontal bars of `metric` per group, largest on top; small-n groups hatched."""
    data = table.nlargest(top, metric).iloc[::-1]
    fig, ax = _figure()
    bars = ax.barh(data[by].astype(str), data[metric], color=COLORS[0])
    for bar, small in zip(bars, data.get("small_n", pd.Series(False, index=data.index)), strict=True):
        if small:
            bar.set_hatch("//")
            bar.set_alpha(0.6)
    money = metric in ("won_revenue", "pipeline", "revenue_per_person")
    if money:
        ax.xaxis.set_major_formatter(CURRENCY)
    ax.set_xlabel(metric.replace("_", " ") + (" (USD)" if money else ""))
    ax.set_ylabel(by.replace("_", " "))
    ax.set_title(f"{metric.replace('_', ' ').capitalize()} by {by.replace('_', ' ')} (hatched: fewer than 30 people)")
    return _returned(fig)


def plot_funnel(table: pd.DataFrame) -> Figure:
    """Leads -> people -> in Salesforce -> opportunity -> won, as bars with counts."""
    stages = ["leads", "people", "in_salesforce", "with_opportunity", "won"]
    values = [int(table[s].sum()) for s in stages]
    fig, ax = _figure()
    labels = ["leads", "people", "people in Salesforce", "people with an opportunity", "people with a won deal"]
    bars = ax.bar(labels, values, color=COLORS[1])
    ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=3)
    ax.set_ylabel("count")
    ax.set_xlabel("stage")
    ax.set_title("Funnel: leads, then people (a person with two won deals counts once)")
    return _returned(fig)


def plot_touch_models(table: pd.DataFrame, by: str = "lead_source", top: int = 8) -> Figure:
    """First-touch, last-touch and linear won revenue per group, side by side."""
    fig, ax = _figure()
    if table.empty:  # no won opportunity yet: an image that says so, not a failed report
        _nothing_to_show(ax, "no won opportunities to attribute yet")
    else:
        data = table.nlargest(top, "linear").set_index(by)[["first_touch", "last_touch", "linear"]]
        data.plot.bar(ax=ax, color=COLORS[:3], rot=30)
    ax.yaxis.set_major_formatter(CURRENCY)
    ax.set_ylabel("won revenue (USD)")
    ax.set_xlabel(by.replace("_", " "))
    ax.set_title("Won revenue by attribution model")
    return _returned(fig)


def plot_trend(table: pd.DataFrame) -> Figure:
    """Leads and opportunities per period (bars) with won revenue (line, right axis)."""
    fig, ax = _figure(9, 4.5)
    labels = table["period"].astype(str)
    ax.bar(labels, table["leads"], color=COLORS[2], label="leads")
    ax.bar(labels, table["opportunities"], color=COLORS[0], label="opportunities")
    ax.set_ylabel("count")
    ax.set_xlabel("period")
    ax.tick_params(axis="x", rotation=60)
    right = ax.twinx()
    right.plot(labels, table["won_revenue"], color=COLORS[4], marker="o", label="won revenue")
    right.yaxis.set_major_formatter(CURRENCY)
    right.set_ylabel("won revenue (USD)")
    ax.legend(loc="upper left")
    ax.set_title("Leads, opportunities and won revenue over time")
    return _returned(fig)


def plot_time_to_opportunity(table: pd.DataFrame, by: str = "lead_source") -> Figure:
    """Median days from first lead to opportunity per group, with the p25-p75 range."""
    data = table[table["measure"] == "days_to_opportunity"].dropna(subset=["median"]).sort_values("median")
    fig, ax = _figure()
    if data.empty:
        _nothing_to_show(ax, "no opportunities credited to a lead yet")
    ax.barh(
        data[by].astype(str),
        data["median"],
        color=COLORS[1],
        xerr=[data["median"] - data["p25"], data["p75"] - data["median"]],
        capsize=3,
    )
    ax.set_xlabel("days from first lead to opportunity (median, p25-p75)")
    ax.set_ylabel(by.replace("_", " "))
    ax.set_title("Time to opportunity")
    return _returned(fig)


def plot_missed_revenue(table: pd.DataFrame) -> Figure:
    """Won revenue with no WhatConverts lead, per month."""
    fig, ax = _figure()
    if table.empty:
        _nothing_to_show(ax, "no won revenue without a WhatConverts lead")
    ax.bar(table["month"].astype(str), table["won_revenue"], color=COLORS[4])
    ax.yaxis.set_major_formatter(CURRENCY)
    ax.set_ylabel("won revenue (USD)")
    ax.set_xlabel("close month")
    ax.tick_params(axis="x", rotation=60)
    ax.set_title("Revenue the tracking missed")
    return _returned(fig)
