"""The `wcsf-recon` command line: the same functions the notebook API calls, with rich output."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .config import Config
from .errors import ConfigError, WcsfError
from .model_cli import model_app

if TYPE_CHECKING:
    import pandas as pd

    from .match.fellegi_sunter import Weights
    from .reconcile import Reconciliation
    from .tables.snapshot import Snapshot

# Commands import what they use when they run: `wcsf-recon --help` loads neither pandas nor the clients.

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Reconcile WhatConverts with Salesforce.")
app.add_typer(model_app, name="model")
console = Console()
err_console = Console(stderr=True)


def _fail(exc: WcsfError, code: int = 2) -> None:
    # escaped: messages quote config keys in brackets (`[reconcile.lead_fields]`), which rich would eat as markup
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _load_config(path: Path | None, default_region: str | None, match_settings: Path | None = None) -> Config:
    config = Config.from_toml(path) if path else Config()
    if default_region:
        from .config import check_region

        config = config.with_overrides(default_region=check_region(default_region, "--default-region"))
    if match_settings:
        from .config import _load_match_settings

        config = config.with_overrides(match_settings=_load_match_settings(match_settings, "--match-settings"))
    return config


MatchSettingsOption = Annotated[
    Path | None,
    typer.Option("--match-settings", help="Match model settings file (.toml/.json; `model init` writes one)"),
]
RetrainOption = Annotated[
    bool, typer.Option("--retrain", help="Train the match model afresh instead of reusing OUT's match_model.json")
]


def _saved_weights(out: Path, retrain: bool) -> Weights | None:
    """The weights OUT/match_model.json holds from an earlier run, unless retraining is asked for."""
    from .match.saved_model import load_weights

    return None if retrain else load_weights(out)


def _read_snapshot(path: Path, cfg: Config | None = None) -> Snapshot:
    """read_snapshot with the config's id field and column map; snapshot warnings printed loudly on stderr."""
    import warnings

    from .tables.snapshot import SnapshotWarning, read_snapshot

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SnapshotWarning)
        snap = read_snapshot(
            path, wc_id_field=cfg.wc_id_field if cfg else None, column_map=cfg.column_map if cfg else None
        )
    for warning in caught:
        if issubclass(warning.category, SnapshotWarning):
            err_console.print(f"[bold yellow]warning:[/] {escape(str(warning.message))}", highlight=False)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return snap


def print_frame(frame: pd.DataFrame, title: str) -> None:
    """Render a DataFrame as a rich table."""
    import pandas as pd

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
    from .normalize import normalize_snapshot
    from .profile import profile_snapshot

    try:
        cfg = _load_config(config, default_region)
        snap = _read_snapshot(snapshot, cfg)
        tables = profile_snapshot(normalize_snapshot(snap, cfg))
    except WcsfError as exc:
        _fail(exc)
    print_frame(tables["counts"], "Rows per table")
    print_frame(tables["coverage"], "Normalized values present")
    print_frame(tables["quality"], "Invalid values by reason")


def _summary_table(recon: Reconciliation) -> None:
    print_frame(recon.summary(), "Reconciliation summary")
    _model_note(recon)


def _model_note(recon: Reconciliation) -> None:
    """Say where the match model's weights came from: reused weights were learned on an earlier snapshot."""
    if recon.weights_reused and recon.match.model is not None:
        names = recon.match.model.weights.trained_on.get("wc_units", 0)
        console.print(
            f"match model: weights reused from the earlier match_model.json (trained on {names:,} names, "
            f"settings {recon.match.settings.digest()}); --retrain trains on this snapshot",
            highlight=False,
        )


def _run_reconcile(
    snapshot: Path, out: Path, cfg: Config, decisions: Path | None = None, retrain: bool = False
) -> Reconciliation:
    from .reconcile import reconcile
    from .review import read_decisions

    snap = _read_snapshot(snapshot, cfg)
    answers = read_decisions(decisions) if decisions else None
    recon = reconcile(snap, cfg, decisions=answers, weights=_saved_weights(out, retrain))
    recon.write(out)
    return recon


