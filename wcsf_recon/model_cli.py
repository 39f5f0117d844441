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
