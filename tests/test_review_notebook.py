"""Notebook 03 executes headless (nbclient) and its review widget renders: a widget view in the output, no errors."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "03_unmatched_review.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_unmatched_review_notebook_renders_the_widget() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, [f"{e['ename']}: {e['evalue']}" for e in errors]
    views = [o for o in outputs if WIDGET_VIEW in o.get("data", {})]
    assert len(views) == 1 and views[0]["data"][WIDGET_VIEW]["model_id"]
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    html = " ".join(str(m.get("state", {}).get("value", "")) for m in state.values())
    assert "Cluster 1 of" in html and "Salesforce candidates" in html  # the first cluster is on screen
    assert any(o.get("data", {}).get("image/png") for o in outputs)  # the score histogram
    printed = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "clusters left to review" in printed
