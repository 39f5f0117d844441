"""Build, write and read a Plan."""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..atomic import atomic_path
from ..config import Config
from ..display import counts_html, counts_repr
from ..errors import InputError
from ..normalize.names import account_name_counts, written_backwards
from ..tables.csv_readback import read_back_csv
from ..tables.export import file_digest, first_difference, frame_digest, read_safe_csv, write_csv, write_safe_csv
from ..tables.frames import isin
from .creates import CREATE_META, plan_creates
from .updates import plan_backfill, plan_wc_updates

if TYPE_CHECKING:
    from ..match import MatchResult  # a type only: reading a plan (what `push` does) needs no matcher


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
        """Write each section as CSV into `folder`, read it back, and record its rows and fingerprint.

        A section that does not read back value for value raises before anything can push it;
        `plan_manifest.json` (rows and the SHA-256 of each file's bytes) lets `read` check the files
        are still the ones written. An earlier
        plan's journal and results move to `previous/`: a journal counts the operations of the plan
        it was made for (kept beside a new plan it would count old operations as planned and skip
        new ones it thinks it confirmed). To resume an interrupted push, push the same plan folder
        again before reconciling into it.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        _archive_push_state(folder)
        manifest: dict[str, dict[str, object]] = {}
        for name, frame in self.sections().items():
            path = folder / f"{name}.csv"
            write_safe_csv(frame, path)
            back, written = read_back_csv(path)  # what `read_safe_csv` reads, and the file's bytes
            problem = first_difference(frame, back)
            if problem:
                raise InputError(str(path), f"the plan does not read back as written ({problem}); nothing pushed")
            manifest[name] = {"rows": len(back), "file_sha256": hashlib.sha256(written).hexdigest()}
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        write_import_csv(self.salesforce_lead_creates, folder / IMPORT_FILE)
        return folder

    @classmethod
    def read(cls, folder: str | Path, verify: bool = True) -> Plan:
        """Read a plan folder written by `write` (all values as text), checked against its manifest.

        With `verify`, each section must have the rows and content `write` recorded; a plan edited by
        hand is pushed only after its `plan_manifest.json` is deleted (then nothing is checked).
        """
        folder = Path(folder)
        check_plan_folder(folder)
        sections = {f.name: read_safe_csv(folder / f"{f.name}.csv") for f in fields(cls)}
        if verify:
            verify_plan(folder, sections)
        return cls(**sections)


MANIFEST = "plan_manifest.json"


def verify_plan(folder: Path, sections: dict[str, pd.DataFrame]) -> None:
    """Raise InputError when a section read from `folder` is not the one `Plan.write` wrote there."""
    path = folder / MANIFEST
    if not path.exists():
        return
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"not valid JSON: {exc}") from None
    for name, frame in sections.items():
        written = manifest.get(name)
        if written is None:
            continue
        where = str(folder / f"{name}.csv")
        if len(frame) != written["rows"]:
            raise InputError(
                where,
                f"reads back as {len(frame):,} rows but {written['rows']:,} were written; "
                "nothing pushed (reconcile again, or delete plan_manifest.json to push the file as it is)",
            )
        if "file_sha256" in written:
            changed = file_digest(folder / f"{name}.csv") != written["file_sha256"]
        else:  # a manifest from before 2026-12: a digest of the values as this pandas reads them
            changed = written.get("pandas") == pd.__version__ and frame_digest(frame) != written["sha256"]
        if changed:
            raise InputError(
                where,
                "content differs from what was written; nothing pushed "
                "(reconcile again, or delete plan_manifest.json to push the file as it is)",
            )


IMPORT_FILE = "salesforce_lead_import.csv"


def write_import_csv(creates: pd.DataFrame, path: Path) -> Path:
    """The planned creates for Data Import Wizard or Data Loader: Lead fields only, values exactly as they are.

    Unlike the files written for people (`write_safe_csv`), no cell gets a leading `'`: an importer
    would store it in the record (`'+17045550142` as the phone). Columns are Lead API names (both
    tools map them), UTF-8 without a byte-order mark, empty cells empty. Open it in the importer,
    not in a spreadsheet: a name typed as `=...` would run there as a formula.
    """
    fields = creates.drop(columns=[c for c in CREATE_META if c in creates.columns])
    with atomic_path(path) as tmp:
        write_csv(fields, tmp)  # UTF-8; values holding \r or \n are quoted, so each stays in its cell
    return path


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


def _typed_backwards(new: pd.DataFrame, match: MatchResult) -> pd.Series:
    """Per new lead: a typed name this account's records say is written surname first (`Fitzgerald Carl`), as
    matching reads it (`names.written_backwards`), so the create is FirstName Carl, LastName Fitzgerald."""
    typed = new[(new["n_name_source"] == "typed").fillna(False).to_numpy(bool)]
    if typed.empty:
        return pd.Series(False, index=new.index)
    counts = account_name_counts(match.leads, match.people)
    flip = written_backwards(typed["n_first"], typed["n_last"], counts)
    return pd.Series(flip, index=typed.index).reindex(new.index, fill_value=False)


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
        "caller_name",  # where a cut caller ID's first name is (plan/creates.py `_untruncated_first`)
        "n_email",
        "n_phone",
        "quotable",
        "quote_value",
        "sales_value",
        *config.lead_fields.values(),
    ]
    leads = match.leads[[c for c in dict.fromkeys(needed) if c in match.leads.columns]]
    # the three sections are independent: the backfill and the updates run on a second thread beside the
    # creates (their pandas sorts, takes and Arrow kernels release the GIL for much of their time)
    with ThreadPoolExecutor(max_workers=1) as pool:
        backfill = pool.submit(plan_backfill, match.person_links, match.people, config)
        updates = pool.submit(plan_wc_updates, match.opp_links, match.opps_kept, leads)
        taken = set(match.decisions.linked["cluster"]) | set(match.decisions.review["cluster"])
        new = leads[(leads["cluster"] >= 0).to_numpy() & ~isin(leads["cluster"], taken)]
        creates, not_creatable = plan_creates(new, config, _typed_backwards(new, match))
        if "match_note" not in creates.columns:  # a create beside a Salesforce record on one key says why
            from ..match.classify import household_notes  # here: reading a plan needs no matcher

            notes = household_notes(match.pairs, match.people) if len(creates) else pd.Series(dtype="str")
            creates.insert(
                list(creates.columns).index("first_name_truncated") + 1, "match_note", creates["cluster"].map(notes)
            )
        return Plan(creates, backfill.result(), updates.result()), not_creatable
