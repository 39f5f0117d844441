"""The `wcsf-recon` command line: the same functions the notebook API calls, with rich output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .config import Config
from .errors import ConfigError, WcsfError
from .normalize import normalize_snapshot
from .profile import profile_snapshot
from .reconcile import Reconciliation, reconcile
from .report import write_report
from .snapshot import read_snapshot

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Reconcile WhatConverts with Salesforce.")
console = Console()
err_console = Console(stderr=True)


def _fail(exc: WcsfError, code: int = 2) -> None:
    # escaped: messages quote config keys in brackets (`[reconcile.lead_fields]`), which rich would eat as markup
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


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
        numeric = pd.api.types.is_numeric_dtype(frame[col])
        table.add_column(str(col), justify="right" if numeric else "left", overflow="fold")
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
def report(
    snapshot: Annotated[Path, typer.Option("--snapshot", "-s", help="Snapshot folder")],
    out: Annotated[Path, typer.Option(help="Output folder: report.html, reports/reconciliation.xlsx, ...")],
    config: Annotated[Path | None, typer.Option(help="TOML config file")] = None,
) -> None:
    """Reconcile and write a self-contained HTML report (charts embedded) with the XLSX workbook."""
    try:
        cfg = _load_config(config, None)
        path = write_report(reconcile(read_snapshot(snapshot, wc_id_field=cfg.wc_id_field), cfg), out)
    except WcsfError as exc:
        _fail(exc)
    console.print(f"wrote {path}")


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
        report = write_report(recon, out)
    except WcsfError as exc:
        _fail(exc)
    print_frame(tables["quality"], "Invalid values by reason")
    _summary_table(recon)
    console.print(f"wrote links.csv, plan/, reports/ (with reconciliation.xlsx) and {report} to {out}")


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


@app.command()
def extract(
    out: Annotated[Path, typer.Option(help="Snapshot folder to write")],
    config: Annotated[Path | None, typer.Option(help="TOML config file")] = None,
    env_file: Annotated[Path | None, typer.Option(help=".env file with WC_* and SF_* credentials")] = None,
    state_dir: Annotated[Path, typer.Option(help="Where incremental state is kept")] = Path(".wcsf-state"),
    since: Annotated[str | None, typer.Option(help="Oldest lead date to fetch on a first run (YYYY-MM-DD)")] = None,
    full: Annotated[bool, typer.Option(help="Ignore the stored state and fetch everything again")] = False,
    bulk_threshold: Annotated[int, typer.Option(help="Use Bulk API 2.0 above this many rows")] = 10_000,
    wc_daily_limit: Annotated[int | None, typer.Option(help="Override the WhatConverts daily request limit")] = None,
) -> None:
    """Pull both systems into a snapshot, incrementally (credentials from the environment or --env-file)."""
    from datetime import UTC, datetime

    from .clients.budget import DAILY_LIMITS, QuotaExhausted, RequestBudget
    from .clients.salesforce import SalesforceAuthError, SalesforceReader
    from .clients.whatconverts import WhatConvertsAuthError, WhatConvertsClient
    from .credentials import load_env, salesforce_credentials, whatconverts_credentials
    from .extract import ExtractSettings
    from .extract import extract as run_extract
    from .snapshot import write_snapshot

    try:
        cfg = _load_config(config, None)
        env = load_env(env_file)
        wc_creds = whatconverts_credentials(env)
        limit = wc_daily_limit or DAILY_LIMITS[wc_creds.key_type]
        budget = RequestBudget(wc_creds.token, limit, state_dir / "whatconverts" / "budget.json")
        settings = ExtractSettings(state_dir=state_dir, full=full)
        if since:
            settings.history_start = datetime.fromisoformat(since).replace(tzinfo=UTC)
        with WhatConvertsClient(
            wc_creds.token, wc_creds.secret, wc_creds.base_url, budget, verify=wc_creds.verify
        ) as client:
            reader = SalesforceReader(salesforce_credentials(env), bulk_threshold=bulk_threshold)
            snapshot, stats = run_extract(client, reader, cfg, settings, master_key=wc_creds.key_type == "master")
        write_snapshot(snapshot, out)
    except QuotaExhausted as exc:  # the same exit codes as `run`: pages fetched so far are kept
        _fail(exc, 11)
    except (WhatConvertsAuthError, SalesforceAuthError) as exc:
        _fail(exc, 10)
    except WcsfError as exc:
        _fail(exc)
    print_frame(pd.DataFrame({"table": list(snapshot.counts()), "rows": list(snapshot.counts().values())}), "Extracted")
    console.print(
        f"WhatConverts: {stats.wc_requests} requests ({stats.wc_budget_left} left today); Salesforce: "
        f"{', '.join(f'{k} {v}' for k, v in stats.sf_methods.items())}; API usage {stats.sf_api_usage}"
    )
    console.print(f"wrote {out}")


@app.command("push")
def push_command(
    plan: Annotated[Path, typer.Option(help="Plan folder written by reconcile (OUT/plan)")],
    apply: Annotated[bool, typer.Option("--apply", help="Send the changes (default: dry run)")] = False,
    backfill_ids: Annotated[bool, typer.Option("--backfill-ids", help="Also write ids onto matched records")] = False,
    config: Annotated[Path | None, typer.Option(help="TOML config file")] = None,
    env_file: Annotated[Path | None, typer.Option(help=".env file with WC_* and SF_* credentials")] = None,
    state_dir: Annotated[Path, typer.Option(help="Where the WhatConverts request budget is kept")] = Path(
        ".wcsf-state"
    ),
    bulk_threshold: Annotated[int, typer.Option(help="Creates above this go through one Bulk API 2.0 job")] = 2000,
    max_error_rate: Annotated[float, typer.Option(help="Exit 3 when more operations than this share fail")] = 0.05,
    wc_concurrency: Annotated[int, typer.Option(help="WhatConverts requests in flight (at most 20)")] = 4,
    wc_import_file: Annotated[
        Path | None,
        typer.Option(help="Write updates the budget cannot cover as a Lead Manager import CSV (Sales Value: replace)"),
    ] = None,
) -> None:
    """Execute a plan: dry run by default; with --apply, journaled, resumable, idempotent."""
    from .clients.budget import DAILY_LIMITS, RequestBudget
    from .clients.salesforce import SalesforceReader
    from .clients.whatconverts import WhatConvertsClient
    from .credentials import load_env, salesforce_credentials, whatconverts_credentials
    from .extract import record_pushed_updates
    from .push import PushSettings, confirmed_updates, push

    try:
        cfg = _load_config(config, None)
        env = load_env(env_file)
        wc_creds = whatconverts_credentials(env)
        budget = RequestBudget(
            wc_creds.token, DAILY_LIMITS[wc_creds.key_type], state_dir / "whatconverts" / "budget.json"
        )
        settings = PushSettings(
            apply=apply,
            backfill_ids=backfill_ids,
            bulk_threshold=bulk_threshold,
            wc_concurrency=wc_concurrency,
            max_error_rate=max_error_rate,
            wc_import_file=wc_import_file,
        )
        with WhatConvertsClient(
            wc_creds.token, wc_creds.secret, wc_creds.base_url, budget, verify=wc_creds.verify
        ) as client:
            reader = SalesforceReader(salesforce_credentials(env)) if apply else None
            result = push(plan, cfg, client, reader, settings)
        if apply:  # keep the incremental extract state in step with what WhatConverts now holds
            record_pushed_updates(state_dir, confirmed_updates(plan))
    except WcsfError as exc:
        _fail(exc)
    rows = [
        {
            "section": k,
            "planned": v,
            "confirmed": result.confirmed.get(k, 0),
            "failed": result.failed.get(k, 0),
            "remaining": result.remaining.get(k, 0),
        }
        for k, v in result.planned.items()
    ]
    print_frame(pd.DataFrame(rows), "Push (applied)" if apply else "Push (dry run: nothing sent)")
    print_frame(pd.DataFrame([result.estimated_calls]), "API calls it would use" if not apply else "Estimated calls")
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    if apply and wc_import_file is not None:
        from .push.whatconverts_ops import IMPORT_ADVICE

        console.print(f"wrote the updates still planned to {wc_import_file}: {IMPORT_ADVICE}")
    console.print(f"results in {plan / 'results'}; error rate {result.error_rate:.2%}")
    if apply and not result.within(max_error_rate):
        raise typer.Exit(3)


@app.command()
def sandbox(
    snapshot: Annotated[Path, typer.Option("--snapshot", "-s", help="Snapshot to serve")] = Path("data/sample"),
    port: Annotated[int | None, typer.Option(help="Port on 127.0.0.1 (default: a free one)")] = None,
    env_out: Annotated[Path, typer.Option(help="Write the sandbox's credentials here for `extract`")] = Path(
        "sandbox.env"
    ),
    error_rate: Annotated[float, typer.Option(help="Share of requests answered 429/503")] = 0.0,
) -> None:
    """Serve both APIs from a snapshot on 127.0.0.1 (HTTPS, self-signed) until Ctrl-C."""
    import time

    from .sandbox import Faults, Sandbox

    try:
        snap = read_snapshot(snapshot)
    except WcsfError as exc:
        _fail(exc)
    with Sandbox(snap, Faults(error_rate=error_rate), port=port) as box:
        env_out.write_text(box.env_text())
        env_out.chmod(0o600)
        console.print(f"sandbox serving {snapshot} at {box.url} (WhatConverts {box.whatconverts_url})")
        console.print(f"credentials written to {env_out}; try: wcsf-recon extract --env-file {env_out} --out snap")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            console.print("stopping")


config_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Check configuration.")
app.add_typer(config_app, name="config")


@config_app.command("check")
def config_check(
    config: Annotated[Path | None, typer.Option(help="TOML config file")] = None,
    env_file: Annotated[Path | None, typer.Option(help=".env file with WC_* and SF_* credentials")] = None,
    offline: Annotated[bool, typer.Option(help="Validate the files only; no connectivity check")] = False,
) -> None:
    """Validate the config (and credentials); read-only connectivity check of both APIs when credentials are set."""
    from datetime import UTC, datetime, timedelta

    from .clients.budget import DAILY_LIMITS, RequestBudget
    from .clients.salesforce import SalesforceReader
    from .clients.whatconverts import WhatConvertsClient
    from .credentials import load_env, salesforce_credentials, whatconverts_credentials

    try:
        cfg = _load_config(config, None)
        console.print(f"config ok: wc_id_field={cfg.wc_id_field}, attribution={cfg.attribution}")
        env = load_env(env_file)
        if offline or not env.get("WC_API_TOKEN"):
            console.print("no connectivity check (offline, or no credentials set)")
            return
        wc_creds = whatconverts_credentials(env)
        now = datetime.now(UTC)
        with WhatConvertsClient(
            wc_creds.token,
            wc_creds.secret,
            wc_creds.base_url,
            RequestBudget(wc_creds.token, DAILY_LIMITS[wc_creds.key_type]),
            verify=wc_creds.verify,
        ) as client:
            body = client.request(
                "GET",
                "/leads",
                params={
                    "leads_per_page": 1,
                    "page_number": 1,
                    "start_date": (now - timedelta(days=1)).date().isoformat(),
                },
            )
        console.print(f"WhatConverts ok ({body.get('total_leads', 0)} leads in the last day; 1 request used)")
        reader = SalesforceReader(salesforce_credentials(env))
        fields = reader.fields("Lead")
        if cfg.wc_id_field not in fields:
            raise ConfigError(f"Salesforce field {cfg.wc_id_field} does not exist on Lead (wc_id_field)")
        unmapped = sorted(set(cfg.lead_fields) - set(fields))
        if unmapped:
            raise ConfigError(f"Salesforce Lead has no field {', '.join(unmapped)} ([reconcile.lead_fields])")
        console.print(
            f"Salesforce ok (Lead has {len(fields)} fields including {cfg.wc_id_field}; API usage {reader.api_usage})"
        )
    except WcsfError as exc:
        _fail(exc)


@app.command("run")
def run_command(
    apply: Annotated[bool, typer.Option("--apply", help="Push the changes (default: a dry run)")] = False,
    config: Annotated[Path | None, typer.Option(help="TOML config file")] = None,
    env_file: Annotated[Path | None, typer.Option(help=".env file with WC_* and SF_* credentials")] = None,
    state_dir: Annotated[Path, typer.Option(help="State: budget, incremental data, lock, run log")] = Path(
        ".wcsf-state"
    ),
    runs_dir: Annotated[Path, typer.Option(help="Where run folders are written")] = Path("runs"),
    since: Annotated[str | None, typer.Option(help="Oldest lead date on a first run (YYYY-MM-DD)")] = None,
    max_error_rate: Annotated[float, typer.Option(help="Exit 12 when more operations than this share fail")] = 0.05,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Warnings and errors only")] = False,
    log_json: Annotated[bool, typer.Option("--log-json", help="Log one JSON object per line")] = False,
) -> None:
    """Extract (incremental) -> reconcile -> push -> report, into runs/<UTC timestamp>/. Exit codes in the README."""
    from datetime import UTC, datetime

    from .credentials import load_env
    from .logs import env_secrets, setup_logging
    from .runs import run_cycle

    try:
        cfg = _load_config(config, None)
        setup_logging(verbose, quiet, env_secrets(load_env(env_file)), json_lines=log_json)
    except WcsfError as exc:
        _fail(exc)
    start = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
    outcome = run_cycle(cfg, env_file, state_dir, runs_dir, apply, start, max_error_rate)
    style = "green" if outcome.exit_code == 0 else "red"
    console.print(f"[{style}]run {outcome.run_id}: {outcome.status}[/] ({outcome.folder})")
    if "error" in outcome.summary:
        err_console.print(escape(outcome.summary["error"]), highlight=False, soft_wrap=True)
    raise typer.Exit(outcome.exit_code)


@app.command()
def history(
    state_dir: Annotated[Path, typer.Option(help="State folder holding runs.sqlite")] = Path(".wcsf-state"),
) -> None:
    """Past runs: time, status, created/updated/failed, API requests."""
    from .runs import RunLog

    runlog = RunLog(state_dir)
    rows = [
        {
            "run": r["run_id"],
            "started": r["started"],
            "status": r["status"],
            "applied": bool(r["applied"]),
            "created": r["summary"].get("created", 0),
            "updated": r["summary"].get("updated", 0),
            "failed": r["summary"].get("failed", 0),
            "wc requests": r["summary"].get("wc_requests_total", 0),
            "sf api usage": r["summary"].get("extract", {}).get("sf_api_usage", ""),
        }
        for r in runlog.rows()
    ]
    runlog.close()
    print_frame(pd.DataFrame(rows), "Runs")


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(help="A run id from `history`")],
    state_dir: Annotated[Path, typer.Option(help="State folder holding runs.sqlite")] = Path(".wcsf-state"),
) -> None:
    """One run's full summary."""
    import json

    from .runs import RunLog

    runlog = RunLog(state_dir)
    found = [r for r in runlog.rows() if r["run_id"] == run_id]
    runlog.close()
    if not found:
        _fail(WcsfError(f"no run {run_id} in {state_dir / 'runs.sqlite'}"))
    console.print_json(json.dumps(found[0], default=str))


def main() -> None:  # pragma: no cover - console entry for `python -m wcsf_recon`
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
