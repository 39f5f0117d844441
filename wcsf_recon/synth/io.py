"""Write a synthetic world as a snapshot folder plus `truth/`, and read the truth back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..tables.snapshot import write_snapshot
from .world import World

TRUTH_FILES = ("persons", "wc_truth", "sf_truth", "opp_truth", "mess_log")
SNAPSHOT_FORMATS = ("csv", "parquet")


def write_world(world: World, path: str | Path, fmt: str = "csv") -> Path:
    """Snapshot tables in the usual layout; ground truth under `truth/` beside them (`fmt`: csv or parquet)."""
    if fmt not in SNAPSHOT_FORMATS:
        raise ValueError(f"unknown snapshot format {fmt!r}: choose {' or '.join(SNAPSHOT_FORMATS)}")
    source = world.raw if fmt == "csv" else world.snapshot  # CSV keeps the APIs' own renderings
    dest = write_snapshot(source, path, fmt=fmt)  # type: ignore[arg-type]  # checked above
    truth = dest / "truth"
    truth.mkdir(exist_ok=True)
    for name in TRUTH_FILES:
        getattr(world, name).to_csv(truth / f"{name}.csv", index=False, lineterminator="\n")
    return dest


def read_truth(path: str | Path) -> dict[str, pd.DataFrame]:
    """The truth tables of a world written by `write_world`, ids as text."""
    folder = Path(path) / "truth"
    # mess_log.csv is absent from worlds written before the outside mess existed (data/sample)
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype="str")
        for name in TRUTH_FILES
        if name != "mess_log" or (folder / f"{name}.csv").exists()
    }