DECISIONS_HELP = "Reviewers' decisions file (default: STATE_DIR/decisions.csv, where `review` writes)"


@app.command("reconcile")
def reconcile_command(
    snapshot: Annotated[Path, typer.Option("--snapshot", "-s", help="Snapshot folder")],
    out: Annotated[Path, typer.Option(help="Output folder: links.csv, plan/, reports/")],
    config: Annotated[Path | None, typer.Option(help="TOML config file")] = None,
    default_region: Annotated[str | None, typer.Option(help="Region for phones without a country")] = None,
    decisions: Annotated[Path | None, typer.Option(help=DECISIONS_HELP)] = None,
    state_dir: Annotated[Path, typer.Option(help="State folder holding decisions.csv")] = Path(".wcsf-state"),
    match_settings: MatchSettingsOption = None,
    retrain: RetrainOption = False,
) -> None:
    """Match both systems, plan the changes and write links, plan and reports (no network)."""
    try:
        cfg = _load_config(config, default_region, match_settings)
        recon = _run_reconcile(snapshot, out, cfg, decisions or state_dir / "decisions.csv", retrain)
    except WcsfError as exc:
        _fail(exc)
    _summary_table(recon)
    stale = len(recon.reports["stale_decisions"])
    if stale:
        console.print(f"[yellow]{stale} stale decisions[/]: see reports/stale_decisions.csv")
    console.print(f"wrote links.csv, plan/ and reports/ to {out}")


@app.command()
def report(
    snapshot: Annotated[Path, typer.Option("--snapshot", "-s", help="Snapshot folder")],
    out: Annotated[Path, typer.Option(help="Output folder: report.html, reports/reconciliation.xlsx, ...")],
    config: Annotated[Path | None, typer.Option(help="TOML config file")] = None,
    decisions: Annotated[Path | None, typer.Option(help=DECISIONS_HELP)] = None,
    state_dir: Annotated[Path, typer.Option(help="State folder holding decisions.csv")] = Path(".wcsf-state"),
    match_settings: MatchSettingsOption = None,
    retrain: RetrainOption = False,
) -> None:
    """Reconcile and write a self-contained HTML report (charts embedded) with the XLSX workbook."""
    from .html_report import write_report
    from .reconcile import reconcile
    from .review import read_decisions

    try:
        cfg = _load_config(config, None, match_settings)
        answers = read_decisions(decisions or state_dir / "decisions.csv")
        snap = _read_snapshot(snapshot, cfg)
        recon = reconcile(snap, cfg, decisions=answers, weights=_saved_weights(out, retrain))
        path = write_report(recon, out)
    except WcsfError as exc:
        _fail(exc)
    _model_note(recon)
    console.print(f"wrote {path}")


