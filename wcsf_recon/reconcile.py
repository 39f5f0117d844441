"""`reconcile(snapshot, config)`: match, plan and report in one pure function of the snapshot."""

from __future__ import annotations

import html
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .atomic import write_json
from .checks import check_config_against
from .config import Config
from .match import MatchResult, match_snapshot
from .match.fellegi_sunter import Weights
from .match.saved_model import MODEL_FILE
from .normalize import normalize_snapshot
from .plan import Plan, build_plan
from .report_tables import build_reports, for_people
from .review.apply import ReviewOutcome, apply_decisions
from .tables.export import write_safe_csv
from .tables.snapshot import Snapshot
from .tables.workbook import write_workbook

SHEET_NAMES = {  # Excel allows 31 characters
    "unmatched_whatconverts_leads": "unmatched leads",
    "unmatched_salesforce_opportunities": "unmatched opportunities",
    "review_queue": "review queue",
    "salesforce_duplicates": "salesforce duplicates",
    "filtered_opportunities": "filtered opportunities",
    "stale_decisions": "stale decisions",
}


@dataclass
class Reconciliation:
    """Links, plan and reports of one reconciliation, with a readable summary."""

    links: pd.DataFrame
    plan: Plan
    reports: dict[str, pd.DataFrame]
    match: MatchResult
    timings: dict[str, float] = field(default_factory=dict)
    review: ReviewOutcome = field(default_factory=ReviewOutcome)  # reviewers' decisions: applied, stale
    weights_reused: bool = False  # the model's weights came from an earlier run (same settings), not trained now

    def summary(self) -> pd.DataFrame:
        """Counts per link rule, plan section and report, as one tidy table."""
        rows = []
        opp = (self.links["sf_object"] == "Opportunity").to_numpy()
        rules = self.links["rule"]  # the one column counted: filtering the whole table cost a second at 1M
        for rule, count in rules[~opp].value_counts().items():
            rows.append(("lead links", rule, count))
        for rule, count in rules[opp].value_counts().items():
            rows.append(("opportunity links", rule, count))
        for name, count in self.plan.counts().items():
            rows.append(("plan", name, count))
        for name, frame in self.reports.items():
            rows.append(("report rows", name, len(frame)))
        # review_queue.csv has one row per candidate; the people behind them are fewer
        rows.append(("review queue", "people to review", self.people_to_review()))
        return pd.DataFrame(rows, columns=["section", "item", "count"])

    def people_to_review(self) -> int:
        """How many people (lead clusters) the review queue holds; its CSV has one row per candidate."""
        return int(self.reports["review_queue"]["cluster"].nunique())

    def explain(self, lead_id: str) -> pd.DataFrame:
        """Every candidate of a WhatConverts lead's person, with every comparison level and weight."""
        return self.match.explain(lead_id)

    def write_report(self, out: str | Path) -> Path:
        """OUT/report.html (self-contained, charts embedded) and everything `write` makes; returns its path."""
        from .html_report import write_report

        return write_report(self, out)

    def write(self, out: str | Path, workbook: bool = True) -> Path:
        """OUT/links.csv, OUT/plan/*.csv, OUT/reports/*.csv and (with `workbook`) OUT/reports/reconciliation.xlsx."""
        out = Path(out)
        (out / "reports").mkdir(parents=True, exist_ok=True)
        # the workbook is written on a thread beside the CSVs: both spend most of their time in Arrow
        # kernels, zlib and file writes, which release the GIL, so on two cores they overlap
        with ThreadPoolExecutor(max_workers=1) as pool:
            book = pool.submit(self.write_workbook, out) if workbook else None
            write_safe_csv(self.links, out / "links.csv")
            write_json(out / MODEL_FILE, self.match.model_json(), indent=2)
            write_json(out / "manifest.json", self.manifest(), indent=2)
            self.plan.write(out / "plan")
            files = {name: for_people(name, frame) for name, frame in self.reports.items()}
            for name, frame in files.items():
                write_safe_csv(frame, out / "reports" / f"{name}.csv")
            if book is not None:
                book.result()  # its error, if any, is raised here
        return out

    def manifest(self) -> dict:
        """What made these outputs: the match settings digest and where the model's weights came from."""
        from . import __version__

        model = self.match.model
        return {
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "wcsf_recon": __version__,
            "match_settings": self.match.settings.digest(),
            "match_model": {
                "file": MODEL_FILE,
                "weights": "not run" if model is None else "reused" if self.weights_reused else "trained",
                "trained_on": None if model is None else model.weights.trained_on,
            },
            "links": len(self.links),
            "plan": self.plan.counts(),
        }

    def write_workbook(self, out: str | Path) -> Path:
        """OUT/reports/reconciliation.xlsx: the summary and each report (first 100,000 rows; the CSVs hold all)."""
        path = Path(out) / "reports" / "reconciliation.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        files = {name: for_people(name, frame) for name, frame in self.reports.items()}
        sheets = {"summary": self.summary(), **{SHEET_NAMES.get(k, k): v for k, v in files.items()}}
        write_workbook(sheets, path)
        return path

    def __repr__(self) -> str:
        lines = ["Reconciliation"]
        for section, group in self.summary().groupby("section", sort=False):
            lines.append(
                f"  {section}: " + ", ".join(f"{i}={c:,}" for i, c in zip(group["item"], group["count"], strict=True))
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return "<b>Reconciliation</b>" + self.summary().to_html(index=False, escape=True).replace(
            "<table", f"<table title='{html.escape('reconciliation summary')}'"
        )


def reconcile(
    snapshot: Snapshot,
    config: Config | None = None,
    decisions: pd.DataFrame | None = None,
    weights: Weights | None = None,
) -> Reconciliation:
    """Normalize, match, plan and report. No network, no disk.

    `decisions` (see `wcsf_recon.review.read_decisions`) are reviewers' answers, honoured after
    classification and before planning; stale ones are reported in `stale_decisions`. The match
    model uses `config.match_settings`; `weights` from an earlier run (`load_weights(out)`) are
    reused when trained under the same settings, else the model trains on this snapshot.
    """
    config = config or Config()
    check_config_against(snapshot, config)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    norm = normalize_snapshot(snapshot, config)
    timings["normalize"] = time.perf_counter() - start
    start = time.perf_counter()
    match = match_snapshot(norm, config, config.model_settings(), weights)
    reused = weights is not None and match.model is not None and match.model.weights is weights
    match, review = apply_decisions(match, snapshot, decisions, config)
    timings["match"] = time.perf_counter() - start
    start = time.perf_counter()
    plan, not_creatable = build_plan(match, config)
    timings["plan"] = time.perf_counter() - start
    start = time.perf_counter()
    reports = {**build_reports(match, plan, not_creatable), "stale_decisions": review.stale}
    timings["reports"] = time.perf_counter() - start
    return Reconciliation(match.links, plan, reports, match, timings, review, weights_reused=reused)
