"""Build, write and read a Plan."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ..config import Config
from ..display import counts_html, counts_repr
from ..errors import InputError
from ..export import read_safe_csv, write_safe_csv
from ..match import MatchResult
from .creates import plan_creates
from .updates import plan_backfill, plan_wc_updates


@dataclass
class Plan:
    """The changes to send, one DataFrame per section (file name = attribute name + .csv)."""

    salesforce_lead_creates: pd.DataFrame
    salesforce_id_backfill: pd.DataFrame
    whatconverts_lead_updates: pd.DataFrame

    def sections(self) -> dict[str, pd.DataFrame]:
        """Section name -> rows."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def counts(self) -> dict[str, int]:
        """Rows per section."""
        return {name: len(frame) for name, frame in self.sections().items()}

    def __repr__(self) -> str:
        return counts_repr("Plan", self.counts())

    def _repr_html_(self) -> str:
        return counts_html("Plan", self.counts(), "rows per section; each section is a DataFrame attribute")

    def write(self, folder: str | Path) -> Path:
        """Write each section as CSV into `folder`; an earlier plan's journal and results move to `previous/`.

        A journal counts the operations of the plan it was made for: kept beside a new plan it would
        count old operations as planned and skip new ones it thinks it confirmed. To resume an
        interrupted push, push the same plan folder again before reconciling into it.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        _archive_push_state(folder)
        for name, frame in self.sections().items():
            write_safe_csv(frame, folder / f"{name}.csv")
        return folder

    @classmethod
    def read(cls, folder: str | Path) -> Plan:
        """Read a plan folder written by `write` (all values as text)."""
        folder = Path(folder)
        check_plan_folder(folder)
        return cls(**{f.name: read_safe_csv(folder / f"{f.name}.csv") for f in fields(cls)})


def _archive_push_state(folder: Path) -> None:
    leftovers = [folder / n for n in ("journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm", "results")]
    present = [p for p in leftovers if p.exists()]
    if not present:
        return
    dest = folder / "previous" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    dest.mkdir(parents=True)
    for path in present:
        os.replace(path, dest / path.name)


def check_plan_folder(folder: str | Path) -> None:
    """Refuse a folder that is not a plan with a message saying which folder is (OUT instead of OUT/plan)."""
    folder = Path(folder)
    missing = [f"{f.name}.csv" for f in fields(Plan) if not (folder / f"{f.name}.csv").exists()]
    if not missing:
        return
    if (folder / "plan" / f"{fields(Plan)[0].name}.csv").exists():
        raise InputError(str(folder), f"this is a reconcile output folder; the plan is in {folder / 'plan'}")
    if not folder.is_dir():
        raise InputError(str(folder), "plan folder not found (reconcile writes it as OUT/plan)")
    raise InputError(str(folder), f"not a plan folder: {', '.join(missing)} missing (reconcile writes OUT/plan)")


def build_plan(match: MatchResult, config: Config) -> tuple[Plan, pd.DataFrame]:
    """(plan, not_creatable clusters) from a match result."""
    needed = [
        "lead_id",
        "cluster",
        "date_created",
        "spam",
        "duplicate",
        "contact_name",
        "contact_company_name",
        "n_first",
        "n_last",
        "n_name_source",
        "n_email",
        "n_phone",
        "quotable",
        "quote_value",
        "sales_value",
        *config.lead_fields.values(),
    ]
    leads = match.leads[[c for c in dict.fromkeys(needed) if c in match.leads.columns]]
    taken = set(match.decisions.linked["cluster"]) | set(match.decisions.review["cluster"])
    new = leads[(leads["cluster"] >= 0) & ~leads["cluster"].isin(taken)]
    creates, not_creatable = plan_creates(new, config)
    backfill = plan_backfill(match.person_links, match.people, config)
    updates = plan_wc_updates(match.opp_links, match.opps_kept, leads)
    return Plan(creates, backfill, updates), not_creatable