@app.command()
def demo(
    snapshot: Annotated[Path, typer.Option("--snapshot", "-s", help="Snapshot folder")] = Path("data/sample"),
    out: Annotated[Path, typer.Option(help="Output folder")] = Path("out"),
    match_settings: MatchSettingsOption = None,
    retrain: RetrainOption = False,
) -> None:
    """The main job on a snapshot: validate and profile it, then reconcile into OUT/."""
    from .html_report import write_report
    from .normalize import normalize_snapshot
    from .profile import profile_snapshot
    from .reconcile import reconcile

    try:
        cfg = _load_config(None, None, match_settings)
        snap = _read_snapshot(snapshot, cfg)
        tables = profile_snapshot(normalize_snapshot(snap, cfg))
        recon = reconcile(snap, cfg, weights=_saved_weights(out, retrain))
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
    mess: Annotated[str, typer.Option(help="classic, or outside: plus mess found in real accounts")] = "classic",
) -> None:
    """Generate a synthetic world (snapshot + ground truth)."""
    from .synth import SNAPSHOT_FORMATS, generate_world, write_world

    if fmt not in SNAPSHOT_FORMATS:
        _fail(WcsfError(f"--format {fmt!r} is not a snapshot format: choose {' or '.join(SNAPSHOT_FORMATS)}"))
    if persons < 1:
        _fail(WcsfError(f"--persons must be at least 1 (got {persons})"))
    try:
        world = generate_world(persons, seed, mess=mess)
    except ValueError as exc:
        _fail(WcsfError(f"--mess: {exc}"))
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

    import pandas as pd

    from .clients.budget import QuotaExhausted
    from .clients.factory import from_env
    from .clients.salesforce import SalesforceAuthError
    from .clients.whatconverts import WhatConvertsAuthError
    from .extract import ExtractSettings
    from .extract import extract as run_extract
    from .progress import rich_bars
    from .tables.snapshot import write_snapshot

    try:
        cfg = _load_config(config, None)
        settings = ExtractSettings(state_dir=state_dir, full=full)
        if since:
            settings.history_start = datetime.fromisoformat(since).replace(tzinfo=UTC)
        with (
            from_env(env_file, state_dir, salesforce=False, wc_daily_limit=wc_daily_limit) as clients,
            rich_bars() as settings.progress,
        ):
            reader = clients.connect_salesforce(bulk_threshold)
            snapshot, stats = run_extract(clients.whatconverts, reader, cfg, settings, master_key=clients.master_key)
        write_snapshot(snapshot, out)
    except QuotaExhausted as exc:  # the exit codes of `run`; the pages fetched so far are kept for the next run
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
    wc_daily_limit: Annotated[int | None, typer.Option(help="Override the WhatConverts daily request limit")] = None,
    max_error_rate: Annotated[float, typer.Option(help="Exit 3 when more operations than this share fail")] = 0.05,
    wc_concurrency: Annotated[int, typer.Option(help="WhatConverts requests in flight (at most 20)")] = 4,
    wc_import_file: Annotated[
        Path | None,
        typer.Option(help="Write updates the budget cannot cover as a Lead Manager import CSV (Sales Value: replace)"),
    ] = None,
) -> None:
    """Execute a plan: dry run by default; with --apply, journaled, resumable, idempotent."""
    import pandas as pd

    from .progress import rich_bars
    from .push import push_plan

    try:
        with rich_bars(apply) as bars:  # a bar per kind of batch: creates, backfills, updates
            result = push_plan(
                plan,
                _load_config(config, None),
                apply,
                env_file=env_file,
                state_dir=state_dir,
                backfill_ids=backfill_ids,
                bulk_threshold=bulk_threshold,
                wc_concurrency=wc_concurrency,
                max_error_rate=max_error_rate,
                wc_import_file=wc_import_file,
                wc_daily_limit=wc_daily_limit,
                progress=bars or (lambda *_: None),
            )
    except WcsfError as exc:
        _fail(exc)
    print_frame(result.table(), "Push (applied)" if apply else "Push (dry run: nothing sent)")
    print_frame(
        pd.DataFrame([result.estimated_calls]),
        "API calls a rerun would still use" if apply else "API calls it would use",
    )
    for item in result.not_checked:
        console.print(f"not checked: {escape(item)}")
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

    from .atomic import write_text as write_text_atomic
    from .sandbox import Faults, Sandbox

    try:
        snap = _read_snapshot(snapshot)
    except WcsfError as exc:
        _fail(exc)
    import signal

    def _stop(signum: int, _frame: object) -> None:  # `kill` (SIGTERM) stops it like Ctrl-C: certificate removed
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    with Sandbox(snap, Faults(error_rate=error_rate), port=port) as box:
        try:  # from the moment the credentials exist, a stop is a clean stop (exit 0), even mid-print
            write_text_atomic(env_out, box.env_text(), mode=0o600)  # secrets: readable by this user only
            console.print(f"sandbox serving {snapshot} at {box.url} (WhatConverts {box.whatconverts_url})")
            console.print(f"credentials written to {env_out}; try: wcsf-recon extract --env-file {env_out} --out snap")
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            console.print("stopping")


