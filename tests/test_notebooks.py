"""The notebooks run as an analyst runs them (a Jupyter kernel, its inline backend) and show their charts.

nbmake only checks that cells raise nothing; a chart printed as `<Figure size 800x450 with 1 Axes>` passed it.
Here every cell that calls `plot_*` must produce exactly one `image/png` output, and explanations are whole.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from .test_review_notebook import check_review_widget

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _run(name: str) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb


def _pngs(cell: nbformat.NotebookNode) -> int:
    return sum("image/png" in out.get("data", {}) for out in cell.outputs)


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebook_runs_and_every_plot_cell_shows_one_chart(name: str) -> None:
    nb = _run(name)
    plot_cells = [c for c in nb.cells if c.cell_type == "code" and "plot_" in c.source]
    if name.startswith("02_"):
        assert len(plot_cells) >= 6
    for cell in plot_cells:
        assert _pngs(cell) == 1, f"{name}: {cell.source!r} shows {_pngs(cell)} images: {cell.outputs}"
        texts = [out.get("data", {}).get("text/plain", "") for out in cell.outputs]
        assert not any(
            "<Figure size" in t and "image/png" not in out.get("data", {})
            for t, out in zip(texts, cell.outputs, strict=True)
        )
    if name.startswith("03_"):
        check_review_widget(nb)
    if name.startswith("01_"):
        shown = next(c for c in nb.cells if c.cell_type == "code" and "'explanation']].sample" in c.source)
        html = shown.outputs[0]["data"]["text/html"]
        assert "..." not in html and "names agree" in html  # the whole sentence, not cut at 50 characters
