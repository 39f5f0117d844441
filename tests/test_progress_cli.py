"""The CLI draws progress bars (README): WhatConverts pages and Salesforce objects on extract, batches on push."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from wcsf_recon import reconcile
from wcsf_recon.cli import app
from wcsf_recon.progress import rich_bars
from wcsf_recon.sandbox import Sandbox
from wcsf_recon.synth import generate_world


def test_rich_bars_report_every_kind_of_work(capsys) -> None:
    with rich_bars() as progress:
        assert progress is not None
        for page in range(1, 4):
            progress("WhatConverts pages", page, 3)
    err = capsys.readouterr().err
    assert "WhatConverts pages" in err and "3/3" in err
    with rich_bars(enabled=False) as progress:
        assert progress is None


def test_extract_and_push_show_bars(tmp_path: Path) -> None:
    world = generate_world(120, seed=6161)
    with Sandbox(world.snapshot) as box:
        env = tmp_path / "sandbox.env"
        env.write_text(box.env_text())
        state = ["--env-file", str(env), "--state-dir", str(tmp_path / "state")]
        extracted = CliRunner().invoke(app, ["extract", *state, "--since", "2024-01-01", "--out", str(tmp_path / "s")])
        assert extracted.exit_code == 0, extracted.output
        assert "WhatConverts pages 2024-01-01.." in extracted.output
        assert "Salesforce objects" in extracted.output and "5/5" in extracted.output
        reconcile(world.snapshot).write(tmp_path / "out")
        pushed = CliRunner().invoke(app, ["push", "--plan", str(tmp_path / "out" / "plan"), "--apply", *state])
        assert pushed.exit_code == 0, pushed.output
        assert "salesforce creates" in pushed.output and "whatconverts updates" in pushed.output