@app.command()
def review(
    snapshot: Annotated[Path | None, typer.Option("--snapshot", "-s", help="Snapshot folder to review")] = None,
    import_file: Annotated[
        Path | None, typer.Option("--import", help="review_queue.csv/.xlsx with a filled `decision` column")
    ] = None,
    sample: Annotated[int | None, typer.Option(help="Label a random sample of N auto-links instead")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the --sample draw")] = None,
    export: Annotated[Path | None, typer.Option(help="Write the items to this CSV (fill `decision`, --import)")] = None,
    evaluate: Annotated[bool, typer.Option(help="Print precision/recall from the decisions so far")] = False,
    chart: Annotated[Path | None, typer.Option(help="With --evaluate: save the threshold sweep chart (PNG)")] = None,
    who: Annotated[str | None, typer.Option(help="Reviewer name recorded with each answer (default $USER)")] = None,
    decisions: Annotated[Path | None, typer.Option(help=DECISIONS_HELP)] = None,
    state_dir: Annotated[Path, typer.Option(help="State folder holding decisions.csv")] = Path(".wcsf-state"),
    config: Annotated[Path | None, typer.Option(help="TOML config file")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder of the reconcile being reviewed: reuse its match_model.json")
    ] = None,
    match_settings: MatchSettingsOption = None,
) -> None:
    """Answer the review queue (keys; resumable), import answers from a spreadsheet, sample auto-links, evaluate.

    Pass the `--match-settings` (and `--out`) the reconcile ran with: the queue is rebuilt from the snapshot,
    so other settings would ask about other pairs, and `--out` spares retraining the model.
    """
    from .reconcile import reconcile
    from .review import (
        ReviewSession,
        append_decisions,
        evaluate_labels,
        import_review_file,
        read_decisions,
        sample_auto_links,
    )
    from .review.terminal import review_in_terminal
    from .tables.export import write_safe_csv

    path = decisions or state_dir / "decisions.csv"
    try:
        if import_file is not None:
            rows = import_review_file(import_file, who)
            table = append_decisions(path, rows)
            counts = rows["decision"].value_counts().to_dict()
            console.print(f"imported {len(rows)} answers {counts} into {path} ({len(table)} in all)")
            return
        if snapshot is None:
            raise WcsfError("review needs --snapshot (or --import FILE)")
        cfg = _load_config(config, None, match_settings)
        answers = read_decisions(path)
        weights = _saved_weights(out, False) if out else None
        recon = reconcile(_read_snapshot(snapshot, cfg), cfg, decisions=answers, weights=weights)
        if evaluate:
            result = evaluate_labels(recon, answers)
            print_frame(result.summary().round(4), "Labels: precision and recall")
            print_frame(result.by_rule.round(4), "Per rule")
            print_frame(result.by_band.round(4), "Per score band")
            if chart is not None:
                result.plot(cfg.auto_link_threshold, cfg.review_threshold).savefig(chart, dpi=110)
                console.print(f"wrote {chart}")
            return
        items = sample_auto_links(recon, sample, seed) if sample else None
        session = ReviewSession(recon, path, who, items)
        if export is not None:
            write_safe_csv(session.items, export)
            console.print(f"wrote {len(session.items)} rows to {export}; fill `decision`, then review --import it")
            return
        review_in_terminal(session, console)
    except WcsfError as exc:
        _fail(exc)


config_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Check configuration.")
app.add_typer(config_app, name="config")


@config_app.command("check")
def config_check(
    config: Annotated[Path | None, typer.Option(help="TOML config file")] = None,
    env_file: Annotated[Path | None, typer.Option(help=".env file with WC_* and SF_* credentials")] = None,
    offline: Annotated[bool, typer.Option(help="Validate the files only; no connectivity check")] = False,
    state_dir: Annotated[Path, typer.Option(help="Where the WhatConverts request budget is kept")] = Path(
        ".wcsf-state"
    ),
    snapshot: Annotated[
        Path | None, typer.Option(help="Also check the config's columns against this snapshot (no network)")
    ] = None,
) -> None:
    """Validate the config (and credentials); read-only connectivity check of both APIs when credentials are set."""
    from datetime import UTC, datetime, timedelta

    from .clients.factory import from_env
    from .credentials import load_env

    try:
        cfg = _load_config(config, None)
        console.print(
            f"config ok: wc_id_field={cfg.wc_id_field}, attribution={cfg.attribution}, "
            f"match settings {cfg.model_settings().digest()}"
        )
        if snapshot is not None:
            from .checks import check_config_against

            check_config_against(_read_snapshot(snapshot, cfg), cfg)
            console.print(
                escape(f"snapshot {snapshot} has {cfg.wc_id_field} and every [reconcile.lead_fields] column"),
                soft_wrap=True,
            )
        if offline or not load_env(env_file).get("WC_API_TOKEN"):
            console.print("no connectivity check (offline, or no credentials set)")
            return
        now = datetime.now(UTC)
        with from_env(env_file, state_dir, salesforce=False) as clients:  # the request counts in the day's budget
            body = clients.whatconverts.request(
                "GET",
                "/leads",
                params={
                    "leads_per_page": 1,
                    "page_number": 1,
                    "start_date": (now - timedelta(days=1)).date().isoformat(),
                },
            )
            console.print(f"WhatConverts ok ({body.get('total_leads', 0)} leads in the last day; 1 request used)")
            reader = clients.connect_salesforce()
        fields = reader.fields("Lead")
        if reader.field("Lead", cfg.wc_id_field) is None:
            raise ConfigError(f"Salesforce field {cfg.wc_id_field} does not exist on Lead (wc_id_field)")
        unmapped = sorted(f for f in cfg.lead_fields if reader.field("Lead", f) is None)
        if unmapped:
            raise ConfigError(f"Salesforce Lead has no field {', '.join(unmapped)} ([reconcile.lead_fields])")
        from .clients.salesforce_org import org_report, report_lines

        for line in report_lines(org_report(reader, cfg)):
            console.print(escape(line), soft_wrap=True)
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
    backfill_ids: Annotated[
        bool, typer.Option("--backfill-ids", help="Also write the WhatConverts id onto matched Salesforce records")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Warnings and errors only")] = False,
    log_json: Annotated[bool, typer.Option("--log-json", help="Log one JSON object per line")] = False,
    match_settings: MatchSettingsOption = None,
    retrain: Annotated[
        bool, typer.Option("--retrain", help="Train the match model afresh, not from the last run's match_model.json")
    ] = False,
) -> None:
    """Extract (incremental) -> reconcile -> push -> report, into runs/<UTC timestamp>/. Exit codes in the README."""
    from datetime import UTC, datetime

    from .credentials import load_env
    from .logs import env_secrets, setup_logging
    from .runs import run_cycle

    try:
        cfg = _load_config(config, None, match_settings)
        setup_logging(verbose, quiet, env_secrets(load_env(env_file)), json_lines=log_json)
    except WcsfError as exc:
        _fail(exc)
    start = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
    outcome = run_cycle(
        cfg, env_file, state_dir, runs_dir, apply, start, max_error_rate, backfill_ids=backfill_ids, retrain=retrain
    )
    style = "green" if outcome.exit_code == 0 else "red"
    console.print(f"[{style}]run {outcome.run_id}: {outcome.status}[/] ({outcome.folder})")
    skipped = outcome.summary.get("backfills_skipped", 0)
    if skipped:
        console.print(
            f"{skipped:,} id backfills were not sent (matched Salesforce records without the WhatConverts id); "
            "add --backfill-ids to write them"
        )
    if "error" in outcome.summary:
        err_console.print(escape(outcome.summary["error"]), highlight=False, soft_wrap=True)
    raise typer.Exit(outcome.exit_code)


@app.command()
def history(
    state_dir: Annotated[Path, typer.Option(help="State folder holding runs.sqlite")] = Path(".wcsf-state"),
) -> None:
    """Past runs: time, status, created/updated/failed, API requests (fits 80 columns)."""
    from .runs import RunLog

    runlog = RunLog(state_dir)
    runs = runlog.rows()
    runlog.close()
    if not runs:
        console.print(f"no runs recorded in {state_dir / 'runs.sqlite'} yet (`wcsf-recon run` records one per run)")
        return
    # no borders, two spaces between columns, status cut at 16: one line per run at 80 columns
    table = Table(box=None, pad_edge=False, padding=(0, 1), title="Runs", title_justify="left", header_style="bold")
    columns = ("run (UTC start)", "status", "new", "upd", "fail", "wc req", "sf api")
    for name in columns:
        table.add_column(
            name,
            justify="left" if name in columns[:2] else "right",
            no_wrap=True,
            max_width=16 if name == "status" else None,
            overflow="ellipsis",
        )
    for r in runs:
        summary = r["summary"]
        status = str(r["status"])
        if not r["applied"] and "dry run" not in status:
            status += " (dry run)"
        table.add_row(
            str(r["run_id"])[:15],  # to the second; `show` takes this prefix
            status,
            f"{summary.get('created', 0):,}",
            f"{summary.get('updated', 0):,}",
            f"{summary.get('failed', 0):,}",
            f"{summary.get('wc_requests_total', 0):,}",
            str(summary.get("extract", {}).get("sf_api_usage", "")),
        )
    console.print(table)
    console.print("new = Salesforce leads created, upd = WhatConverts leads updated; one run: wcsf-recon show RUN")


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(help="A run id from `history`")],
    state_dir: Annotated[Path, typer.Option(help="State folder holding runs.sqlite")] = Path(".wcsf-state"),
) -> None:
    """One run's full summary."""
    import json

    from .runs import RunLog

    runlog = RunLog(state_dir)
    found = [r for r in runlog.rows() if r["run_id"] == run_id] or [
        r
        for r in runlog.rows()
        if r["run_id"].startswith(run_id)  # the prefix `history` shows
    ]
    runlog.close()
    if not found:
        _fail(WcsfError(f"no run {run_id} in {state_dir / 'runs.sqlite'}"))
    console.print_json(json.dumps(found[0], default=str))


