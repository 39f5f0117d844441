"""`wcsf-recon model`: write the match model's settings for editing, and show the weights an output folder holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

model_app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="The match model: its settings file and trained weights."
)


@model_app.command("init")
def model_init(
    file: Annotated[Path, typer.Argument(help="Settings file to write: .toml, or .json")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file")] = False,
) -> None:
    """Write the default match settings to FILE, to edit and use with --match-settings or `match_settings`."""
    from .cli import _fail, console
    from .errors import ConfigError
    from .match.model_settings import ModelSettings

    if file.exists() and not force:
        _fail(ConfigError(f"{file} exists; pass --force to overwrite it"))
    settings = ModelSettings()
    settings.save(file)
    console.print(
        f"wrote {file} (settings {settings.digest()}); use it with `--match-settings {file}` "
        f'or `match_settings = "{file}"` in the config',
        highlight=False,
        soft_wrap=True,
    )


@model_app.command("show")
def model_show(
    out: Annotated[
        Path, typer.Argument(help="An output folder (reconcile --out, a run folder) or its match_model.json")
    ],
) -> None:
    """The settings digest and the learned weights (m, u and bits per comparison level) of an output folder."""
    from .cli import _fail, console, print_frame
    from .errors import WcsfError
    from .match.saved_model import model_file, read_model_file, weights_table

    try:
        settings, weights = read_model_file(out)
    except WcsfError as exc:
        _fail(exc)
    console.print(f"{model_file(out)}: settings {settings.digest()}", highlight=False)
    if weights is None:
        console.print("the model did not run on this snapshot (more WhatConverts leads than max_leads): no weights")
        return
    trained = ", ".join(f"{k} {v:,}" for k, v in weights.trained_on.items())
    console.print(f"prior {weights.prior:.3g} (chance that a random pair is one person); trained on {trained}")
    table = weights_table(settings, weights)
    print_frame(
        table.assign(
            m=table["m"].map("{:.4f}".format),
            u=table["u"].map("{:.4f}".format),
            bits=table["bits"].map("{:+.2f}".format),
        ),
        "Weights per comparison level",
    )


@model_app.command("explain")
def model_explain(
    lead_id: Annotated[str, typer.Argument(help="A WhatConverts lead id")],
    snapshot: Annotated[Path, typer.Option("--snapshot", "-s", help="Snapshot folder")],
    out: Annotated[
        Path | None, typer.Option(help="Output folder whose match_model.json to reuse (else the model trains)")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="TOML config file")] = None,
    match_settings: Annotated[Path | None, typer.Option("--match-settings", help="Match model settings file")] = None,
    chart: Annotated[Path | None, typer.Option(help="Save the linked candidate's waterfall chart here (PNG)")] = None,
) -> None:
    """Every candidate of a lead's person with every comparison level, and the waterfall of the one it links to."""
    from .cli import _fail, _load_config, _read_snapshot, _saved_weights, console, print_frame
    from .errors import WcsfError
    from .reconcile import reconcile

    try:
        cfg = _load_config(config, None, match_settings)
        recon = reconcile(_read_snapshot(snapshot, cfg), cfg, weights=_saved_weights(out, False) if out else None)
        try:
            table = recon.explain(lead_id)
        except KeyError:
            raise WcsfError(f"no WhatConverts lead {lead_id!r} in {snapshot}") from None
    except WcsfError as exc:
        _fail(exc)
    levels = [c for c in table.columns if c.startswith("level_")]
    records = table[levels].to_dict("records")  # the levels that held, `null` (a side missing) left out
    shown = table.assign(
        score=table["score"].map("{:.3f}".format),
        weight=table["weight"].map(lambda w: "" if w != w else f"{w:+.1f}") if "weight" in table else "",
        linked=table["linked"].map({True: "yes", False: ""}),
        levels=[
            " ".join(f"{str(k)[6:]}={v}" for k, v in r.items() if isinstance(v, str) and v != "null") for r in records
        ],
    )[["sf_object", "sf_id", "rule", "score", "weight", "linked", "levels"]]
    print_frame(shown, f"Candidates of lead {lead_id} (weight: match weight in bits)")
    model_rows = table[(table["rule"] == "model") & table["linked"]] if "weight" in table else table.iloc[:0]
    if model_rows.empty:
        console.print("no model-scored candidate is linked: no waterfall to show", highlight=False)
        return
    steps = recon.match.waterfall(lead_id, str(model_rows["sf_id"].iloc[0]))
    print_frame(steps.round(2), f"Waterfall: lead {lead_id} -> {model_rows['sf_id'].iloc[0]}")
    if chart is not None:
        from .match.explain import plot_waterfall

        plot_waterfall(steps).figure.savefig(chart, dpi=110)
        console.print(f"wrote {chart}", highlight=False)
