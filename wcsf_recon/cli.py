"""The `wcsf-recon` command line: the same functions the notebook API calls, with rich output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from .config import Config
from .errors import ConfigError, WcsfError
from .normalize import normalize_snapshot
from .profile import profile_snapshot
from .reconcile import Reconciliation, reconcile
from .snapshot import read_snapshot

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Reconcile WhatConverts with Salesforce.")
console = Console()
err_console = Console(stderr=True)


def _fail(exc: WcsfError) -> None:
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _load_config(path: Path | None, default_region: str | None) -> Config:
    config = Config.from_toml(path) if path else Config()
    if default_region:
        region = default_region.upper()
        if len(region) != 2 or not region.isalpha():
            raise ConfigError(f"--default-region must be a two-letter ISO code, got {default_region!r}")
        config = config.with_overrides(default_region=region)
    return config


def print_frame(frame: pd.DataFrame, title: str) -> None:
    """Render a DataFrame as a rich table."""
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(str(col), justify="right" if pd.api.types.is_numeric_dtype(frame[col]) else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[f"{v:,}" if isinstance(v, int) else str(v) for v in row])
    console.print(table)


@app.command()
def profile(
    snapshot: Annotated[Path, typer.Option("--snapshot", "-s", help="Snapshot folder")],
    config: Annotated[Path | None, typer.Option(help="TOML config file")] = None,
    default_region: Annotated[str | None, typer.Option(help="Region for phones without a country")] = None,
) -> None:
    """Load, validate and normalize a snapshot; print row counts and invalid phones/emails by reason."""
    try:
        cfg = _load_config(config, default_region)
        snap = read_snapshot(snapshot, wc_id_field=cfg.wc_id_field)
        tables = profile_snapshot(normalize_snapshot(snap, cfg))
    except WcsfError as exc:
        _fail(exc)
    print_frame(tables["counts"], "Rows per table")
    print_frame(tables["coverage"], "Normalized values present")
    print_frame(tables["quality"], "Invalid values by reason")


def _summary_table(recon: Reconciliation) -> None:
    print_frame(recon.summary(), "Reconciliation summary")


def _run_reconcile(snapshot: Path, out: Path, cfg: Config) -> Reconciliation:
    snap = read_snapshot(snapshot, wc_id_field=cfg.wc_id_field)
    recon = reconcile(snap, cfg)
    recon.write(out)
    return recon


@app.command("reconcile")
def reconcile_command(
    snapshot: Annotated[Path, typer.Option("--snapshot", "-s", help="Snapshot folder")],
    out: Annotated[Path, typer.Option(help="Output folder: links.csv, plan/, reports/")],
    config: Annotated[Path | None, typer.Option(help="TOML config file")] = None,
    default_region: Annotated[str | None, typer.Option(help="Region for phones without a country")] = None,
) -> None:
    """Match both systems, plan the changes and write links, plan and reports (no network)."""
    try:
        cfg = _load_config(config, default_region)
        recon = _run_reconcile(snapshot, out, cfg)
    except WcsfError as exc:
        _fail(exc)
    _summary_table(recon)
    console.print(f"wrote links.csv, plan/ and reports/ to {out}")


@app.command()
def demo(
    snapshot: Annotated[Path, typer.Option("--snapshot", "-s", help="Snapshot folder")] = Path("data/sample"),
    out: Annotated[Path, typer.Option(help="Output folder")] = Path("out"),
) -> None:
    """The main job on a snapshot: validate and profile it, then reconcile into OUT/."""
    try:
        cfg = Config()
        snap = read_snapshot(snapshot, wc_id_field=cfg.wc_id_field)
        tables = profile_snapshot(normalize_snapshot(snap, cfg))
        recon = reconcile(snap, cfg)
        recon.write(out)
    except WcsfError as exc:
        _fail(exc)
    print_frame(tables["quality"], "Invalid values by reason")
    _summary_table(recon)
    console.print(f"wrote links.csv, plan/ and reports/ (with reconciliation.xlsx) to {out}")


@app.command()
def synth(
    persons: Annotated[int, typer.Option(help="Number of people in the world")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed")] = 7,
    out: Annotated[Path, typer.Option(help="Folder to write the snapshot and truth/ into")] = Path("synthetic"),
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet")] = "csv",
) -> None:
    """Generate a synthetic world (snapshot + ground truth)."""
    from .synth import generate_world, write_world

    world = generate_world(persons, seed)
    write_world(world, out, fmt=fmt)
    console.print(f"wrote {world.snapshot!r} to {out}")


def main() -> None:  # pragma: no cover - console entry for `python -m wcsf_recon`
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
