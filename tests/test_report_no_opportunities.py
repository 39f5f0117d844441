"""An account with no opportunities yet: the attribution charts say so, and `report` still writes its page."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from wcsf_recon import attribution as at
from wcsf_recon.cli import app

from .conftest import SAMPLE
from .test_attribution import _tidy


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_touch_models_chart_with_nothing_won_says_so() -> None:
    tidy = _tidy().assign(won=False, won_amount=0.0)  # opportunities, none won
    nothing = at.touch_models(tidy)
    assert nothing.empty
    fig = at.plot_touch_models(nothing)
    assert any("no won opportunities" in t for t in _texts(fig))
    assert fig.axes[0].get_title() == "Won revenue by attribution model"


def test_report_on_an_account_without_opportunities(tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    shutil.copytree(SAMPLE, snap)
    for name in ("Opportunity", "OpportunityContactRole"):  # the header only: no rows
        path = snap / "salesforce" / f"{name}.csv"
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", "-s", str(snap), "--out", str(out), "--state-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<img alt='Attribution models' src='data:image/png;base64," in page
    assert "<img alt='Revenue the tracking missed' src='data:image/png;base64," in page


def test_time_to_opportunity_without_opportunities_keeps_its_columns_and_the_chart_says_so() -> None:
    tidy = _tidy().assign(opportunity_id=None, won=False, won_amount=0.0)
    table = at.time_to_opportunity(tidy)
    assert table.empty and list(table.columns) == ["lead_source", "measure", "n", "p25", "median", "p75", "p90"]
    assert any("no opportunities" in t for t in _texts(at.plot_time_to_opportunity(table)))