@app.callback()
def _options(
    verbose: Annotated[bool, typer.Option("--verbose", help="Show the full traceback of an unexpected error")] = False,
) -> None:
    """Reconcile WhatConverts with Salesforce."""


def main(argv: list[str] | None = None) -> None:
    """The console entry point: an unexpected error is one line and a pointer to --verbose, not a traceback."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    try:
        app(args=args, prog_name="wcsf-recon", standalone_mode=True)
    except Exception as exc:  # WcsfError is handled in each command; this is anything else
        if "--verbose" in args or "-v" in args:
            raise
        where = args[0] if args else "wcsf-recon"
        message = str(exc).splitlines()[0] if str(exc) else ""
        err_console.print(
            f"[bold red]error:[/] {escape(where)} failed unexpectedly: {type(exc).__name__}: {escape(message)} "
            "(run again with --verbose for the traceback)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(1)


def program() -> None:
    """The `wcsf-recon` program: `main()`, then the process ends without freeing its heap object by object.

    After a million-person reconcile the interpreter's teardown (every frame and Arrow buffer freed, then
    unmapped) took 0.9 s of the user's wait and wrote nothing. Outputs are already written atomically and
    closed; here the exit handlers (temporary folders, logging) run and the streams are flushed first.
    `main()` itself stays an ordinary function for callers inside Python (tests, notebooks).
    The process runs without transparent huge pages (`process_memory`): 6 s less kernel time at 1,000,000.
    """
    import atexit
    import os
    import sys
    import threading

    from .process_memory import without_transparent_huge_pages

    without_transparent_huge_pages()
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if code is not None and not isinstance(code, int):  # `sys.exit("message")`: printed, status 1
        print(code, file=sys.stderr)
        code = 1
    # what the interpreter's own shutdown runs first: thread pools told to stop, then non-daemon threads joined
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    main()
