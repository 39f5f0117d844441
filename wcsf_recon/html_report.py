"""One self-contained HTML report: reconciliation summary, attribution charts and tables, unmatched counts.

Charts are embedded as PNG data URIs, so the file opens anywhere with no network.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import UTC, datetime
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from . import attribution as at
from .atomic import write_text
from .reconcile import Reconciliation
from .review.diagnostics import score_histogram

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#1b2733}
h1{margin-bottom:.2rem} .sub{color:#5b6b7a;margin-top:0}
.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{background:#f3f6f9;border-radius:8px;padding:.8rem 1.2rem;min-width:10rem}
.card b{display:block;font-size:1.6rem} table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}
th,td{padding:.3rem .7rem;border-bottom:1px solid #dde3e9;text-align:right}
th:first-child,td:first-child{text-align:left}
img{max-width:100%;margin:.5rem 0 1.5rem;border:1px solid #eef1f4}
"""


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _money(value: float) -> str:
    return f"${value:,.0f}"


def _table(frame: pd.DataFrame, money: tuple[str, ...] = (), pct: tuple[str, ...] = ()) -> str:
    shown = frame.copy()
    for col in money:
        if col in shown:
            shown[col] = shown[col].map(_money)
    for col in pct:
        if col in shown:
            shown[col] = shown[col].map(lambda v: f"{v:.1%}")
    return shown.to_html(index=False, escape=True, border=0)


def build_report(recon: Reconciliation, title: str = "WhatConverts x Salesforce") -> str:
    """The report as one HTML string.

    Chart labels come from lead fields anyone can type into (`lead_source` = `$x^$`): text is drawn
    as it is, never parsed as mathtext, so no value can make the report fail.
    """
    with matplotlib.rc_context({"text.parse_math": False, "text.usetex": False}):
        return _build_report(recon, title)


def _build_report(recon: Reconciliation, title: str) -> str:
    tidy = at.tidy_frame(recon)
    channels = at.by_channel(tidy)
    funnel = at.funnel(tidy)
    models = at.touch_models(tidy)
    trend = at.trend(tidy)
    ttfo = at.time_to_opportunity(tidy)
    missed = at.missed_revenue(recon.reports["unmatched_salesforce_opportunities"])
    counts = recon.plan.counts()
    leads = recon.match.leads
    left_out = int((leads["spam"].fillna(False) | leads["duplicate"].fillna(False)).sum())
    cards = [  # one name, one number: each card's label says exactly what it counts
        (f"leads ({left_out:,} spam or duplicates left out of {len(leads):,})", f"{funnel['leads'].iloc[0]:,}"),
        ("people", f"{funnel['people'].iloc[0]:,}"),
        ("won deals", f"{int(channels['won_deals'].sum()):,}"),
        ("won revenue", _money(channels["won_revenue"].sum())),
        ("leads to create in Salesforce", f"{counts['salesforce_lead_creates']:,}"),
        ("WhatConverts updates", f"{counts['whatconverts_lead_updates']:,}"),
        ("people to review", f"{recon.people_to_review():,}"),
        ("revenue the tracking missed", _money(missed["won_revenue"].sum() if len(missed) else 0)),
    ]
    figures = [
        ("Won revenue by source", at.plot_by_channel(channels, "lead_source", "won_revenue")),
        ("Funnel", at.plot_funnel(funnel)),
        ("Attribution models", at.plot_touch_models(models)),
        ("Trend", at.plot_trend(trend)),
        ("Time to opportunity", at.plot_time_to_opportunity(ttfo)),
        ("Revenue the tracking missed", at.plot_missed_revenue(missed)),
        ("Candidate scores per rule (auto-links and review queue)", score_histogram(recon)),
    ]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='sub'>Reconciliation report, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC</p>",
        "<div class='cards'>"
        + "".join(f"<div class='card'><b>{v}</b>{html.escape(k)}</div>" for k, v in cards)
        + "</div>",
    ]
    for heading, fig in figures:
        parts.append(f"<h2>{html.escape(heading)}</h2><img alt='{html.escape(heading)}' src='{_png(fig)}'>")
    parts.append(
        "<h2>By source</h2>"
        + _table(
            channels[
                [
                    "lead_source",
                    "leads",
                    "people",
                    "opportunities",
                    "won_deals",
                    "pipeline",
                    "won_revenue",
                    "win_rate",
                    "small_n",
                ]
            ],
            money=("pipeline", "won_revenue"),
            pct=("win_rate",),
        )
    )
    parts.append("<h2>Reconciliation</h2>" + _table(recon.summary()))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(recon: Reconciliation, out: str | Path) -> Path:
    """OUT/report.html (and the workbook and CSVs `Reconciliation.write` makes)."""
    out = Path(out)
    recon.write(out, workbook=False)  # write_documents writes the workbook (it was written twice)
    return write_documents(recon, out)


def write_documents(recon: Reconciliation, out: str | Path) -> Path:
    """What people open, and what `run` lets fail without stopping the push: the workbook and OUT/report.html."""
    out = Path(out)
    recon.write_workbook(out)
    path = out / "report.html"
    write_text(path, build_report(recon))  # atomic: a crash leaves the previous report readable
    return path
